"""The switches world: its three rules, its gymnasium shell and the checker."""

import gymnasium
import jax
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from scipy.stats import binomtest

from symworld.envs.switches import Switches


@pytest.fixture(scope="module")
def batch_step():
    env = Switches()
    return jax.jit(jax.vmap(env.step, in_axes=(None, 0, 0)))


def test_rules_over_many_keys(batch_step):
    env = Switches()
    start = env.reset(jax.random.key(1))
    keys = jax.random.split(jax.random.key(2), 4000)
    actions = np.arange(4000) % 2
    following, info = batch_step(start, actions, keys)
    toggled = np.asarray(following.toggle)
    assert np.array_equal(
        toggled, np.where(actions == 1, 1 - start.toggle, start.toggle)
    )
    assert np.all(np.asarray(following.fixed) == int(start.fixed))
    ones = int(np.asarray(following.coin).sum())
    assert binomtest(ones, 4000, 0.5).pvalue > 0.001
    assert np.array_equal(np.asarray(info["reward"]), toggled.astype(np.float32))


def test_gymnasium_env_passes_the_checker():
    env = gymnasium.make("symworld/Switches-v0")
    check_env(env.unwrapped)
    env.close()


def test_truncates_at_100_steps_and_rejects_bad_actions():
    env = gymnasium.make("symworld/Switches-v0")
    env.reset(seed=0)
    for step in range(100):
        _, _, terminated, truncated, info = env.step(step % 2)
        assert not terminated
    assert truncated and info["time"] == 100
    with pytest.raises(ValueError, match="invalid action"):
        env.step(7)
    env.close()


@pytest.mark.parametrize("action", [1.5, -0.9, "1", np.array([1]), 2])
def test_actions_are_never_coerced_lossily(action):
    env = gymnasium.make("symworld/Switches-v0")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="invalid action"):
        env.step(action)
    env.step(np.int64(1))  # an integer of another width is fine
    env.step(np.array(0))
    env.close()


def test_vector_collect_keeps_the_declared_names():
    from symworld.rollouts import collect

    envs = gymnasium.make_vec("symworld/Switches-v0", 2, vectorization_mode="sync")
    trajectory = collect(envs, steps=10, seed=0)
    envs.close()
    assert list(trajectory.state) == ["toggle", "coin", "fixed"]
