"""Chunk balancing: spawn and despawn creatures per 12 x 12 chunk every 10 steps.

For each chunk that ever held an object, and for zombies, then skeletons, then cows:
with ``n`` creatures of the class in the chunk, ``S`` cells of its spawn material and
daylight ``L`` (targets in :mod:`rules`), spawn one on a uniformly random cell of
the material with the class's probability if ``n < int(min)``, or else despawn a
uniformly random one with the class's probability if ``n > int(max)``; a spawn on an
occupied or too-close cell and a despawn of a too-close creature do nothing.

Chunks are disjoint, so each class is handled for all 36 chunks at once. What a class
decides from its own members and draws (counts, targets, the spawn cell, the despawn
victim) does not depend on the other classes, so it is computed for the three classes
together (one scatter over the table for all of them); what does depend on them, the
emptiness of the spawn cell and the free slots the new creatures take, is applied
class after class, so a cow never spawns on a zombie spawned in the same balance.
New creatures get creation stamps in the order chunk (x-major), then class.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import grid, random_words, rules, table
from symworld.envs.crafter_oo.state import EMPTY, CrafterState, ObjectTable

CX, CY = rules.NUM_CHUNKS
SX, SY = rules.CHUNK_SIZE
NUM_CHUNKS = CX * CY


def _integer_targets() -> tuple[np.ndarray, np.ndarray]:
    """``int(3.5 - 3 L)`` and ``int(1.5 + L)`` for steps 0..10 000 (float64, as the
    original computes them)."""
    daylight = rules.daylight_of(np.arange(rules.EPISODE_LENGTH + 1))
    return (
        (3.5 - 3 * daylight).astype(np.int32),
        (1.5 + daylight).astype(np.int32),
    )


ZOMBIE_LIMIT, COW_LIMIT = (jnp.asarray(t) for t in _integer_targets())


def daylight_index(step: jax.Array) -> jax.Array:
    """Index into the per-step tables (beyond 10 000 steps: the same time of day)."""
    late = rules.EPISODE_LENGTH - rules.DAY_LENGTH + (step % rules.DAY_LENGTH)
    return jnp.where(step <= rules.EPISODE_LENGTH, step, late)


# Per-class parameters in processing order (zombie, skeleton, cow), as arrays so
# one compiled body serves all three classes.
_KINDS = np.array(rules.BALANCE_ORDER, np.int32)
_SPAWN_MATERIAL = np.array([rules.BALANCE[k][0] for k in rules.BALANCE_ORDER], np.int32)
_SPAWN_DISTANCE = np.array([rules.BALANCE[k][1] for k in rules.BALANCE_ORDER], np.int32)
_DESPAWN_DISTANCE = np.array(
    [rules.BALANCE[k][2] for k in rules.BALANCE_ORDER], np.int32
)
_SPAWN_PROBABILITY = np.array(
    [rules.BALANCE[k][3] for k in rules.BALANCE_ORDER], np.float32
)
_DESPAWN_PROBABILITY = np.array(
    [rules.BALANCE[k][4] for k in rules.BALANCE_ORDER], np.float32
)
_MIN_SPACE = np.array(
    [rules.ZOMBIE_MIN_SPACE, rules.SKELETON_MIN_SPACE, rules.COW_MIN_SPACE], np.int32
)
# int(max target) per class and step: zombie int(3.5 - 3L), skeleton 2, cow int(1.5 + L)
_HIGH = jnp.stack([ZOMBIE_LIMIT, jnp.full_like(ZOMBIE_LIMIT, 2), COW_LIMIT])


def spawn_masks(material: jax.Array) -> jax.Array:
    """Per chunk, which cells of each row hold each class's spawn material.

    **Returns:** ``uint32[3, 36, 12]``: for each class (``BALANCE_ORDER``), chunk
    (x-major) and row (x within the chunk) a bit mask whose bit ``j`` is set iff
    the cell ``y = 12 cy + j`` of that row holds the class's spawn material (rows
    and cells past the map's edge hold none).

    The bits are packed word-wise: the 0/1 bytes of four neighbouring cells read
    as one little-endian uint32 (cell ``k`` in bit ``8 k``) are folded into four
    bits, and three such nibbles make a chunk row's 12 bits; XLA on a CPU runs
    this elementwise code far faster than a reduction over each row's 12 cells.
    """
    width, height = rules.AREA
    if height % 4 or SY % 4:
        raise ValueError("spawn masks pack four cells per word")
    words_per_chunk = SY // 4
    words = -(-height // SY) * words_per_chunk  # per row, padded to whole chunks
    masks = {}
    for value in sorted(set(_SPAWN_MATERIAL.tolist())):
        cells = (material == value).astype(jnp.uint8).reshape(width, height // 4, 4)
        word = jax.lax.bitcast_convert_type(cells, jnp.uint32)  # [64, 16]
        nibble = (
            (word & 1) | ((word >> 7) & 2) | ((word >> 14) & 4) | ((word >> 21) & 8)
        )
        nibble = jnp.pad(nibble, ((0, CX * SX - width), (0, words - height // 4)))
        nibble = nibble.reshape(CX * SX, CY, words_per_chunk)
        per_chunk_column = nibble[..., 0]
        for k in range(1, words_per_chunk):
            per_chunk_column = per_chunk_column | (nibble[..., k] << (4 * k))
        masks[value] = (
            per_chunk_column.reshape(CX, SX, CY)
            .transpose(0, 2, 1)
            .reshape(NUM_CHUNKS, SX)
        )
    return jnp.stack([masks[value] for value in _SPAWN_MATERIAL.tolist()])


def spawn_rows(material: jax.Array) -> jax.Array:
    """Per chunk, how many cells of each class's spawn material each row holds.

    **Returns:** ``int32[3, 36, 12]`` (class, chunk, row as in :func:`spawn_masks`).
    """
    return jax.lax.population_count(spawn_masks(material)).astype(jnp.int32)


def _kth_cell(masks: jax.Array, row_count: jax.Array, pick: jax.Array) -> jax.Array:
    """Position ``int32[36, 2]`` of the ``pick``-th (from 0) cell of one class's
    spawn material in each chunk, counting x-major within the chunk.

    ``masks``: uint32[36, 12] and ``row_count``: int32[36, 12] (one class of
    :func:`spawn_masks` and :func:`spawn_rows`); ``pick``: int32[36]. The row is
    found from the row counts, then the cell within that row from its bit mask
    (the cells up to each one counted with a population count), so no per-cell
    work is done over whole chunks. A chunk with at most ``pick`` such cells gives
    its first cell (the caller does not spawn there).
    """
    row_end = grid.prefix_sum(row_count)  # [36, 12]
    rows_before = (row_end <= pick[:, None]).sum(-1, dtype=jnp.int32)
    found = rows_before < SX
    row = jnp.where(found, rows_before, 0)
    chosen = jnp.arange(SX) == row[:, None]
    before = jnp.where(chosen, row_end - row_count, 0).sum(-1)
    mask = jnp.where(chosen, masks, jnp.uint32(0)).sum(-1, dtype=jnp.uint32)
    # Cells of the row up to and including each y offset.
    up_to = jnp.left_shift(jnp.uint32(2), jnp.arange(SY, dtype=jnp.uint32)) - 1
    counted = jax.lax.population_count(mask[:, None] & up_to).astype(jnp.int32)
    offset = (counted <= (pick - before)[:, None]).sum(-1, dtype=jnp.int32)
    chunk = jnp.arange(NUM_CHUNKS)
    x = (chunk // CY) * SX + row
    y = (chunk % CY) * SY + jnp.where(found, offset, 0)
    return jnp.stack([x, y], -1).astype(jnp.int32)


def _lowest_free_slots(alive: jax.Array, count: jax.Array) -> jax.Array:
    """The ``count`` lowest free slots in increasing order in ``int32[36]``, then
    ``capacity`` (also where the table has no more room).

    Taken one at a time from the free-slot bit mask (a balance spawns a few
    creatures, so this is cheaper than sorting the table).
    """
    capacity = alive.shape[0]

    def take(loop):
        index, words, slots = loop
        slot, has_room = table.lowest_free(words)
        slots = slots.at[index].set(jnp.where(has_room, slot, capacity))
        return index + 1, table.flip_slot(words, slot, False, has_room), slots

    _, _, slots = jax.lax.while_loop(
        lambda loop: loop[0] < count,
        take,
        (
            jnp.int32(0),
            table.free_words(alive),
            jnp.full(NUM_CHUNKS, capacity, jnp.int32),
        ),
    )
    return slots


def balance(state: CrafterState, key: jax.Array) -> CrafterState:
    """One balancing pass over every seen chunk (zombies, skeletons, cows)."""
    objects = state.objects
    capacity = objects.capacity
    player_pos = state.player.pos
    kinds = jnp.asarray(_KINDS)
    num_classes = len(rules.BALANCE_ORDER)

    # Three uniforms per class and chunk (spawn, despawn, spawn cell) and one random
    # score per slot (an object belongs to one class, so one score serves all
    # three), from one draw of words (see :mod:`random_words`).
    per_chunk = 3 * num_classes * NUM_CHUNKS
    words = random_words.counter_words(
        random_words.key_pair(key), 0, per_chunk + capacity
    )
    spawn_u, despawn_u, cell_u = random_words.unit_uniforms(words[:per_chunk]).reshape(
        3, num_classes, NUM_CHUNKS
    )
    # The score's top bits above the slot's, so that one maximum per chunk and
    # class gives the victim's slot (2^(31 - slot bits) score levels: 2^23 with
    # 256 slots, the resolution of a float32 uniform).
    slot_bits = max(capacity - 1, 1).bit_length()
    slots = jnp.arange(capacity, dtype=jnp.int32)
    score = (
        (words[per_chunk:] >> (slot_bits + 1)).astype(jnp.int32) << slot_bits
    ) | slots

    # Creatures of each class per chunk: one index (class, chunk) per object.
    cx, cy = grid.chunk_of(objects.pos)
    member = objects.alive[None] & (objects.kind[None] == kinds[:, None])  # [3, N]
    klass = jnp.argmax(member, 0)
    index = jnp.where(
        member.any(0), klass * NUM_CHUNKS + cx * CY + cy, num_classes * NUM_CHUNKS
    )
    bins = num_classes * NUM_CHUNKS + 1
    count = jnp.zeros(bins, jnp.int32).at[index].add(1)[:-1]
    count = count.reshape(num_classes, NUM_CHUNKS)
    masks = spawn_masks(state.material)
    rows = jax.lax.population_count(masks).astype(jnp.int32)
    space = rows.sum(-1)  # [3, 36]

    # Targets: int(min) and int(max) as the original truncates them.
    high = _HIGH[:, daylight_index(state.step)][:, None]  # [3, 1]
    low_value = jnp.where(kinds[:, None] == rules.ZOMBIE, high, 1)
    low = jnp.where(space < jnp.asarray(_MIN_SPACE)[:, None], 0, low_value)
    seen = state.chunk_seen.reshape(-1)
    wants_spawn = (
        seen & (count < low) & (spawn_u < jnp.asarray(_SPAWN_PROBABILITY)[:, None])
    )
    wants_despawn = (
        seen
        & ~wants_spawn
        & (count > high)
        & (despawn_u < jnp.asarray(_DESPAWN_PROBABILITY)[:, None])
    )

    # Spawn: the k-th cell of the material, k uniform in [0, S).
    pick = jnp.floor(cell_u * space).astype(jnp.int32)
    pos = jax.vmap(_kth_cell)(masks, rows, pick)  # [3, 36, 2]
    far = grid.distance(pos, player_pos) >= jnp.asarray(_SPAWN_DISTANCE)[:, None]

    # Despawn: a uniformly random member of the class in the chunk.
    best = jnp.full(bins, -1, jnp.int32).at[index].max(score)[:-1]
    victim = jnp.where(best >= 0, best & ((1 << slot_bits) - 1), -1).reshape(
        num_classes, NUM_CHUNKS
    )
    victim_slot = jnp.clip(victim, 0, capacity - 1)
    victim_pos = objects.pos[victim_slot]  # [3, 36, 2]
    victim_far = (
        grid.distance(victim_pos, player_pos) >= jnp.asarray(_DESPAWN_DISTANCE)[:, None]
    )
    despawns = wants_despawn & (victim >= 0) & victim_far

    # Apply class after class: spawn cells must be empty of earlier spawns, and new
    # creatures take the lowest slots left free by earlier classes and despawns.
    occupant, overflow = state.occupant, state.overflow
    zeros = jnp.zeros(NUM_CHUNKS, jnp.int32)
    for k, kind in enumerate(rules.BALANCE_ORDER):
        spawns = (
            wants_spawn[k]
            & (space[k] > 0)
            & (grid.occupant_at(occupant, pos[k]) == EMPTY)
            & far[k]
        )
        gone = jnp.where(despawns[k], victim_slot[k], capacity)
        objects = dataclasses.replace(
            objects, alive=objects.alive.at[gone].set(False, mode="drop")
        )

        # Spawned creatures take the lowest free slots, chunk by chunk.
        free = _lowest_free_slots(objects.alive, spawns.sum())
        rank = grid.prefix_sum(spawns) - 1
        slot = jnp.where(spawns, free[jnp.clip(rank, 0, NUM_CHUNKS - 1)], capacity)
        created = spawns & (slot < capacity)
        order = state.next_order + jnp.arange(NUM_CHUNKS, dtype=jnp.int32) * 3 + k

        def put(array, values, slot=slot):
            return array.at[slot].set(values.astype(array.dtype), mode="drop")

        objects = ObjectTable(
            alive=put(objects.alive, jnp.ones(NUM_CHUNKS, bool)),
            kind=put(objects.kind, jnp.full(NUM_CHUNKS, kind)),
            pos=put(objects.pos, pos[k]),
            health=put(
                objects.health, jnp.full(NUM_CHUNKS, rules.INITIAL_HEALTH[kind])
            ),
            cooldown=put(objects.cooldown, zeros),
            reload=put(objects.reload, zeros),
            grown=put(objects.grown, zeros),
            facing=put(objects.facing, zeros),
            order=put(objects.order, order),
        )
        # The despawned creatures' cells empty and the new ones' cells taken, in
        # one scatter (the cells differ: a spawn cell was empty, a victim's was
        # not) that depends on the read of the spawn cells above, so XLA writes
        # the map in place instead of copying it.
        occupant = occupant.at[
            jnp.concatenate(
                [
                    jnp.where(despawns[k], victim_pos[k, :, 0], rules.AREA[0]),
                    jnp.where(created, pos[k, :, 0], rules.AREA[0]),
                ]
            ),
            jnp.concatenate([victim_pos[k, :, 1], pos[k, :, 1]]),
        ].set(
            jnp.concatenate(
                [jnp.full(NUM_CHUNKS, EMPTY, jnp.int16), slot.astype(jnp.int16)]
            ),
            mode="drop",
        )
        overflow = overflow + (spawns & ~created).sum().astype(jnp.int32)
    return dataclasses.replace(
        state,
        objects=objects,
        occupant=occupant,
        overflow=overflow,
        next_order=state.next_order + NUM_CHUNKS * num_classes,
    )
