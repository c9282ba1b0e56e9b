"""Crafter-OO goals as tasks over the object-oriented state.

Every goal is one :class:`CrafterTask` (one class, so one compiled planner serves
them all) with a shaped potential

``potential(s) = 10 [goal reached] + sum_i w_i min(inventory_i, cap_i)
+ sum_a v_a [achievement a reached] - d [resource still needed] min(D(s), 20) / 20
- 10 [health <= 0]``

where ``D(s)`` is the L1 distance from the player to the nearest cell holding the
goal's target material or object. "Reached" means the achievement counter exceeds
its value in ``baseline`` (zeros for a fresh world). The reward of a transition is
the potential's change (:class:`~symworld.planning.task.PotentialTask`).

:data:`GOALS` lists the eight goals; :func:`crafter_task` builds one.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.state import CrafterState
from symworld.planning.crafter.navigation import FAR, object_mask
from symworld.planning.task import PotentialTask

A = rules.ACHIEVEMENT_IDS
I = rules.ITEM_IDS  # noqa: E741
GOAL_BONUS = 10.0
DEATH_PENALTY = 10.0
DISTANCE_CAP = 20  # cells

# goal -> (inventory weights {item: (weight, cap)}, achievement weights, distance
#          target (material id or -object kind), needed resource (item, cap))
GOALS: dict[str, dict] = {
    "collect_wood": {
        "inventory": {},
        "achievements": {},
        "target": rules.TREE,
        "resource": ("wood", 1),
    },
    "collect_drink": {
        "inventory": {},
        "achievements": {},
        "target": rules.WATER,
        "resource": ("drink", 10),
    },
    "place_table": {
        "inventory": {"wood": (1.0, 2)},
        "achievements": {},
        "target": rules.TREE,
        "resource": ("wood", 2),
    },
    "make_wood_pickaxe": {
        "inventory": {"wood": (1.0, 3)},
        "achievements": {"place_table": 3.0},
        "target": rules.TREE,
        "resource": ("wood", 3),
    },
    "collect_stone": {
        "inventory": {"wood": (1.0, 3)},
        "achievements": {"place_table": 3.0, "make_wood_pickaxe": 5.0},
        "target": rules.STONE,
        "resource": ("stone", 1),
    },
    "make_stone_pickaxe": {
        "inventory": {"wood": (1.0, 4), "stone": (1.0, 1)},
        "achievements": {
            "place_table": 3.0,
            "make_wood_pickaxe": 5.0,
            "collect_stone": 5.0,
        },
        "target": rules.STONE,
        "resource": ("stone", 1),
    },
    "eat_cow": {
        "inventory": {},
        "achievements": {},
        "target": -rules.COW,
        "resource": ("food", 10),
    },
    "defeat_zombie": {
        "inventory": {},
        "achievements": {},
        "target": -rules.ZOMBIE,
        "resource": ("health", 10),
    },
}


class CrafterTask(PotentialTask):
    """A Crafter-OO goal (see the module docstring for the potential).

    **Fields** (arrays, so every goal shares one compiled planner): ``goal`` int32
    (achievement index), ``baseline`` int32 ``(22,)``, ``inventory_weights``
    float32 ``(16,)``, ``inventory_caps`` int32 ``(16,)``, ``achievement_weights``
    float32 ``(22,)``, ``target_material`` int32 (0 for none), ``target_kind``
    int32 (0 for none), ``resource`` int32 (item index), ``resource_cap`` int32,
    ``distance_weight`` float32. No field is static: tasks of every goal share one
    compiled planner.
    """

    goal: jax.Array
    baseline: jax.Array
    inventory_weights: jax.Array
    inventory_caps: jax.Array
    achievement_weights: jax.Array
    target_material: jax.Array
    target_kind: jax.Array
    resource: jax.Array
    resource_cap: jax.Array
    distance_weight: jax.Array

    @property
    def name(self) -> str:
        """The goal's name (needs a concrete, untraced ``goal``)."""
        return rules.ACHIEVEMENTS[int(self.goal)]

    def reached(self, state: CrafterState) -> jax.Array:
        """bool ``(22,)``: achievements above their baseline."""
        return state.player.achievements > self.baseline

    def success(self, state: CrafterState) -> jax.Array:
        return self.reached(state)[self.goal]

    def target_mask(self, state: CrafterState) -> jax.Array:
        """bool ``(64, 64)``: cells of the goal's target material or object."""
        material = state.material.astype(jnp.int32) == self.target_material
        material = material & (self.target_material > 0)
        objects = object_mask(state, self.target_kind) & (self.target_kind > 0)
        return material | objects

    def distance(self, state: CrafterState) -> jax.Array:
        """int32: L1 distance from the player to the nearest target cell (capped).

        The value at the player of the distance field of :meth:`target_mask`
        (:func:`~symworld.planning.crafter.navigation.l1_distance_transform`,
        capped at :data:`DISTANCE_CAP`), computed without the field: material
        cells only in the window of cells within the cap, and objects from their
        positions, each part skipped when the goal has no such target.
        """
        width, height = rules.AREA
        # The cell ``field[x, y]`` reads: negative indices wrap, others clamp.
        x, y = (
            jnp.clip(jnp.where(p < 0, p + size, p), 0, size - 1)
            for p, size in zip(state.player.pos[:2], rules.AREA, strict=True)
        )

        def material_distance():
            # Every cell within the cap lies in this window (clamped into the map).
            side = 2 * DISTANCE_CAP + 1
            corner_x = jnp.clip(x - DISTANCE_CAP, 0, width - side)
            corner_y = jnp.clip(y - DISTANCE_CAP, 0, height - side)
            window = jax.lax.dynamic_slice(
                state.material, (corner_x, corner_y), (side, side)
            )
            offsets = jnp.arange(side, dtype=jnp.int32)
            across = jnp.abs(corner_x + offsets - x)
            along = jnp.abs(corner_y + offsets - y)
            cells = across[:, None] + along[None, :]
            target = window.astype(jnp.int32) == self.target_material
            return jnp.min(jnp.where(target, cells, FAR))

        def object_distance():
            # The cells object_mask marks: dead objects and indices off the map
            # are dropped, negative ones wrap (``.at[].set(mode="drop")``).
            objects = state.objects
            alive = objects.alive & (objects.kind.astype(jnp.int32) == self.target_kind)
            xs, ys = objects.pos[:, 0], objects.pos[:, 1]
            on_map = (xs >= -width) & (xs < width) & (ys >= -height) & (ys < height)
            xs = jnp.where(xs < 0, xs + width, xs)
            ys = jnp.where(ys < 0, ys + height, ys)
            cells = jnp.abs(xs - x) + jnp.abs(ys - y)
            return jnp.min(jnp.where(alive & on_map, cells, FAR))

        def absent():
            return jnp.int32(FAR)

        nearest = jnp.minimum(
            jax.lax.cond(self.target_material > 0, material_distance, absent),
            jax.lax.cond(self.target_kind > 0, object_distance, absent),
        )
        return jnp.minimum(nearest, DISTANCE_CAP)

    def potential(self, state: CrafterState) -> jax.Array:
        inventory = state.player.inventory
        reached = self.reached(state)
        value = GOAL_BONUS * reached[self.goal].astype(jnp.float32)
        value += jnp.sum(
            self.inventory_weights * jnp.minimum(inventory, self.inventory_caps)
        )
        value += jnp.sum(self.achievement_weights * reached)
        needed = inventory[self.resource] < self.resource_cap
        value -= (
            self.distance_weight
            * needed
            * self.distance(state).astype(jnp.float32)
            / DISTANCE_CAP
        )
        value -= DEATH_PENALTY * (inventory[rules.HEALTH] <= 0)
        return value.astype(jnp.float32)


def crafter_task(
    goal: str,
    baseline: np.ndarray | None = None,
    *,
    distance_weight: float = 1.0,
) -> CrafterTask:
    """The :class:`CrafterTask` of ``goal`` (one of :data:`GOALS`).

    ``baseline``: int ``(22,)`` achievement counts that do not count as reached
    (``None``: zeros, a fresh world).
    """
    if goal not in GOALS:
        raise ValueError(f"unknown Crafter goal {goal!r}; goals are {list(GOALS)}")
    spec = GOALS[goal]
    weights = np.zeros(rules.NUM_ITEMS, np.float32)
    caps = np.zeros(rules.NUM_ITEMS, np.int32)
    for item, (weight, cap) in spec["inventory"].items():
        weights[I[item]], caps[I[item]] = weight, cap
    achievements = np.zeros(rules.NUM_ACHIEVEMENTS, np.float32)
    for name, weight in spec["achievements"].items():
        achievements[A[name]] = weight
    target = spec["target"]
    resource, cap = spec["resource"]
    if baseline is None:
        baseline = np.zeros(rules.NUM_ACHIEVEMENTS, np.int32)
    return CrafterTask(
        goal=jnp.int32(A[goal]),
        baseline=jnp.asarray(np.asarray(baseline, np.int32)),
        inventory_weights=jnp.asarray(weights),
        inventory_caps=jnp.asarray(caps),
        achievement_weights=jnp.asarray(achievements),
        target_material=jnp.int32(max(target, 0)),
        target_kind=jnp.int32(max(-target, 0)),
        resource=jnp.int32(I[resource]),
        resource_cap=jnp.int32(cap),
        distance_weight=jnp.float32(distance_weight),
    )
