"""Options for Crafter-OO: walk, face and act; chase and attack; place; make.

:class:`CrafterOptions` is an :class:`~symworld.planning.options.OptionLibrary`
whose options are rows of a small parameter table, so that acting costs one
navigation per step whatever the number of options (no ``lax.switch`` over
policies). Option kinds:

- ``collect``: walk to the nearest cell of a material (tree, water, stone, coal,
  iron), face it and ``do`` until the matching achievement counter rises;
- ``attack``: chase the nearest living object of a kind (cow, zombie, skeleton),
  face it and ``do`` until the matching achievement counter rises;
- ``place``: turn to a free cell where the item may stand and place it;
- ``make``: walk to the nearest table (and furnace) and make the item;
- ``wait``: ``noop`` for ``max_steps`` steps.

Every option also stops after :attr:`CrafterOptions.max_steps` steps. When no target
is reachable in the navigation window, walking options take a random move.
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.state import CrafterState
from symworld.planning.crafter.navigation import (
    MOVES,
    object_mask,
    step_toward,
)
from symworld.planning.options import OptionLibrary

A = rules.ACHIEVEMENT_IDS
COLLECT, ATTACK, PLACE, MAKE, WAIT = range(5)


class OptionSpec(NamedTuple):
    """One option: its ``kind`` (COLLECT..WAIT), target ``material`` or object
    ``object_kind`` (0 for none), the primitive ``action`` it uses (``do``, a
    place or a make action) and the ``achievement`` whose rise ends it (-1: none)."""

    kind: int
    material: int
    object_kind: int
    action: int
    achievement: int


# name -> spec; the default library, in this order.
OPTIONS: dict[str, OptionSpec] = {
    "collect_wood": OptionSpec(COLLECT, rules.TREE, 0, rules.DO, A["collect_wood"]),
    "collect_drink": OptionSpec(COLLECT, rules.WATER, 0, rules.DO, A["collect_drink"]),
    "collect_stone": OptionSpec(COLLECT, rules.STONE, 0, rules.DO, A["collect_stone"]),
    "collect_coal": OptionSpec(COLLECT, rules.COAL, 0, rules.DO, A["collect_coal"]),
    "eat_cow": OptionSpec(ATTACK, 0, rules.COW, rules.DO, A["eat_cow"]),
    "attack_zombie": OptionSpec(ATTACK, 0, rules.ZOMBIE, rules.DO, A["defeat_zombie"]),
    "place_table": OptionSpec(PLACE, 0, 0, rules.PLACE_TABLE, A["place_table"]),
    "place_stone": OptionSpec(PLACE, 0, 0, rules.PLACE_STONE, A["place_stone"]),
    "make_wood_pickaxe": OptionSpec(
        MAKE, rules.TABLE, 0, rules.MAKE_WOOD_PICKAXE, A["make_wood_pickaxe"]
    ),
    "make_wood_sword": OptionSpec(
        MAKE, rules.TABLE, 0, rules.MAKE_WOOD_SWORD, A["make_wood_sword"]
    ),
    "make_stone_pickaxe": OptionSpec(
        MAKE, rules.TABLE, 0, rules.MAKE_STONE_PICKAXE, A["make_stone_pickaxe"]
    ),
    "make_stone_sword": OptionSpec(
        MAKE, rules.TABLE, 0, rules.MAKE_STONE_SWORD, A["make_stone_sword"]
    ),
    "wait": OptionSpec(WAIT, 0, 0, rules.NOOP, -1),
}

# Materials a placed item may stand on, per place action (from the game's rules).
PLACE_WHERE = np.zeros((rules.NUM_ACTIONS, rules.NUM_MATERIALS), bool)
for _action, (_cost, _where, _material, _name) in rules.PLACE.items():
    PLACE_WHERE[_action, list(_where)] = True


class CrafterOptions(OptionLibrary):
    """A library of Crafter-OO options (see the module docstring).

    **Arguments:**

    - ``names``: option names from :data:`OPTIONS` (default: all, in order).
    - ``max_steps``: the most steps one option runs (default 40).
    """

    option_names: tuple[str, ...] = eqx.field(static=True)
    steps_limit: int = eqx.field(static=True)
    kind: jax.Array
    material: jax.Array
    object_kind: jax.Array
    action: jax.Array
    achievement: jax.Array
    place_where: jax.Array

    def __init__(self, names: tuple[str, ...] | None = None, max_steps: int = 40):
        names = tuple(OPTIONS) if names is None else tuple(names)
        unknown = [name for name in names if name not in OPTIONS]
        if unknown:
            raise ValueError(f"unknown option(s) {unknown}; known: {list(OPTIONS)}")
        specs = [OPTIONS[name] for name in names]
        self.option_names = names
        self.steps_limit = int(max_steps)
        column = lambda field: jnp.asarray(  # noqa: E731
            [getattr(spec, field) for spec in specs], jnp.int32
        )
        self.kind = column("kind")
        self.material = column("material")
        self.object_kind = column("object_kind")
        self.action = column("action")
        self.achievement = column("achievement")
        self.place_where = jnp.asarray(PLACE_WHERE)

    @property
    def names(self) -> tuple[str, ...]:
        return self.option_names

    @property
    def max_steps(self) -> int:
        return self.steps_limit

    @property
    def idle_action(self) -> int:
        return rules.NOOP

    def act(self, index, state: CrafterState, start: CrafterState, key) -> jax.Array:
        kind = self.kind[index]
        action = self.action[index]
        material = state.material.astype(jnp.int32)
        target = (material == self.material[index]) & (self.material[index] > 0)
        target = target | (
            object_mask(state, self.object_kind[index]) & (self.object_kind[index] > 0)
        )
        step = step_toward(state, target)
        move = rules.MOVE_LEFT + step.direction
        random_move = rules.MOVE_LEFT + jax.random.randint(key, (), 0, 4)
        walk = jnp.where(step.reachable, move, random_move)

        # collect / attack: walk up to the target, face it, then act on it.
        reach_and_do = jnp.where(step.facing, action, walk)

        # make: next to the table (its 3x3 square) make the item, else walk there.
        pos = state.player.pos
        x0, y0 = jnp.maximum(pos - 1, 0)
        square = jax.lax.dynamic_slice(
            jnp.pad(material, ((0, 2), (0, 2))), (x0, y0), (3, 3)
        )
        near_table = jnp.any(square == rules.TABLE) & jnp.all(pos >= 1)
        make = jnp.where(near_table, action, walk)

        # place: if the faced cell can hold the item, place it; else turn to a
        # neighbour that can (or take a random move).
        cells = pos + MOVES
        inside = jnp.all((cells >= 0) & (cells < jnp.asarray(rules.AREA)), axis=1)
        cells = jnp.clip(cells, 0, jnp.asarray(rules.AREA) - 1)
        allowed = self.place_where[action][material[cells[:, 0], cells[:, 1]]]
        occupied = object_mask(state, rules.COW)  # any object blocks placing
        for other in (rules.ZOMBIE, rules.SKELETON, rules.ARROW, rules.PLANT):
            occupied = occupied | object_mask(state, other)
        empty = ~occupied[cells[:, 0], cells[:, 1]]
        ok = inside & allowed & empty
        facing_ok = ok[state.player.facing]
        turn = rules.MOVE_LEFT + jnp.argmax(ok).astype(jnp.int32)
        place = jnp.where(facing_ok, action, jnp.where(jnp.any(ok), turn, random_move))

        chosen = jnp.select(
            [kind == COLLECT, kind == ATTACK, kind == PLACE, kind == MAKE],
            [reach_and_do, reach_and_do, place, make],
            jnp.int32(rules.NOOP),
        )
        return chosen.astype(jnp.int32)

    def done(self, index, state: CrafterState, start: CrafterState) -> jax.Array:
        achievement = self.achievement[index]
        slot = jnp.maximum(achievement, 0)
        rose = (state.player.achievements[slot] > start.player.achievements[slot]) & (
            achievement >= 0
        )
        dead = state.player.inventory[rules.HEALTH] <= 0
        return rose | dead
