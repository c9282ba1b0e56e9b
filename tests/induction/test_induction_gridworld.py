"""A toy grid world with its own names and codes: the inducer, which knows no
environment, measures the facing and action steps and finds collection,
placement, movement and blocking from the schema's roles."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from toy_grid import COLLECT, PLACE, STEPS, TABLE

from symworld.induction import load_module_text
from symworld.induction.features import build_features, evaluate
from symworld.programs.data import random_transitions


@pytest.fixture(scope="module")
def grid_induced(grid_data, induce_unfitted):
    env, schema, batch = grid_data
    return induce_unfitted(schema, batch)


def test_induction_grid_geometry_is_measured(grid_induced):
    geometry = grid_induced.geometry
    assert geometry.facing_offsets == STEPS
    assert geometry.action_offsets == (*STEPS, (0, 0), (0, 0))


def test_induction_grid_laws_cover_mechanics(grid_induced):
    names = [law.name for law in grid_induced.laws]
    assert any(n.startswith("wood_plus_1") and f"action_{COLLECT}" in n for n in names)
    assert any(
        n.startswith("wood_minus_1") and f"action_{PLACE}" in n and "target_is_1" in n
        for n in names
    )
    # grass -> table: a set value or the equivalent relative change
    assert any(
        n.startswith((f"grid_target_set_{TABLE}", f"grid_target_plus_{TABLE - 1}"))
        for n in names
    )
    assert any(n.startswith("pos_0_plus_1") for n in names)
    assert any(n.startswith("facing_set_") for n in names)
    assert all(law.origin == "search" for law in grid_induced.laws)


def test_induction_grid_laws_predict_fresh_transitions(grid_data, grid_induced):
    """Every induced deterministic law matched by at least 10 training
    transitions is right on held-out transitions whenever its precondition holds,
    and together they explain almost every change."""
    env, schema, _ = grid_data
    fresh = random_transitions(env, 800, 11)
    laws = load_module_text(grid_induced.module).library()
    encode = jax.vmap(schema.encode)
    truth = np.asarray(encode(fresh.next_states))
    before = np.asarray(encode(fresh.states))
    offsets = schema.offsets
    covered = np.zeros_like(truth, bool)
    support = {law.name: law.matched for law in grid_induced.laws}
    for law in laws:
        if law.parameters or support[law.name] < 10:
            continue  # too few transitions to expect generalisation
        (attribute,) = law.writes
        k = schema.index(attribute)

        def predict(state, action, law=law, attribute=attribute):
            distribution = law.effect(state, action)[attribute]
            sites = distribution.sites
            value = jnp.reshape(distribution.values[0], (-1,))
            sites = (
                jnp.arange(value.shape[0])
                if sites is None
                else jnp.reshape(jnp.asarray(sites), (-1,))
            )
            return law.precondition(state, action), sites, value

        applies, sites, values = jax.vmap(predict)(fresh.states, fresh.actions)
        applies = np.asarray(applies)
        rows = np.nonzero(applies)[0]
        columns = offsets[k] + np.asarray(sites)[rows]
        hits = truth[rows[:, None], columns] == np.asarray(values)[rows]
        assert hits.mean() >= 0.9, law.name
        covered[rows[:, None], columns] = True
    changed = truth != before
    assert (changed & covered).sum() >= 0.85 * changed.sum()


def test_induction_grid_docstrings_state_support(grid_induced):
    for law in load_module_text(grid_induced.module).library():
        doc = type(law).__doc__
        assert "Precondition:" in doc and "Effect:" in doc and "Support:" in doc


def test_induction_grid_feature_target_stood_on(grid_data, grid_induced):
    """The feature "the targeted cell holds a value the player stood on" lists
    the values under the player in the data and holds exactly where the
    targeted cell has one of them (here the player also stands on a painted 5
    in the first 100 states)."""
    env, schema, batch = grid_data
    states = batch.states
    rows = np.arange(100)
    pos = np.asarray(states.pos)
    grid = np.asarray(states.grid).copy()
    grid[rows, pos[rows, 0], pos[rows, 1]] = 5
    states = dataclasses.replace(states, grid=jnp.asarray(grid))
    geometry = grid_induced.geometry
    encoded = np.asarray(jax.vmap(schema.encode)(states))
    features = build_features(
        schema, geometry, states, np.asarray(batch.actions), encoded, 6
    )
    (stood,) = [f for f in features if f.name == "target_stood_on"]
    assert stood.family == "target" and stood.words.endswith("(1, 5)")
    column = evaluate([stood.source], geometry, states, batch.actions)[:, 0]
    targets = evaluate(
        [geometry.target_value_source()], geometry, states, batch.actions
    )[:, 0]
    assert column.tolist() == np.isin(targets, [1, 5]).tolist()
    assert 0 < column.sum() < column.size
