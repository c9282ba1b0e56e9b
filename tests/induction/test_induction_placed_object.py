"""A count spent on an object placed on the targeted cell (a seed planted as a
sprout) is no vital, on a toy garden of its own (not Crafter's names or codes):
a 6x6 plot, a stock of water and seeds, and two object rows."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
from toy_grid import toy_explorer

from symworld.induction.exploration import _GridExplorer
from symworld.programs import Schema

SOIL = 1
PLANT = 4  # actions 0-3 move
SPROUT = 1  # object kind
STEPS = ((1, 0), (-1, 0), (0, 1), (0, -1))


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class GardenState:
    where: jax.Array  # int32[2]
    heading: jax.Array  # int32
    plot: jax.Array  # int32[6, 6]
    stock: jax.Array  # int32[2]: (water, seeds)
    alive: jax.Array  # bool[2]
    kind: jax.Array  # int32[2]
    spot: jax.Array  # int32[2, 2]


def _garden(stock, sprout: bool) -> GardenState:
    """The player at (2, 2) facing +x; a sprout at (3, 2) when ``sprout``."""
    return GardenState(
        jnp.array([2, 2], jnp.int32),
        jnp.int32(0),
        jnp.full((6, 6), SOIL, jnp.int32),
        jnp.asarray(stock, jnp.int32),
        jnp.array([sprout, False]),
        jnp.array([SPROUT, 0], jnp.int32),
        jnp.array([[3, 2], [0, 0]], jnp.int32),
    )


def _explorer() -> tuple[_GridExplorer, Schema]:
    schema = Schema.from_state(
        "toy/Garden-v0",
        _garden((5, 1), False),
        {
            "where": (0, 5),
            "heading": (0, 3),
            "plot": (0, 3),
            "stock": (0, 9),
            "kind": (0, 2),
            "spot": (0, 5),
        },
        roles={
            "where": "player.position",
            "heading": "player.facing",
            "plot": "map",
            "stock": "inventory",
            "alive": "entity.alive",
            "kind": "entity.kind",
            "spot": "entity.position",
        },
    )
    # measured: actions 0-3 move by STEPS, the player faced +x
    return toy_explorer(schema, 5, moves=STEPS, walkable=(SOIL,)), schema


def _plant(explorer: _GridExplorer, schema: Schema, sprouts: bool) -> None:
    """One PLANT on the soil ahead that spent the seed (and grew a sprout there
    when ``sprouts``)."""
    before = np.asarray(schema.encode(_garden((5, 1), False)))
    after = np.asarray(schema.encode(_garden((5, 0), sprouts)))
    view = explorer.read(before)
    target = explorer.target_of(view, before, PLANT)
    explorer.observe(before, PLANT, 0.0, after, view, target)


def test_induction_a_seed_spent_on_a_sprout_placed_ahead_is_no_vital():
    explorer, schema = _explorer()
    _, seeds = explorer.layout.inventory
    _plant(explorer, schema, sprouts=True)
    assert explorer.vitals == set()
    assert seeds in explorer.items()
    # the same fall with nothing placed ahead (nothing made) is a decay
    other, _ = _explorer()
    _plant(other, schema, sprouts=False)
    assert other.vitals == {seeds}
