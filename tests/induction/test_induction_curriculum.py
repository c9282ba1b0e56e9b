"""The explorer's daylight curriculum on the day-plan toy state (not Crafter's
names or codes): a count that falls on a step that made nothing is a vital,
tries counted under a holding survive a site turning out to be a vital, a
working action is taken to a kind of thing it was never tried on, and a full
stock of a gathered item is tried with every action that never made anything."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from test_induction_day_plan import (
    BENCH,
    BUILD,
    CRAFT,
    GRASS,
    POND,
    TREE,
    USE,
    _Discovery,
    _encoded,
    _explorer,
    _sites,
)


def test_induction_a_count_falling_on_a_step_that_made_nothing_is_a_vital():
    explorer, schema = _explorer()
    water, sticks, _ = _sites(explorer)
    before = _encoded(schema, (5, 2, 0), ahead=GRASS)
    view = explorer.read(before)
    target = explorer.target_of(view, before, CRAFT)
    # a craft try that made nothing while the water fell: water decays
    explorer.observe(before, CRAFT, 0.0, _encoded(schema, (4, 2, 0)), view, target)
    assert explorer.vitals == {water}
    # a build that spent 2 sticks on the targeted cell is no decay
    other, _ = _explorer()
    target = other.target_of(view, before, BUILD)
    after = _encoded(schema, (5, 0, 0), ahead=BENCH)
    other.observe(before, BUILD, 0.0, after, view, target)
    assert sticks not in other.vitals
    assert other.vitals == set()


def test_induction_tries_survive_a_site_becoming_a_vital():
    explorer, schema = _explorer()
    water, sticks, tool = _sites(explorer)
    encoded = _encoded(schema, (9, 2, 0))
    holding = explorer.holding(encoded)
    assert holding == ((water, 3), (sticks, 2), (tool, 0))
    explorer.count_try(holding, CRAFT, ("c", GRASS))
    explorer.current_holding = holding
    assert not explorer._new_holding(CRAFT, ("c", GRASS))
    # water turns out to be a vital: the same sticks held are no new holding
    # and the try under the old holding still counts under the new one
    explorer.vitals = {water}
    holding = explorer.holding(_encoded(schema, (4, 2, 0)))
    assert holding == ((sticks, 2), (tool, 0))
    explorer.current_holding = holding
    assert not explorer._new_holding(CRAFT, ("c", GRASS))
    assert explorer.tries[(holding, ("c", GRASS))][CRAFT] == 1
    # one more stick is a new holding
    explorer.current_holding = explorer.holding(_encoded(schema, (4, 3, 0)))
    assert explorer._new_holding(CRAFT, ("c", GRASS))


def _pond_world(explorer, schema):
    """A tree at (0, 0) that gave sticks, a pond at (4, 4); the player at
    (2, 2) facing +x."""
    _, sticks, _ = _sites(explorer)
    explorer.working = {USE}
    explorer.discoveries = {
        (USE, (sticks,), (TREE, GRASS)): _Discovery((USE, ("c", TREE)), {}, (0, 0))
    }
    explorer.sources[sticks][(USE, ("c", TREE))] = 1
    explorer.pair_tries[(USE, ("c", TREE))] = 1
    explorer.pair_tries[(USE, ("c", GRASS))] = 1
    land = jnp.full((6, 6), GRASS, jnp.int32).at[0, 0].set(TREE).at[4, 4].set(POND)
    return land


def test_induction_a_working_action_is_taken_to_a_new_kind_of_thing():
    explorer, schema = _explorer()
    land = _pond_world(explorer, schema)
    encoded = _encoded(schema, (9, 0, 0), land=land)
    view = explorer.read(encoded)
    distance = np.abs(np.indices((6, 6)) - np.array([2, 2])[:, None, None]).sum(0)
    directions = explorer.directions()
    # USE gave sticks at the tree and was never tried at the pond: walk there
    # (+x or +y from (2, 2); the pond is at (4, 4))
    step = explorer._contact(encoded, view, distance, (1, 0), directions)
    assert step in (0, 2)
    # once tried at the pond, nothing is left to contact
    explorer.pair_tries[(USE, ("c", POND))] = 1
    assert explorer._contact(encoded, view, distance, (1, 0), directions) is None


def test_induction_a_full_stock_is_tried_with_every_unproven_action_at_hand():
    explorer, schema = _explorer()
    land = _pond_world(explorer, schema)
    distance = np.abs(np.indices((6, 6)) - np.array([2, 2])[:, None, None]).sum(0)
    directions = explorer.directions()
    # BUILD and CRAFT never made anything; holding 2 sticks (not a full stock)
    # nothing is tried at hand
    encoded = _encoded(schema, (9, 2, 0), land=land)
    explorer.current_holding = explorer.holding(encoded)
    view = explorer.read(encoded)
    assert explorer._at_hand(encoded, view, distance, (1, 0), directions) is None
    # holding 3 sticks, the player facing grass tries one of them there
    encoded = _encoded(schema, (9, 3, 0), land=land)
    explorer.current_holding = explorer.holding(encoded)
    view = explorer.read(encoded)
    assert explorer._at_hand(encoded, view, distance, (1, 0), directions) in (
        BUILD,
        CRAFT,
    )
    # tried holding 3 on the ground, both are done
    for action in (BUILD, CRAFT):
        explorer.count_try(explorer.current_holding, action, ("c", GRASS))
    assert explorer._at_hand(encoded, view, distance, (1, 0), directions) is None
