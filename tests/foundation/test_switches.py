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
