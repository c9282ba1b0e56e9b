"""Switches: from one life of 500 steps the inducer finds the toggle, the coin
and the static switch (and the clock), and nothing else."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.switches.core import SwitchesState
from symworld.induction import InductionSettings, explore, induce, load_module_text

EXPECTED = {
    "toggle_flips_when_action_1",
    "coin_varies",
    "time_plus_1",
    "static_attributes",
}


def test_induction_switches_exact_laws(switches_induced):
    names = {law.name for law in switches_induced.laws}
    assert names == EXPECTED
    by_name = {law.name: law for law in switches_induced.laws}
    toggle = by_name["toggle_flips_when_action_1"]
    assert toggle.matched == toggle.held == toggle.explained  # precision 1
    assert by_name["static_attributes"].summary.endswith("fixed.")


def test_induction_switches_law_outcomes(switches_induced):
    laws = {
        law.name: law for law in load_module_text(switches_induced.module).library()
    }
    state = SwitchesState(jnp.int32(1), jnp.int32(0), jnp.int32(1), jnp.int32(7))
    flip, noop = jnp.int32(1), jnp.int32(0)
    toggle = laws["toggle_flips_when_action_1"]
    assert bool(toggle.precondition(state, flip)) and not bool(
        toggle.precondition(state, noop)
    )
    assert int(toggle.effect(state, flip)["toggle"].values[0]) == 0
    clock = laws["time_plus_1"]
    assert int(clock.effect(state, noop)["time"].values[0]) == 8
    assert int(laws["static_attributes"].effect(state, flip)["fixed"].values[0]) == 1


def test_induction_switches_coin_probability(switches_life, switches_induced):
    _, _, life = switches_life
    coin = [
        law
        for law in load_module_text(switches_induced.module).library()
        if law.name == "coin_varies"
    ][0]
    (parameter,) = coin.parameters
    observed = float(np.mean(np.asarray(life.next_states.coin)))
    assert abs(parameter.init - observed) < 1e-3
    assert abs(parameter.init - 0.5) < 0.05
    # the fitted model's predictive probability of heads
    model = switches_induced.fitted.model
    state = SwitchesState(jnp.int32(0), jnp.int32(0), jnp.int32(0), jnp.int32(3))
    heads = SwitchesState(jnp.int32(0), jnp.int32(1), jnp.int32(0), jnp.int32(4))
    tails = SwitchesState(jnp.int32(0), jnp.int32(0), jnp.int32(0), jnp.int32(4))
    p_heads = float(jnp.exp(model.log_prob(state, jnp.int32(0), heads)))
    p_tails = float(jnp.exp(model.log_prob(state, jnp.int32(0), tails)))
    assert abs(p_heads / (p_heads + p_tails) - 0.5) < 0.05


def test_induction_switches_fitted_model_predicts(switches_induced):
    model = switches_induced.fitted.model
    state = SwitchesState(jnp.int32(1), jnp.int32(1), jnp.int32(0), jnp.int32(10))
    right = SwitchesState(jnp.int32(0), jnp.int32(1), jnp.int32(0), jnp.int32(11))
    wrong = SwitchesState(jnp.int32(1), jnp.int32(1), jnp.int32(0), jnp.int32(11))
    assert (
        float(model.log_prob(state, jnp.int32(1), right))
        > float(model.log_prob(state, jnp.int32(1), wrong)) + 3.0
    )


def test_induction_switches_same_seed_same_bytes(switches_life, switches_induced):
    env, schema, life = switches_life
    again = explore(env, schema, steps=500, seed=0)
    np.testing.assert_array_equal(again.actions, life.actions)
    result = induce(
        schema,
        again.states,
        again.actions,
        again.next_states,
        num_actions=2,
        seed=0,
        settings=InductionSettings(fit=False),
    )
    assert result.module.encode() == switches_induced.module.encode()


def test_induction_exploration_is_one_life_and_balanced(switches_life):
    _, _, life = switches_life
    assert life.num_transitions == 500 and not life.died
    times = np.asarray(life.states.time)
    np.testing.assert_array_equal(times, np.arange(500))  # never reset
    # novelty: both actions tried about equally often in every situation
    assert abs(int(np.sum(life.actions == 1)) - 250) <= 8
    trajectory = life.to_trajectory()
    assert trajectory.num_transitions == 500
    assert jax.tree_util.tree_structure(life.states) == jax.tree_util.tree_structure(
        life.next_states
    )
