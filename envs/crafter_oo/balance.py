"""Chunk balancing: spawn and despawn creatures per 12 x 12 chunk every 10 steps.

For each chunk that ever held an object, and for zombies, then skeletons, then cows:
with ``n`` creatures of the class in the chunk, ``S`` cells of its spawn material and
daylight ``L`` (targets in :mod:`rules`), spawn one on a uniformly random cell of
the material with the class's probability if ``n < int(min)``, or else despawn a
uniformly random one with the class's probability if ``n > int(max)``; a spawn on an
occupied or too-close cell and a despawn of a too-close creature do nothing.

Chunks are disjoint, so each class is handled for all 36 chunks at once; classes are
processed one after the other, so a cow never spawns on a zombie spawned in the same
balance. New creatures get creation stamps in the order chunk (x-major), then class.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import grid, rules
from symworld.envs.crafter_oo.state import EMPTY, CrafterState

CX, CY = rules.NUM_CHUNKS
SX, SY = rules.CHUNK_SIZE
NUM_CHUNKS = CX * CY
PADDED = (CX * SX, CY * SY)  # 72 x 72


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
_HEALTH = np.array([rules.INITIAL_HEALTH[k] for k in rules.BALANCE_ORDER], np.int32)
# int(max target) per class and step: zombie int(3.5 - 3L), skeleton 2, cow int(1.5 + L)
_HIGH = jnp.stack([ZOMBIE_LIMIT, jnp.full_like(ZOMBIE_LIMIT, 2), COW_LIMIT])


def spawn_rows(material: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Per chunk, how many cells of each class's spawn material each row holds.

    **Returns:** ``(padded uint8[72, 72], rows int32[3, 36, 12])``: the material
    map padded with 0 to whole chunks, and for each class (``BALANCE_ORDER``),
    chunk (x-major) and row (x within the chunk) the number of spawn-material
    cells of that row.
    """
    padded = jnp.zeros(PADDED, jnp.uint8)
    padded = padded.at[: rules.AREA[0], : rules.AREA[1]].set(material)
    rows = {}
    for value in sorted(set(_SPAWN_MATERIAL.tolist())):
        cells = (padded == value).reshape(CX, SX, CY, SY)
        rows[value] = (
            cells.sum(-1, dtype=jnp.int32).transpose(0, 2, 1).reshape(NUM_CHUNKS, SX)
        )
    return padded, jnp.stack([rows[value] for value in _SPAWN_MATERIAL.tolist()])


def _kth_cell(
    padded: jax.Array, row_count: jax.Array, value: jax.Array, pick: jax.Array
) -> jax.Array:
    """Position ``int32[36, 2]`` of the ``pick``-th (from 0) cell of material
    ``value`` in each chunk, counting x-major within the chunk.

    ``row_count``: int32[36, 12] (:func:`spawn_rows`); ``pick``: int32[36]. The row
    is found from the row counts, then the cell within that one row, so no
    per-cell work is done over whole chunks. A chunk with at most ``pick`` such
    cells gives its first cell (the caller does not spawn there).
    """
    row_end = grid.prefix_sum(row_count)  # [36, 12]
    row = jnp.argmax(row_end > pick[:, None], -1)
    chosen = jnp.arange(SX) == row[:, None]
    before = jnp.where(chosen, row_end - row_count, 0).sum(-1)
    chunk = jnp.arange(NUM_CHUNKS)
    x = (chunk // CY) * SX + row  # [36]
    ys = (chunk % CY)[:, None] * SY + jnp.arange(SY)  # [36, 12]
    in_row = padded[x[:, None], ys] == value
    later = grid.prefix_sum(in_row) > (pick - before)[:, None]
    y = ys[:, 0] + jnp.argmax(in_row & later, -1)
    return jnp.stack([x, y], -1).astype(jnp.int32)


def _lowest_free_slots(alive: jax.Array, count: int) -> jax.Array:
    """The ``count`` lowest free slots in increasing order, ``capacity`` past the
    last one (one single-key sort; ``jnp.nonzero`` needs a long cumulative sum)."""
    capacity = alive.shape[0]
    slots = jnp.arange(capacity, dtype=jnp.int32)
    ordered = jnp.sort(jnp.where(alive, capacity, slots))
    return jnp.concatenate([ordered, jnp.full(count, capacity, jnp.int32)])[:count]


def _balance_class(
    state: CrafterState,
    klass: jax.Array,
    key: jax.Array,
    padded: jax.Array,
    row_count: jax.Array,
) -> CrafterState:
    """Balance one class (index into ``rules.BALANCE_ORDER``) in every chunk.

    ``padded`` and ``row_count`` (this class's rows) come from :func:`spawn_rows`
    (balancing never changes materials).
    """
    kind = jnp.asarray(_KINDS)[klass]
    objects = state.objects
    player_pos = state.player.pos

    # Count creatures of the class and spawn-material cells per chunk.
    cx, cy = grid.chunk_of(objects.pos)
    member = objects.alive & (objects.kind == kind)
    chunk = jnp.where(member, cx * CY + cy, NUM_CHUNKS)
    count = jnp.zeros(NUM_CHUNKS + 1, jnp.int32).at[chunk].add(1)[:NUM_CHUNKS]
    space = row_count.sum(-1)

    # Targets: int(min) and int(max) as the original truncates them.
    high = _HIGH[klass, daylight_index(state.step)]
    low_value = jnp.where(kind == rules.ZOMBIE, high, 1)
    low = jnp.where(space < jnp.asarray(_MIN_SPACE)[klass], 0, low_value)

    spawn_key, despawn_key, cell_key, victim_key = jax.random.split(key, 4)
    seen = state.chunk_seen.reshape(-1)
    wants_spawn = (
        seen
        & (count < low)
        & (
            jax.random.uniform(spawn_key, (NUM_CHUNKS,))
            < jnp.asarray(_SPAWN_PROBABILITY)[klass]
        )
    )
    wants_despawn = (
        seen
        & ~wants_spawn
        & (count > high)
        & (
            jax.random.uniform(despawn_key, (NUM_CHUNKS,))
            < jnp.asarray(_DESPAWN_PROBABILITY)[klass]
        )
    )

    # Spawn: the k-th cell of the material, k uniform in [0, S).
    pick = jax.random.uniform(cell_key, (NUM_CHUNKS,)) * space
    pick = jnp.floor(pick).astype(jnp.int32)
    pos = _kth_cell(padded, row_count, jnp.asarray(_SPAWN_MATERIAL)[klass], pick)
    empty = grid.occupant_at(state.occupant, pos) == EMPTY
    far = grid.distance(pos, player_pos) >= jnp.asarray(_SPAWN_DISTANCE)[klass]
    spawns = wants_spawn & (space > 0) & empty & far

    # Despawn: a uniformly random member of the class in the chunk.
    scores = jax.random.uniform(victim_key, (objects.capacity,))
    best = jnp.full(NUM_CHUNKS + 1, -1.0).at[chunk].max(jnp.where(member, scores, -1.0))
    victim_of = jnp.where(member & (scores == best[chunk]), chunk, NUM_CHUNKS)
    victim = (
        jnp.full(NUM_CHUNKS + 1, -1, jnp.int32)
        .at[victim_of]
        .set(jnp.arange(objects.capacity, dtype=jnp.int32))[:NUM_CHUNKS]
    )
    victim_slot = jnp.clip(victim, 0, objects.capacity - 1)
    victim_far = (
        grid.distance(objects.pos[victim_slot], player_pos)
        >= jnp.asarray(_DESPAWN_DISTANCE)[klass]
    )
    despawns = wants_despawn & (victim >= 0) & victim_far

    removed = (
        jnp.zeros(objects.capacity + 1, bool)
        .at[jnp.where(despawns, victim_slot, objects.capacity)]
        .set(True)[: objects.capacity]
    )
    gone = objects.pos[victim_slot]
    occupant = state.occupant.at[
        jnp.where(despawns, gone[:, 0], rules.AREA[0]), gone[:, 1]
    ].set(EMPTY, mode="drop")
    alive = objects.alive & ~removed

    # Spawned creatures take the lowest free slots, chunk by chunk.
    free = _lowest_free_slots(alive, NUM_CHUNKS)
    rank = grid.prefix_sum(spawns) - 1
    slot = jnp.where(spawns, free[jnp.clip(rank, 0, NUM_CHUNKS - 1)], objects.capacity)
    created = spawns & (slot < objects.capacity)
    slot = jnp.where(created, slot, objects.capacity)
    order = state.next_order + jnp.arange(NUM_CHUNKS, dtype=jnp.int32) * 3 + klass

    def put(array, values):
        return array.at[slot].set(values.astype(array.dtype), mode="drop")

    zeros = jnp.zeros(NUM_CHUNKS, jnp.int32)
    objects = dataclasses.replace(
        objects,
        alive=put(alive, jnp.ones(NUM_CHUNKS, bool)),
        kind=put(objects.kind, jnp.full(NUM_CHUNKS, kind)),
        pos=put(objects.pos, pos),
        health=put(objects.health, jnp.full(NUM_CHUNKS, jnp.asarray(_HEALTH)[klass])),
        cooldown=put(objects.cooldown, zeros),
        reload=put(objects.reload, zeros),
        grown=put(objects.grown, zeros),
        facing=put(objects.facing, zeros),
        order=put(objects.order, order),
    )
    occupant = occupant.at[jnp.where(created, pos[:, 0], rules.AREA[0]), pos[:, 1]].set(
        slot.astype(jnp.int16), mode="drop"
    )
    return dataclasses.replace(
        state,
        objects=objects,
        occupant=occupant,
        overflow=state.overflow + (spawns & ~created).sum().astype(jnp.int32),
    )


def balance(state: CrafterState, key: jax.Array) -> CrafterState:
    """One balancing pass over every seen chunk (zombies, skeletons, cows)."""
    classes = jnp.arange(len(rules.BALANCE_ORDER), dtype=jnp.int32)
    keys = jax.random.split(key, len(rules.BALANCE_ORDER))
    padded, rows = spawn_rows(state.material)

    def one(state, inputs):
        klass, class_key, row_count = inputs
        return _balance_class(state, klass, class_key, padded, row_count), None

    state, _ = jax.lax.scan(one, state, (classes, keys, rows))
    return dataclasses.replace(
        state, next_order=state.next_order + NUM_CHUNKS * len(rules.BALANCE_ORDER)
    )
