"""Adding objects to the fixed-capacity object table (jittable).

A new object takes the lowest free slot and the next creation stamp. If every slot
is taken the object is not created and ``CrafterState.overflow`` counts it; the
world is otherwise left exactly as it was (no slot is overwritten).
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
    slot = jnp.argmin(objects.alive)  # first free slot (False sorts first)
    has_room = ~objects.alive[slot]
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
