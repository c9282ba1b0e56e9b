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


def _balance_class(
    state: CrafterState, klass: jax.Array, key: jax.Array
) -> CrafterState:
    """Balance one class (index into ``rules.BALANCE_ORDER``) in every chunk."""
    kind = jnp.asarray(_KINDS)[klass]
    objects = state.objects
    player_pos = state.player.pos

    # Count creatures of the class and spawn-material cells per chunk.
    cx, cy = grid.chunk_of(objects.pos)
    member = objects.alive & (objects.kind == kind)
    chunk = jnp.where(member, cx * CY + cy, NUM_CHUNKS)
    count = jnp.zeros(NUM_CHUNKS + 1, jnp.int32).at[chunk].add(1)[:NUM_CHUNKS]
    cells = _chunk_cells(state.material) == jnp.asarray(_SPAWN_MATERIAL)[klass]
    space = cells.sum(-1)

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
    cumulative = jnp.cumsum(cells, -1)
    cell = jnp.argmax(cells & (cumulative > pick[:, None]), -1)
    pos = jnp.asarray(CELL_POS)[jnp.arange(NUM_CHUNKS), cell]  # [36, 2]
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
    (free,) = jnp.nonzero(~alive, size=NUM_CHUNKS, fill_value=objects.capacity)
    rank = jnp.cumsum(spawns) - 1
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

    def one(state, inputs):
        klass, class_key = inputs
        return _balance_class(state, klass, class_key), None

    state, _ = jax.lax.scan(one, state, (classes, keys))
    return dataclasses.replace(
        state, next_order=state.next_order + NUM_CHUNKS * len(rules.BALANCE_ORDER)
    )
