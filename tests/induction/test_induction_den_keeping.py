"""Keeping a den (:mod:`symworld.induction.shelter`) on a toy state of its own
(not Crafter's names or codes): a 7x5 map of turf, where the player dug a
two-cell den out of a rock wall (the dig leaves rubble, which it never stood
on) and seals its gate with a built wall; a threat lurking by the den; and the
drives' satisfiers, which leave a rest action to the rules of resting."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
from toy_grid import toy_explorer

from symworld.induction import ExplorationHints
from symworld.induction.exploration import _GridExplorer
from symworld.induction.shelter import Den
from symworld.programs import Schema

TURF, ROCK, RUBBLE, WALL, DUST = 1, 2, 3, 4, 5
DIG, BUILD = 4, 5
LEFT, RIGHT, UP, DOWN = 0, 1, 2, 3
STEPS = {(-1, 0): LEFT, (1, 0): RIGHT, (0, -1): UP, (0, 1): DOWN}


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class DenState:
    spot: jax.Array  # int32[2]
    land: jax.Array  # int32[7, 5]
    bag: jax.Array  # int32[1]: bricks


def _schema() -> Schema:
    state = DenState(
        jnp.array([3, 2], jnp.int32),
        jnp.full((7, 5), TURF, jnp.int32),
        jnp.zeros(1, jnp.int32),
    )
    return Schema.from_state(
        "toy/DenWorld-v0",
        state,
        {"spot": (0, 6), "land": (0, 5), "bag": (0, 9)},
        roles={"spot": "player.position", "land": "map", "bag": "inventory"},
    )


# the den dug out of the rock row y = 2: inner (1, 2), outer (2, 2), gate (3, 2)
DEN = Den(inner=(1, 2), outer=(2, 2), gate=(3, 2), step=(1, 0))


def _explorer() -> tuple[_GridExplorer, Schema]:
    schema = _schema()
    explorer = toy_explorer(schema, 6, walkable=(TURF,))
    explorer.blocked[ROCK] += 2
    explorer.digs[(DIG, ROCK)] = (RUBBLE, set())  # a dig leaves rubble
    explorer.builds[BUILD] = (WALL, {}, {TURF})  # a wall built on turf, for free
    explorer.den, explorer.denning = DEN, True
    return explorer, schema


def _view(explorer: _GridExplorer, schema: Schema, spot, gate: int) -> dict:
    """The den's rock row dug to rubble at (1, 2) and (2, 2), the gate's value
    ``gate``, the player at ``spot``."""
    land = jnp.full((7, 5), TURF, jnp.int32)
    land = land.at[:, 1].set(ROCK).at[:, 3].set(ROCK).at[0, 2].set(ROCK)
    land = land.at[1, 2].set(RUBBLE).at[2, 2].set(RUBBLE).at[3, 2].set(gate)
    state = DenState(jnp.asarray(spot, jnp.int32), land, jnp.zeros(1, jnp.int32))
    return explorer.read(np.asarray(schema.encode(state)))


def test_induction_den_dug_cell_never_walked_on_is_entered():
    explorer, schema = _explorer()
    view = _view(explorer, schema, DEN.gate, TURF)
    distance = np.zeros(view["grid"].shape, np.int32)
    action = explorer._den_step(view["encoded"], view, distance, (1, 0), STEPS)
    # from the gate, back into the dug outer cell (rubble: never stood on, but
    # what a dig leaves and never blocked a move), not "give up" (None)
    assert action == LEFT
    # in the outer cell facing the gate: build the seal
    view = _view(explorer, schema, DEN.outer, TURF)
    action = explorer._den_step(view["encoded"], view, distance, (1, 0), STEPS)
    assert action == BUILD
    # rubble that once blocked a move is not taken for open
    explorer.blocked[RUBBLE] += 1
    assert not explorer._enterable(RUBBLE)


def test_induction_den_gate_broken_to_a_value_never_tried_is_not_sealed():
    explorer, schema = _explorer()
    assert explorer._sealed(_view(explorer, schema, DEN.outer, WALL))
    assert explorer._sealed(_view(explorer, schema, DEN.inner, ROCK))
    # the built wall turned into dust (something broke it): neither walked on
    # nor known to block, so the den is open
    assert not explorer._sealed(_view(explorer, schema, DEN.outer, DUST))
    assert not explorer._sealed(_view(explorer, schema, DEN.outer, TURF))
    # outside the den nothing is sealed
    assert not explorer._sealed(_view(explorer, schema, DEN.gate, WALL))


def test_induction_den_is_left_past_a_lurker_only_in_full_daylight_when_needy():
    explorer, schema = _explorer()
    explorer.dark_level = 0.5  # a hinted light: dark below half its range
    bag = explorer.layout.inventory[0]
    explorer.vitals = {bag}  # the bag is a vital here, and it is empty: critical
    lurker = 7
    explorer.harm_kinds[lurker], explorer.presence[lurker] = 3, 10  # proven
    view = _view(explorer, schema, DEN.outer, WALL)
    view["objects"].append((0, 4, 3, lurker))  # by the gate, 3 cells (L1) away
    distance = np.zeros(view["grid"].shape, np.int32)

    def step(light: float) -> int | None:
        explorer.light_seen, explorer.dark = light, light < 0.5
        explorer.denning = True
        return explorer._den_step(view["encoded"], view, distance, (1, 0), STEPS)

    idle = explorer.idle_action()
    assert idle != UP
    assert step(0.3) == idle  # dark: wait, whatever the need
    assert step(0.6) == idle  # dawn (below 0.5 + DUSK_MARGIN): the dark's
    # creatures are still about, wait
    # full daylight and a critical vital: leave through a wall it can dig (the
    # built gate cannot be dug): turn up to the rock first
    assert step(0.9) == UP
    # not needy: wait for the lurker to go, even by day
    sated = np.array(view["encoded"])
    sated[bag] = 9
    view["encoded"] = sated
    assert explorer._den_step(sated, view, distance, (1, 0), STEPS) == idle


def test_induction_rest_action_is_no_direct_satisfier():
    schema = _schema()
    rest = 5
    explorer = toy_explorer(schema, 6, ExplorationHints(rest_actions=(rest,)))
    bag = explorer.layout.inventory[0]
    explorer.vitals = {bag}
    # the vital rose after every rest and after every dig at the rock
    explorer.rises[(bag, rest, ("c", TURF))] = 3
    explorer.pair_tries[(rest, ("c", TURF))] = 3
    explorer.rises[(bag, DIG, ("c", ROCK))] = 2
    explorer.pair_tries[(DIG, ("c", ROCK))] = 4
    assert explorer._satisfiers(bag) == [(DIG, ("c", ROCK)), (rest, ("c", TURF))]
    # the drives walk to the dig only: resting keeps its own rules (a den, or
    # sheltered, calm and not in the dark), not a plain walk to any turf
    assert explorer._direct(bag) == [(DIG, ("c", ROCK))]
