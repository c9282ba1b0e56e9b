"""Fighting (:mod:`symworld.induction.exploration`) on a toy state of its own (not
Crafter's names or codes): a 5x5 meadow and a bag. Which action is the attack
(one chance fall of a faced creature's health does not make an action the attack
for good), and which of two adjacent threats is met (the one faced already)."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
from toy_grid import toy_explorer

from symworld.induction.exploration import ATTACK_RATE, _GridExplorer
from symworld.programs import Schema

POKE, SHOUT = 4, 5  # actions 0-3 move
WOLF, STONE = 1, 2  # object kinds: a creature and a thrown stone


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class MeadowState:
    spot: jax.Array  # int32[2]
    land: jax.Array  # int32[5, 5]
    bag: jax.Array  # int32[1]


def _explorer() -> _GridExplorer:
    state = MeadowState(
        jnp.array([2, 2], jnp.int32),
        jnp.ones((5, 5), jnp.int32),
        jnp.zeros(1, jnp.int32),
    )
    schema = Schema.from_state(
        "toy/Meadow-v0",
        state,
        {"spot": (0, 4), "land": (0, 2), "bag": (0, 9)},
        roles={"spot": "player.position", "land": "map", "bag": "inventory"},
    )
    return toy_explorer(schema, 6)


def test_induction_one_chance_fall_does_not_make_the_attack():
    explorer = _explorer()
    assert explorer.attack_action() is None  # nothing ever wore a creature down
    # SHOUT was tried once on the wolf as its health fell (hurt by something
    # else on that step): the attack, for now
    explorer.attack_tries[SHOUT], explorer.attack[SHOUT] = 1, 1
    assert explorer.attack_action() == SHOUT
    # seven more shouts at the wolf did nothing: 1 fall in 8 tries is below
    # ATTACK_RATE, so no action is the attack and untried ones get their turn
    explorer.attack_tries[SHOUT] = 8
    assert 1 / 8 < ATTACK_RATE
    assert explorer.attack_action() is None
    # POKE wore it down on 2 of 3 tries: the attack
    explorer.attack_tries[POKE], explorer.attack[POKE] = 3, 2
    assert explorer.attack_action() == POKE


def test_induction_the_faced_threat_of_two_neighbours_is_met_first():
    explorer = _explorer()
    explorer.harm_kinds[STONE] = 5  # stones hurt more often than the wolf
    explorer.harm_kinds[WOLF] = 1
    explorer.presence[STONE] = explorer.presence[WOLF] = 10
    pos = (2, 2)
    # (gap, slot, x, y, kind): the wolf below the player, a stone to its right,
    # another wolf two cells away
    threats = [(1, 0, 2, 3, WOLF), (1, 1, 3, 2, STONE), (2, 2, 0, 2, WOLF)]
    # facing the wolf: hit it rather than turn to the stone
    order = explorer._fight_order(threats, pos, (0, 1))
    assert [t[1] for t in order] == [0, 1, 2]
    # facing neither (up): the kind that hurt most often first, the farther last
    order = explorer._fight_order(threats, pos, (0, -1))
    assert [t[1] for t in order] == [1, 0, 2]
    # facing the stone: the stone
    order = explorer._fight_order(threats, pos, (1, 0))
    assert [t[1] for t in order] == [1, 0, 2]
