"""Walking on the Crafter-OO map: distance fields and the next step toward a target.

:func:`step_toward` chooses the player's next move toward the nearest cell of a
target mask by breadth-first distances computed in a window of
``(2 WINDOW_RADIUS + 1)^2`` cells around the player. Cells outside the window are
summarised by their L1 distance to the nearest target on the whole map
(:func:`l1_distance_transform`), which is exact in open terrain and a lower bound
behind obstacles. The player walks only on grass, sand and path (never lava) and
through cells no object occupies. Everything is ``jax.numpy`` with static shapes,
cheap enough to run inside thousands of imagined rollouts.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.state import CrafterState, occupancy

WINDOW_RADIUS = 10  # cells; the window is 21 x 21 around the player
FAR = 10_000  # distance of unreachable cells
SAFE_WALKABLE = (rules.GRASS, rules.SAND, rules.PATH)  # lava is never entered
MOVES = jnp.asarray(rules.DIRECTIONS, jnp.int32)  # move action k+1 steps MOVES[k]


def _cumulative_min(values: jax.Array, axis: int, reverse: bool) -> jax.Array:
    return jax.lax.cummin(values, axis=axis, reverse=reverse)


def l1_distance_transform(mask: jax.Array) -> jax.Array:
    """L1 distance from every cell to the nearest True cell of ``mask``.

    ``mask``: bool ``(W, H)``. Returns int32 ``(W, H)``; cells of a map without any
    True cell get at least :data:`FAR`. Separable exact transform: along x then
    along y, each as ``min_j f(j) + |i - j|`` by two running minima.
    """
    values = jnp.where(mask, 0, FAR).astype(jnp.int32)
    for axis in (0, 1):
        size = values.shape[axis]
        shape = [1, 1]
        shape[axis] = size
        index = jnp.arange(size, dtype=jnp.int32).reshape(shape)
        forward = index + _cumulative_min(values - index, axis, reverse=False)
        backward = -index + _cumulative_min(values + index, axis, reverse=True)
        values = jnp.minimum(forward, backward)
    return values


def object_mask(state: CrafterState, kind: jax.Array) -> jax.Array:
    """bool ``(64, 64)``: cells holding a living object of ``kind`` (int)."""
    objects = state.objects
    alive = objects.alive & (objects.kind.astype(jnp.int32) == kind)
    xs = jnp.where(alive, objects.pos[:, 0], rules.AREA[0])  # dead: dropped
    grid = jnp.zeros(rules.AREA, bool)
    return grid.at[xs, objects.pos[:, 1]].set(True, mode="drop")


def walkable(state: CrafterState) -> jax.Array:
    """bool ``(64, 64)``: cells the player may safely step into now."""
    free = occupancy(state.player.pos, state.objects) == -1
    material = state.material.astype(jnp.int32)
    safe = jnp.zeros(rules.AREA, bool)
    for value in SAFE_WALKABLE:
        safe = safe | (material == value)
    return safe & free


class Step(NamedTuple):
    """The next step toward a target.

    - ``direction``: int32 in 0..3 (``rules.DIRECTIONS``), the best neighbour.
    - ``adjacent``: bool, that neighbour is a target cell (face it and act).
    - ``facing``: bool, the player already faces that target cell.
    - ``reachable``: bool, some target is reachable (distance < FAR).
    - ``distance``: int32, estimated steps to stand next to the nearest target.
    """

    direction: jax.Array
    adjacent: jax.Array
    facing: jax.Array
    reachable: jax.Array
    distance: jax.Array


def step_toward(state: CrafterState, target: jax.Array) -> Step:
    """The next step toward the nearest cell of ``target`` (bool ``(64, 64)``)."""
    radius = WINDOW_RADIUS
    size = 2 * radius + 1
    heuristic = l1_distance_transform(target)
    passable = walkable(state)

    pad = ((radius, radius), (radius, radius))
    corner = state.player.pos  # window origin in padded coordinates
    window = lambda grid, fill: jax.lax.dynamic_slice(  # noqa: E731
        jnp.pad(grid, pad, constant_values=fill), (corner[0], corner[1]), (size, size)
    )
    target_w = window(target, False)
    passable_w = window(passable, False)
    heuristic_w = window(heuristic, FAR)

    ring = jnp.ones((size, size), bool).at[1:-1, 1:-1].set(False)
    distance = jnp.where(target_w, 0, FAR)
    distance = jnp.where(
        ring & passable_w, jnp.minimum(distance, heuristic_w), distance
    )
    centre = jnp.zeros((size, size), bool).at[radius, radius].set(True)
    relax = passable_w | centre

    def sweep(_, d):
        padded = jnp.pad(d, 1, constant_values=FAR)
        neighbours = jnp.minimum(
            jnp.minimum(padded[:-2, 1:-1], padded[2:, 1:-1]),
            jnp.minimum(padded[1:-1, :-2], padded[1:-1, 2:]),
        )
        return jnp.where(relax & ~target_w, jnp.minimum(d, neighbours + 1), d)

    distance = jax.lax.fori_loop(0, 2 * radius, sweep, distance)
    around = MOVES + radius
    values = distance[around[:, 0], around[:, 1]]
    # A neighbour is a way forward only if it is a target or can be walked into.
    usable = (
        target_w[around[:, 0], around[:, 1]] | passable_w[around[:, 0], around[:, 1]]
    )
    values = jnp.where(usable, values, FAR)
    direction = jnp.argmin(values).astype(jnp.int32)
    best = values[direction]
    adjacent = target_w[around[direction, 0], around[direction, 1]]
    return Step(
        direction=direction,
        adjacent=adjacent,
        facing=adjacent & (state.player.facing == direction),
        reachable=best < FAR,
        distance=jnp.minimum(best, FAR),
    )
