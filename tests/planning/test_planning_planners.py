"""Generic planners on the switches world and a 1-D linear system."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.switches.core import Switches, SwitchesState
from symworld.planning import (
    MPPI,
    BoxActions,
    ContinuousCEM,
    DiscreteActions,
    DiscreteCEM,
    FunctionTask,
    PlannerAgent,
    RandomShooting,
    evaluate_sequences,
    imagine,
    plan,
    run_functional_episode,
)
from symworld.planning.planner import TRACE_COUNT
from symworld.worldmodel import EnvModel, WorldModel


def toggle_task():
    return FunctionTask(
        lambda s, a, n: n.toggle.astype(jnp.float32),
        lambda s: s.toggle == 1,
        name="toggle_on",
    )


def switches_state(toggle, time=0):
    return SwitchesState(jnp.int32(toggle), jnp.int32(0), jnp.int32(1), jnp.int32(time))


class Integrator(WorldModel):
    """x' = x + u (+ noise_std * N(0, 1)): a 1-D state, a 1-D action."""

    noise_std: jax.Array

    def sample(self, key, state, action):
        noise = self.noise_std * jax.random.normal(key, state.shape)
        return state + jnp.reshape(action, state.shape) + noise

    def log_prob(self, state, action, next_state):
        return jnp.float32(0.0)


def regulate_task():
    return FunctionTask(lambda s, a, n: -jnp.sum(n**2), name="regulate")


@pytest.fixture(scope="module")
def switches_model():
    return EnvModel(Switches())


def test_imagine_matches_model_rollout_and_counts_steps(switches_model):
    task = FunctionTask(
        lambda s, a, n: n.toggle.astype(jnp.float32) + n.coin, lambda s: s.time >= 3
    )
    actions = jnp.asarray([1, 0, 1, 1, 0], jnp.int32)
    key = jax.random.key(7)
    outcome = imagine(switches_model, task, key, switches_state(0), actions)
    states = switches_model.rollout(key, switches_state(0), actions)
    toggles = np.asarray(states.toggle)
    coins = np.asarray(states.coin)
    np.testing.assert_array_equal(toggles, [1, 1, 0, 1, 1])
    # The goal (time >= 3) is reached after step 3: rewards of steps 1..3 count.
    assert float(outcome.ret) == pytest.approx(float(np.sum(toggles[:3] + coins[:3])))
    assert bool(outcome.success) and int(outcome.steps) == 3


def test_evaluate_sequences_success_fraction_and_particles(switches_model):
    task = toggle_task()
    sequences = jnp.asarray([[1, 0, 0], [0, 0, 1], [0, 0, 0]], jnp.int32)
    outcome = evaluate_sequences(
        switches_model, task, jax.random.key(0), switches_state(0), sequences, 4
    )
    np.testing.assert_allclose(outcome.success, [1.0, 1.0, 0.0])
    np.testing.assert_allclose(outcome.steps, [1.0, 3.0, 3.0])
    np.testing.assert_allclose(outcome.ret, [1.0, 1.0, 0.0])


@pytest.mark.parametrize(
    "planner",
    [
        RandomShooting(DiscreteActions(2), horizon=5, num_sequences=32),
        DiscreteCEM(DiscreteActions(2), horizon=5, num_sequences=32, num_elites=4),
    ],
    ids=["shooting", "cem"],
)
def test_discrete_planners_keep_the_toggle_on(switches_model, planner):
    task = FunctionTask(lambda s, a, n: n.toggle.astype(jnp.float32), name="keep")
    agent = PlannerAgent(planner, switches_model, task, seed=3)
    before = TRACE_COUNT["plan"]
    for seed in range(3):
        episode = run_functional_episode(
            Switches(),
            agent,
            task,
            key=jax.random.key(seed),
            max_steps=12,
            state=switches_state(seed % 2),
            stop_on_success=False,
        )
        # Optimal: flip once if off, then never again -> 12 rewards of 1.
        assert episode.task_return == 12.0
        assert episode.actions == [1 - seed % 2] + [0] * 11
    # 36 replanning calls, compiled at most once.
    assert TRACE_COUNT["plan"] - before <= 1


def test_plan_is_not_retraced_for_new_model_parameters():
    planner = MPPI(BoxActions((-1.0,), (1.0,)), horizon=4, num_sequences=16)
    task = regulate_task()
    before = TRACE_COUNT["plan"]
    for std in (0.0, 0.1, 0.2):
        plan(
            planner,
            Integrator(jnp.float32(std)),
            task,
            jnp.ones(1),
            key=jax.random.key(0),
        )
    assert TRACE_COUNT["plan"] - before == 1


@pytest.mark.parametrize(
    "planner",
    [
        ContinuousCEM(
            BoxActions((-1.0,), (1.0,)), horizon=3, num_sequences=64, num_elites=8
        ),
        MPPI(
            BoxActions((-1.0,), (1.0,)),
            horizon=3,
            num_sequences=64,
            temperature=0.05,
            iterations=3,
        ),
    ],
    ids=["cem", "mppi"],
)
def test_continuous_planners_regulate_an_integrator(planner):
    model, task = Integrator(jnp.float32(0.0)), regulate_task()
    # From x = 1.5 with |u| <= 1, the best first action is (nearly) -1.
    result = plan(planner, model, task, jnp.asarray([1.5]), key=jax.random.key(0))
    assert float(result.action[0]) < -0.8
    # From x = 0.3 it is (nearly) -0.3, then 0.
    result = plan(planner, model, task, jnp.asarray([0.3]), key=jax.random.key(1))
    assert float(result.action[0]) == pytest.approx(-0.3, abs=0.12)
    # An integer seed is not a key: refused with the advice, not JAX's TypeError.
    with pytest.raises(TypeError, match=r"jax\.random\.key\(seed\), got 0"):
        plan(planner, model, task, jnp.asarray([0.3]), key=0)
    # A raw uint32[2] key works as well as a typed one.
    raw = plan(planner, model, task, jnp.asarray([0.3]), key=jax.random.PRNGKey(1))
    assert raw.action.shape == result.action.shape
    # The value is the imagined return of the returned plan.
    x, ret = 0.3, 0.0
    for u in np.asarray(result.actions)[:, 0]:
        x += u
        ret -= x**2
    assert float(result.value) == pytest.approx(ret, rel=1e-4, abs=1e-5)


def test_planners_reject_the_wrong_space():
    with pytest.raises(ValueError, match="DiscreteActions"):
        DiscreteCEM(BoxActions((-1.0,), (1.0,)), horizon=3)
    with pytest.raises(ValueError, match="BoxActions"):
        MPPI(DiscreteActions(3), horizon=3)
    with pytest.raises(ValueError, match="num_elites"):
        ContinuousCEM(
            BoxActions((0.0,), (1.0,)), horizon=3, num_sequences=4, num_elites=5
        )


def test_same_seed_same_plan(switches_model):
    planner = DiscreteCEM(DiscreteActions(2), horizon=4, num_sequences=16, num_elites=4)
    first = plan(
        planner, switches_model, toggle_task(), switches_state(0), key=jax.random.key(5)
    )
    second = plan(
        planner, switches_model, toggle_task(), switches_state(0), key=jax.random.key(5)
    )
    np.testing.assert_array_equal(first.actions, second.actions)
    assert eqx.tree_equal(first.carry, second.carry)


def test_replanning_every_few_steps_executes_the_plan_in_between(switches_model):
    planner = RandomShooting(DiscreteActions(2), horizon=4, num_sequences=16)
    task = FunctionTask(lambda s, a, n: n.toggle.astype(jnp.float32), name="keep")
    agent = PlannerAgent(planner, switches_model, task, seed=0, replan_every=3)
    calls = []
    original = agent.act

    def counting(state):
        if not agent.queue:
            calls.append(int(state.time))
        return original(state)

    agent.act = counting
    episode = run_functional_episode(
        Switches(),
        agent,
        task,
        key=jax.random.key(0),
        max_steps=9,
        state=switches_state(0),
        stop_on_success=False,
    )
    assert calls == [0, 3, 6]
    assert episode.task_return == 9.0
