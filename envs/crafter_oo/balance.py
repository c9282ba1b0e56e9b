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


def _chunk_cells(values: jax.Array) -> jax.Array:
    """``[64, 64]`` map -> ``[36, 144]`` cells per chunk (padding holds -1)."""
    padded = jnp.full(PADDED, -1, jnp.int32)
    padded = padded.at[: rules.AREA[0], : rules.AREA[1]].set(values.astype(jnp.int32))
    return padded.reshape(CX, SX, CY, SY).transpose(0, 2, 1, 3).reshape(NUM_CHUNKS, -1)


_CELL_X = np.arange(PADDED[0]).reshape(CX, SX)[:, None, :, None]
_CELL_Y = np.arange(PADDED[1]).reshape(CY, SY)[None, :, None, :]
CELL_POS = (
    np.stack(np.broadcast_arrays(_CELL_X, _CELL_Y), -1)
    .reshape(NUM_CHUNKS, SX * SY, 2)
    .astype(np.int32)
)


def _balance_class(
    state: CrafterState, kind: int, key: jax.Array, rank_offset: int
) -> CrafterState:
    spawn_material, spawn_distance, despawn_distance, p_spawn, p_despawn = (
        rules.BALANCE[kind]
    )
    objects = state.objects
    player_pos = state.player.pos
    index = daylight_index(state.step)

    # Count creatures of the class and spawn-material cells per chunk.
    cx, cy = grid.chunk_of(objects.pos)
    member = objects.alive & (objects.kind == kind)
    chunk = jnp.where(member, cx * CY + cy, NUM_CHUNKS)
    count = jnp.zeros(NUM_CHUNKS + 1, jnp.int32).at[chunk].add(1)[:NUM_CHUNKS]
    cells = _chunk_cells(state.material) == spawn_material  # [36, 144]
    space = cells.sum(-1)

    if kind == rules.ZOMBIE:
        high = ZOMBIE_LIMIT[index]
        low = jnp.where(space < rules.ZOMBIE_MIN_SPACE, 0, high)
    elif kind == rules.SKELETON:
        high = jnp.int32(2)
        low = jnp.where(space < rules.SKELETON_MIN_SPACE, 0, 1)
    else:
        high = COW_LIMIT[index]
        low = jnp.where(space < rules.COW_MIN_SPACE, 0, 1)

    spawn_key, despawn_key, cell_key, victim_key = jax.random.split(key, 4)
    seen = state.chunk_seen.reshape(-1)
    wants_spawn = (
        seen & (count < low) & (jax.random.uniform(spawn_key, (NUM_CHUNKS,)) < p_spawn)
    )
    wants_despawn = (
        seen
        & ~wants_spawn
        & (count > high)
        & (jax.random.uniform(despawn_key, (NUM_CHUNKS,)) < p_despawn)
    )

    # Spawn: the k-th cell of the material, k uniform in [0, S).
    pick = jnp.floor(jax.random.uniform(cell_key, (NUM_CHUNKS,)) * space).astype(
        jnp.int32
    )
    cumulative = jnp.cumsum(cells, -1)
    cell = jnp.argmax(cells & (cumulative > pick[:, None]), -1)
    pos = jnp.asarray(CELL_POS)[jnp.arange(NUM_CHUNKS), cell]  # [36, 2]
    empty = grid.occupant_at(state.occupant, pos) == EMPTY
    far = grid.distance(pos, player_pos) >= spawn_distance
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
    victim_far = grid.distance(objects.pos[victim_slot], player_pos) >= despawn_distance
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
    (free,) = jnp.nonzero(~alive, size=NUM_CHUNKS, fill_value=objects.capacity)
    rank = jnp.cumsum(spawns) - 1
    slot = jnp.where(spawns, free[jnp.clip(rank, 0, NUM_CHUNKS - 1)], objects.capacity)
    created = spawns & (slot < objects.capacity)
    slot = jnp.where(created, slot, objects.capacity)
    order = state.next_order + jnp.arange(NUM_CHUNKS, dtype=jnp.int32) * 3 + rank_offset

    def put(array, values):
        return array.at[slot].set(values.astype(array.dtype), mode="drop")

    objects = dataclasses.replace(
        objects,
        alive=put(alive, jnp.ones(NUM_CHUNKS, bool)),
        kind=put(objects.kind, jnp.full(NUM_CHUNKS, kind)),
        pos=put(objects.pos, pos),
        health=put(objects.health, jnp.full(NUM_CHUNKS, rules.INITIAL_HEALTH[kind])),
        cooldown=put(objects.cooldown, jnp.zeros(NUM_CHUNKS)),
        reload=put(objects.reload, jnp.zeros(NUM_CHUNKS)),
        grown=put(objects.grown, jnp.zeros(NUM_CHUNKS)),
        facing=put(objects.facing, jnp.zeros(NUM_CHUNKS)),
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
    keys = jax.random.split(key, len(rules.BALANCE_ORDER))
    for rank_offset, (kind, class_key) in enumerate(
        zip(rules.BALANCE_ORDER, keys, strict=True)
    ):
        state = _balance_class(state, kind, class_key, rank_offset)
    return dataclasses.replace(
        state, next_order=state.next_order + NUM_CHUNKS * len(rules.BALANCE_ORDER)
    )
