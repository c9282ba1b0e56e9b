"""The WorldModel interface through EnvModel, the true dynamics as a model."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.switches import Switches, SwitchesState
from symworld.worldmodel import EnvModel, batch_log_prob, batch_rollout, batch_sample


class SwitchesWithoutExactProbability(Switches):
    transition_log_prob = None


@pytest.fixture(scope="module")
def env():
    return Switches()


@pytest.fixture(scope="module")
def start(env):
    return env.reset(jax.random.key(0))


def test_sample_is_the_env_step(env, start):
    model = EnvModel(env)
    key = jax.random.key(5)
    expected, _ = env.step(start, 1, key)
    assert model.sample(key, start, 1) == expected


def test_exact_log_prob(env, start):
    model = EnvModel(env)
    moved = SwitchesState(
        toggle=1 - start.toggle, coin=jnp.int32(1), fixed=start.fixed, time=jnp.int32(1)
    )
    assert float(model.log_prob(start, 1, moved)) == pytest.approx(np.log(0.5))
    assert float(model.log_prob(start, 0, moved)) == -np.inf  # toggle without flip


def test_monte_carlo_log_prob_matches_exact_within_its_standard_error(env, start):
    estimate = EnvModel(
        SwitchesWithoutExactProbability(), num_samples=4000, key=jax.random.key(1)
    )
    moved = SwitchesState(
        toggle=1 - start.toggle, coin=jnp.int32(0), fixed=start.fixed, time=jnp.int32(1)
    )
    probability = float(jnp.exp(estimate.log_prob(start, 1, moved)))
    assert abs(probability - 0.5) < 4 * np.sqrt(0.25 / 4000)
    impossible = SwitchesState(
        toggle=start.toggle, coin=jnp.int32(0), fixed=start.fixed, time=jnp.int32(1)
    )
    assert float(jnp.exp(estimate.log_prob(start, 1, impossible))) == pytest.approx(
        1 / 4001
    )


def test_rollout_batched_and_jitted(env, start):
    model = EnvModel(env)
    starts = jax.tree_util.tree_map(lambda leaf: jnp.stack([leaf] * 8), start)
    actions = jnp.ones((8, 5), dtype=jnp.int32)
    states = jax.jit(batch_rollout)(model, jax.random.key(2), starts, actions)
    assert states.toggle.shape == (8, 5)
    # five flips from the start: toggle alternates, fixed never moves, time counts
    expected = (start.toggle + jnp.arange(1, 6)) % 2
    assert np.array_equal(states.toggle, np.broadcast_to(expected, (8, 5)))
    assert np.array_equal(states.fixed, np.full((8, 5), start.fixed))
    assert np.array_equal(states.time[0], np.arange(1, 6))
    coins = np.asarray(states.coin)
    assert 0 < coins.mean() < 1 and not np.all(coins == coins[0])


def test_rollout_length_from_actions_or_steps(env, start):
    model = EnvModel(env)
    actions = jnp.array([1, 1, 0])
    by_actions = model.rollout(jax.random.key(4), start, actions)
    assert by_actions.toggle.shape == (3,)
    # toggle flips on action 1 only: two flips then a stay
    expected = (start.toggle + jnp.array([1, 2, 2])) % 2
    assert np.array_equal(by_actions.toggle, expected)
    with pytest.raises(ValueError, match="steps=2 but actions have length 3"):
        model.rollout(jax.random.key(4), start, actions, steps=2)
    with pytest.raises(ValueError, match="EnvModel.rollout: no actions"):
        model.rollout(jax.random.key(4), start, None)
    with pytest.raises(ValueError, match="leading time axis T"):
        model.rollout(jax.random.key(4), start, jnp.int32(1))


def test_batch_sample_and_log_prob_agree(env, start):
    model = EnvModel(env)
    starts = jax.tree_util.tree_map(lambda leaf: jnp.stack([leaf] * 64), start)
    actions = jnp.arange(64) % 2
    following = batch_sample(model, jax.random.key(3), starts, actions)
    scores = batch_log_prob(model, starts, actions, following)
    assert np.allclose(scores, np.log(0.5))


def test_rollout_is_deterministic_for_a_key(env, start):
    model = EnvModel(env)
    actions = jnp.array([0, 1, 1, 0, 1, 0, 0, 1])
    first = model.rollout(jax.random.key(9), start, actions)
    again = model.rollout(jax.random.key(9), start, actions)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(
            jax.tree_util.tree_leaves(first), jax.tree_util.tree_leaves(again)
        )
    )


def test_env_model_rejects_actions_outside_the_env(env, start):
    model = EnvModel(env)
    for action, words in [
        (env.num_actions, f"outside the actions 0..{env.num_actions - 1}"),
        (1.5, "not a whole-number action"),
        (-1, "outside the actions"),
    ]:
        with pytest.raises(ValueError, match=words):
            model.sample(jax.random.key(0), start, action)
        with pytest.raises(ValueError, match=words):
            model.log_prob(start, action, start)
