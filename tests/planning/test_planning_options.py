"""Options, option-level search and strategy ranking on the switches world."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from symworld.envs.switches.core import Switches, SwitchesState
from symworld.planning import (
    FunctionTask,
    OptionAgent,
    OptionLibrary,
    OptionSearch,
    all_programs,
    run_functional_episode,
    run_program,
    search_options,
)
from symworld.planning.ranking import Strategy, kendall_tau, rank_strategies
from symworld.worldmodel import EnvModel, WorldModel


class SwitchOptions(OptionLibrary):
    """turn_on (flip if off; done when on), wait3 (noop for 3 steps), flip (once)."""

    @property
    def names(self):
        return ("turn_on", "wait3", "flip")

    @property
    def max_steps(self):
        return 5

    @property
    def idle_action(self):
        return 0

    def act(self, index, state, start, key):
        turn_on = jnp.where(state.toggle == 0, 1, 0)
        return jnp.asarray([turn_on, 0, 1], jnp.int32)[index]

    def done(self, index, state, start):
        elapsed = state.time - start.time
        return jnp.asarray([state.toggle == 1, elapsed >= 3, elapsed >= 1])[index]


class StuckSwitches(WorldModel):
    """A wrong model: the toggle never changes."""

    def sample(self, key, state, action):
        return SwitchesState(state.toggle, state.coin, state.fixed, state.time + 1)

    def log_prob(self, state, action, next_state):
        return jnp.float32(0.0)


def off():
    return SwitchesState(jnp.int32(0), jnp.int32(0), jnp.int32(0), jnp.int32(0))


def switched_on(state, action, next_state):
    return (next_state.toggle - state.toggle).astype(jnp.float32)


def is_on(state):
    return state.toggle == 1


def on_task(goal=None):
    return FunctionTask(switched_on, is_on)


def test_run_program_follows_options_and_padding():
    model, library = EnvModel(Switches()), SwitchOptions()
    # wait3 then turn_on: noop x3, then flip at step 4.
    outcome = run_program(
        model,
        library,
        on_task(),
        jax.random.key(0),
        off(),
        jnp.asarray([1, 0, -1], jnp.int32),
        horizon=8,
    )
    assert bool(outcome.success) and int(outcome.steps) == 4
    # Padding ends the program: wait3 alone never succeeds.
    outcome = run_program(
        model,
        library,
        on_task(),
        jax.random.key(0),
        off(),
        jnp.asarray([1, -1, -1], jnp.int32),
        horizon=8,
    )
    assert not bool(outcome.success) and int(outcome.steps) == 8
    # flip, flip: on after step 1 (the goal), so success at 1.
    outcome = run_program(
        model,
        library,
        on_task(),
        jax.random.key(0),
        off(),
        jnp.asarray([2, 2, -1], jnp.int32),
        horizon=8,
    )
    assert int(outcome.steps) == 1


def test_option_search_prefers_the_fast_option_and_agent_acts():
    model, library = EnvModel(Switches()), SwitchOptions()
    programs = all_programs(library.num_options, 2)
    assert programs.shape == (9, 2)
    search = OptionSearch(programs, horizon=6, num_particles=2)
    # Every program that switches on scores 1; the faster ones win the tie-break
    # (turn_on, flip first: 1 step), and the lower index among them: turn_on.
    result = search_options(
        search, model, library, on_task(), off(), key=jax.random.key(0)
    )
    assert int(result.option) == 0
    # wait3 first: then turn_on or flip succeed at step 4, wait3 again never.
    np.testing.assert_allclose(result.successes.reshape(3, 3)[1], [1, 0, 1])
    np.testing.assert_allclose(result.successes.reshape(3, 3)[0], [1, 1, 1])
    agent = OptionAgent(search, model, library, on_task())
    episode = run_functional_episode(
        Switches(), agent, on_task(), key=jax.random.key(1), max_steps=10, state=off()
    )
    assert episode.success and episode.success_step == 1
    assert agent.chosen == ["turn_on"]


def test_kendall_tau_matches_scipy_and_handles_constants():
    simulated, true = [0.9, 0.1, 0.5, 0.4], [1.0, 0.0, 0.6, 0.7]
    assert kendall_tau(simulated, true) == pytest.approx(
        stats.kendalltau(simulated, true).statistic
    )
    assert math.isnan(kendall_tau([0.5, 0.5], [1.0, 0.0]))
    assert math.isnan(kendall_tau([1.0], [1.0]))


def test_rank_strategies_true_model_agrees_and_a_wrong_model_does_not():
    library = SwitchOptions()
    strategies = [
        Strategy("on", "turn on now", ("turn_on",), 2),
        Strategy("on", "wait first", ("wait3", "turn_on"), 2),
        Strategy("on2", "flip", ("flip",), 3),
        Strategy("on2", "wait first", ("wait3", "flip"), 3),
    ]
    starts = [off()]
    report = rank_strategies(
        EnvModel(Switches()),
        Switches(),
        library,
        on_task,
        strategies,
        starts,
        num_rollouts=4,
        episodes=2,
        seed=0,
        reference=StuckSwitches(),
        num_actions=2,
    )
    assert [s.simulated for s in report.scores] == [1.0, 0.0, 1.0, 0.0]
    assert [s.true for s in report.scores] == [1.0, 0.0, 1.0, 0.0]
    assert [s.reference for s in report.scores] == [0.0, 0.0, 0.0, 0.0]
    assert report.tau == pytest.approx(1.0)
    assert report.tau_per_goal == {"on": 1.0, "on2": 1.0}
    assert report.mean_tau == pytest.approx(1.0)
    assert math.isnan(report.reference_tau)
    assert report.best_agrees == {"on": True, "on2": True}
    assert 0.0 <= report.random["on"] <= 1.0
