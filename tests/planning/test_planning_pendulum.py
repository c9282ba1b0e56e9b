"""Pendulum-v1: the JAX dynamics against gymnasium, equations, MPPI swing-up."""

from __future__ import annotations

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.planning.pendulum import (
    PendulumDynamics,
    SwingUp,
    angle_normalize,
    learn_equations,
    state_from_observation,
    swing_up_returns,
)
from symworld.worldmodel import EnvModel


def test_dynamics_and_reward_match_gymnasium():
    env = gymnasium.make("Pendulum-v1")
    observation, _ = env.reset(seed=3)
    dynamics, task = PendulumDynamics(), SwingUp()
    step = jax.jit(lambda s, a: dynamics.step(s, a, jax.random.key(0)))
    reward_of = jax.jit(task.reward)
    rng = np.random.default_rng(0)
    state = jnp.asarray(env.unwrapped.state, jnp.float32)
    for _ in range(60):
        action = rng.uniform(-2.5, 2.5, size=(1,)).astype(np.float32)
        observation, reward, *_ = env.step(action)
        following, info = step(state, jnp.asarray(action))
        np.testing.assert_allclose(following, env.unwrapped.state, atol=2e-5)
        assert float(info["reward"]) == pytest.approx(reward, abs=1e-4)
        assert float(reward_of(state, action, following)) == pytest.approx(
            reward, abs=1e-4
        )
        recovered = state_from_observation(observation)
        np.testing.assert_allclose(
            angle_normalize(recovered[0]), angle_normalize(following[0]), atol=1e-5
        )
        state = following


@pytest.fixture(scope="module")
def extraction():
    return learn_equations(600, seed=0, engine="sparse")


def test_learned_equations_have_the_physical_constants(extraction):
    equations = {
        name: eq.as_coefficients_dict() for name, eq in extraction.model.sympy().items()
    }
    symbols = {
        str(s): s for e in extraction.model.sympy().values() for s in e.free_symbols
    }
    import sympy

    speed = equations["theta_dot"]
    assert float(speed[sympy.sin(symbols["theta"])]) == pytest.approx(0.75, rel=0.02)
    assert float(speed[symbols["action"]]) == pytest.approx(0.15, rel=0.02)
    angle = equations["theta"]
    assert float(angle[symbols["theta_dot"]]) == pytest.approx(0.05, rel=0.02)
    assert float(angle[sympy.sin(symbols["theta"])]) == pytest.approx(0.0375, rel=0.02)
    assert float(angle[symbols["action"]]) == pytest.approx(0.0075, rel=0.02)


@pytest.mark.slow
def test_mppi_swings_up_with_the_learned_equations(extraction):
    from symworld.planning.mppi import MPPI
    from symworld.planning.pendulum import ACTIONS

    planner = MPPI(
        ACTIONS,
        horizon=20,
        num_sequences=128,
        temperature=1.0,
        noise_std=0.3,
        iterations=1,
    )
    learned = swing_up_returns(extraction.model, episodes=1, seed=0, planner=planner)
    true = swing_up_returns(
        EnvModel(PendulumDynamics()), episodes=1, seed=0, planner=planner
    )
    # A random policy scores about -1200 here; swing-up and balance beat -300.
    assert learned[0] > -300 and true[0] > -300
    assert learned[0] == pytest.approx(true[0], abs=30)
