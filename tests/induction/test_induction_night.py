"""The explorer's hinted night (``ExplorationHints.dark``) and how it learns what
a dig needs, on a toy state of its own (not Crafter's names or codes): a light
level that falls and rises, a small map, and two items (sticks and a pick)."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from toy_grid import toy_explorer

from symworld.induction import ExplorationHints
from symworld.induction.exploration import _GridExplorer
from symworld.programs import Schema

GRASS, ROCK, RUBBLE = 1, 2, 3
USE = 4


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class LitState:
    where: jax.Array  # int32[2]
    heading: jax.Array  # int32
    land: jax.Array  # int32[6, 6]
    stock: jax.Array  # int32[2]: (sticks, pick)
    light: jax.Array  # int32, 0..200


def _schema() -> Schema:
    state = LitState(
        jnp.array([2, 2], jnp.int32),
        jnp.int32(0),
        jnp.full((6, 6), GRASS, jnp.int32),
        jnp.zeros(2, jnp.int32),
        jnp.int32(200),
    )
    return Schema.from_state(
        "toy/LitWorld-v0",
        state,
        {
            "where": (0, 5),
            "heading": (0, 3),
            "land": (0, 3),
            "stock": (0, 9),
            "light": (0, 200),
        },
        roles={
            "where": "player.position",
            "heading": "player.facing",
            "land": "map",
            "stock": "inventory",
        },
    )


def _explorer(hints: ExplorationHints) -> tuple[_GridExplorer, Schema]:
    schema = _schema()
    return toy_explorer(schema, 6, hints), schema


def _encoded(schema: Schema, light: int, stock=(0, 0), rock=True) -> np.ndarray:
    land = jnp.full((6, 6), GRASS, jnp.int32).at[3, 2].set(ROCK if rock else RUBBLE)
    state = LitState(
        jnp.array([2, 2], jnp.int32),
        jnp.int32(1),  # facing +x: the cell (3, 2)
        land,
        jnp.asarray(stock, jnp.int32),
        jnp.int32(light),
    )
    return np.asarray(schema.encode(state))


def test_induction_night_is_dark_below_the_level_and_evening_while_falling():
    explorer, schema = _explorer(ExplorationHints(dark=("light", 0.5)))
    # the light as a fraction of 0..200: 1.0, 0.9, 0.7, 0.55, 0.45, 0.3, 0.6, 0.75
    seen = [
        explorer.night(_encoded(schema, light))
        for light in (200, 180, 140, 110, 90, 60, 120, 150)
    ]
    assert seen == [
        (False, False),  # no trend yet
        (False, False),  # falling, but above 0.5 + 0.3
        (False, True),  # falling below 0.8: prepare for the night
        (False, True),
        (True, False),  # dark
        (True, False),
        (False, False),  # rising again: morning, not evening
        (False, False),
    ]


def test_induction_night_without_the_hint_is_never_dark():
    explorer, schema = _explorer(ExplorationHints())
    assert explorer.night(_encoded(schema, 0)) == (False, False)


def test_induction_night_hint_naming_no_attribute_is_refused():
    with pytest.raises(ValueError, match="'daylight'"):
        _explorer(ExplorationHints(dark=("daylight", 0.5)))


def _try_use(explorer: _GridExplorer, schema: Schema, stock, digs: bool) -> None:
    """The explorer learns from one use of USE on the rock at (3, 2) holding
    ``stock``, which dug it (``digs``) or left it."""
    explorer.walkable = {GRASS, RUBBLE}
    explorer.target_cell = (3, 2)
    before = _encoded(schema, 200, stock)
    after = _encoded(schema, 200, stock, rock=not digs)
    explorer._learn_cells(before, USE, after, ("c", ROCK), False)


def test_induction_dig_needs_are_told_apart_by_a_failed_try():
    explorer, schema = _explorer(ExplorationHints())
    sticks, pick = explorer.items()
    # a try with sticks only leaves the rock; a try with sticks and a pick digs it
    _try_use(explorer, schema, (2, 0), digs=False)
    _try_use(explorer, schema, (2, 1), digs=True)
    assert explorer.digs[(USE, ROCK)] == (RUBBLE, {sticks, pick})
    # sticks were held at every dig, but the failed try shows the pick is what counts
    assert explorer._digs_of(ROCK, _encoded(schema, 200, (0, 1))) == [USE]
    assert explorer._digs_of(ROCK, _encoded(schema, 200, (3, 0))) == []
    # a move that once failed into rubble (a creature stepped there first) does
    # not void the dig: the player has stood on rubble
    explorer.blocked[RUBBLE] += 1
    assert explorer._digs_of(ROCK, _encoded(schema, 200, (0, 1))) == [USE]


def test_induction_dig_needs_without_a_failed_try_are_all_items_held():
    explorer, schema = _explorer(ExplorationHints())
    _try_use(explorer, schema, (2, 1), digs=True)
    assert explorer._digs_of(ROCK, _encoded(schema, 200, (0, 1))) == []
    assert explorer._digs_of(ROCK, _encoded(schema, 200, (0, 1)), strict=False) == [USE]
