"""Adding objects to the fixed-capacity object table (jittable).

A new object takes the lowest free slot and the next creation stamp. If every slot
is taken the object is not created and ``CrafterState.overflow`` counts it; the
world is otherwise left exactly as it was (no slot is overwritten).

Code that creates objects one after another inside a loop tracks the free slots as a
bit mask of ``N / 32`` words (:func:`free_words`), so the lowest free slot costs a
few word operations instead of a scan of the table.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from symworld.envs.crafter_oo import grid, rules
from symworld.envs.crafter_oo.state import CrafterState


def add_object(
    state: CrafterState,
    kind: int,
    pos: jax.Array,
    enabled: jax.Array,
    facing: jax.Array | int = 0,
) -> tuple[CrafterState, jax.Array]:
    """Create an object of ``kind`` at ``pos`` when ``enabled`` (bool scalar).

    The caller guarantees that the cell is on the map and empty.

    **Returns:** ``(state, slot)``; ``slot`` is -1 when nothing was created.
    """
    objects = state.objects
    # The first free slot, as a minimum (a CPU vectorizes it, unlike ``argmin``).
    slots = jnp.arange(objects.capacity, dtype=jnp.int32)
    first_free = jnp.min(jnp.where(objects.alive, objects.capacity, slots))
    has_room = first_free < objects.capacity
    slot = jnp.where(has_room, first_free, 0)
    create = enabled & has_room
    put = lambda array, value: array.at[slot].set(  # noqa: E731
        jnp.where(create, value, array[slot])
    )
    objects = dataclasses.replace(
        objects,
        alive=put(objects.alive, True),
        kind=put(objects.kind, jnp.int8(kind)),
        pos=put(objects.pos, pos.astype(jnp.int32)),
        health=put(objects.health, rules.INITIAL_HEALTH[kind]),
        cooldown=put(objects.cooldown, 0),
        reload=put(objects.reload, 0),
        grown=put(objects.grown, 0),
        facing=put(objects.facing, jnp.asarray(facing, jnp.int32)),
        order=put(objects.order, state.next_order),
    )
    x, y = pos[0], pos[1]
    occupant = state.occupant.at[x, y].set(
        jnp.where(create, slot.astype(jnp.int16), state.occupant[x, y])
    )
    cx, cy = grid.chunk_of(pos)
    seen = state.chunk_seen.at[cx, cy].set(state.chunk_seen[cx, cy] | create)
    state = dataclasses.replace(
        state,
        objects=objects,
        occupant=occupant,
        chunk_seen=seen,
        next_order=state.next_order + create.astype(jnp.int32),
        overflow=state.overflow + (enabled & ~has_room).astype(jnp.int32),
    )
    return state, jnp.where(create, slot, -1).astype(jnp.int32)


def free_words(alive: jax.Array) -> jax.Array:
    """``uint32[ceil(N / 32)]``: bit ``i`` of word ``w`` is set iff slot 32 w + i
    is free."""
    capacity = alive.shape[0]
    words = -(-capacity // 32)
    free = jnp.zeros(words * 32, bool).at[:capacity].set(~alive)
    bits = jnp.left_shift(jnp.uint32(1), jnp.arange(32, dtype=jnp.uint32))
    return jnp.where(free.reshape(words, 32), bits, jnp.uint32(0)).sum(
        -1, dtype=jnp.uint32
    )


def lowest_free(words: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(lowest free slot, whether there is one) from the free-slot bit mask."""
    nonzero = words != 0
    word_index = jnp.argmax(nonzero)
    word = jnp.where(jnp.arange(words.shape[0]) == word_index, words, 0).sum(
        dtype=jnp.uint32
    )
    lowest_bit = word & (~word + jnp.uint32(1))
    bit = 31 - jax.lax.clz(lowest_bit).astype(jnp.int32)
    return word_index.astype(jnp.int32) * 32 + bit, jnp.any(nonzero)


def flip_slot(
    words: jax.Array, slot: jax.Array, free: bool, when: jax.Array
) -> jax.Array:
    """Mark ``slot`` free (or taken) in the bit mask where ``when``."""
    bit = jnp.left_shift(jnp.uint32(1), (slot % 32).astype(jnp.uint32))
    hit = (jnp.arange(words.shape[0]) == slot // 32) & when
    return jnp.where(hit, words | bit if free else words & ~bit, words)
