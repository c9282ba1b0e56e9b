"""Model maps, Jacobians and initialisation; the WorldModel wrapper."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import multivariate_normal

from symworld.alrnn.models import (
    ALRNN,
    PLRNN,
    ShallowPLRNN,
    normalized_positive_definite,
)
from symworld.alrnn.world_model import ALRNNModel


@pytest.fixture(scope="module")
def models():
    return [
        ALRNN(6, 2, 3, key=jax.random.PRNGKey(0)),
        PLRNN(6, 3, key=jax.random.PRNGKey(1)),
        ShallowPLRNN(3, 12, 3, key=jax.random.PRNGKey(2)),
        ShallowPLRNN(3, 12, 3, clipped=True, key=jax.random.PRNGKey(3)),
    ]


def numpy_step(model, z):
    a = np.asarray(model.A, np.float64)
    if isinstance(model, ALRNN):
        phi = z.copy()
        phi[model.num_linear :] = np.maximum(phi[model.num_linear :], 0)
        return a * z + np.asarray(model.W) @ phi + np.asarray(model.h)
    if isinstance(model, PLRNN):
        w = np.asarray(model.W) * (1 - np.eye(len(z)))
        return a * z + w @ np.maximum(z, 0) + np.asarray(model.h)
    pre = np.asarray(model.W2) @ z
    hidden = np.maximum(pre + np.asarray(model.h2), 0)
    if model.clipped:
        hidden = hidden - np.maximum(pre, 0)
    return a * z + np.asarray(model.W1) @ hidden + np.asarray(model.h1)


def test_steps_and_jacobians(models):
    rng = np.random.default_rng(0)
    for model in models:
        step = eqx.filter_jit(lambda z, m=model: m.step(z))
        jacobian = eqx.filter_jit(lambda z, m=model: m.jacobian(z))
        autodiff = eqx.filter_jit(lambda z, m=model: jax.jacfwd(m.step)(z))
        for _ in range(5):
            z = rng.normal(size=model.num_latent).astype(np.float32)
            np.testing.assert_allclose(
                step(z), numpy_step(model, z), rtol=1e-5, atol=1e-6
            )
            np.testing.assert_allclose(jacobian(z), autodiff(z), rtol=1e-5, atol=1e-6)


def test_initialisation_follows_the_papers(models):
    alrnn, plrnn, shallow, clipped = models
    matrix = np.asarray(normalized_positive_definite(20, key=jax.random.PRNGKey(5)))
    eigenvalues = np.linalg.eigvalsh(matrix)
    assert eigenvalues.max() == pytest.approx(1.0, abs=1e-5) and eigenvalues.min() > 0
    for model in models:
        assert np.all((np.asarray(model.A) > 0) & (np.asarray(model.A) <= 1 + 1e-6))
    assert np.abs(np.asarray(alrnn.W)).max() < 0.06  # N(0, 0.01^2) entries
    assert np.all(np.asarray(alrnn.h) == 0) and np.all(np.asarray(plrnn.h) == 0)
    assert np.abs(np.asarray(shallow.W1)).max() <= 12**-0.5  # U(+-1/sqrt(L))
    assert np.all(np.asarray(shallow.h2) == 0) and np.any(np.asarray(clipped.h2) != 0)
    assert alrnn.observation_map.shape == (3, 3)
    assert shallow.observation_map.shape == (0, 3)
    x = jnp.array([0.3, -1.2, 0.7])
    z = alrnn.init_state(x)
    np.testing.assert_allclose(z[:3], x)
    np.testing.assert_allclose(z[3:], alrnn.observation_map @ x, rtol=1e-6)
    np.testing.assert_allclose(alrnn.readout(z), x)


def test_plrnn_diagonal_gets_no_gradient(models):
    plrnn = models[1]
    grads = jax.grad(lambda m: jnp.sum(m.step(jnp.ones(6)) ** 2))(plrnn)
    assert np.all(np.diag(np.asarray(grads.W)) == 0)
    assert np.any(np.asarray(grads.W) != 0)


def test_bad_shapes():
    with pytest.raises(ValueError, match="num_relu"):
        ALRNN(3, 4, 2, key=jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="num_observed"):
        ALRNN(3, 1, 4, key=jax.random.PRNGKey(0))


def test_world_model_interface(models):
    alrnn = models[0]
    deterministic = ALRNNModel(alrnn)
    z = deterministic.initial_state(jnp.array([0.5, -0.5, 0.2]))
    following = deterministic.sample(jax.random.PRNGKey(0), z, 0)
    np.testing.assert_allclose(following, alrnn.step(z))
    assert float(deterministic.log_prob(z, 0, following)) == 0.0
    assert float(deterministic.log_prob(z, 0, following + 1.0)) == -np.inf
    states = deterministic.rollout(jax.random.PRNGKey(0), z, jnp.zeros(6, jnp.int32))
    np.testing.assert_allclose(states[-1], alrnn.generate(z, 6)[-1], rtol=1e-6)
    assert deterministic.observe(states).shape == (6, 3)

    noisy = ALRNNModel(alrnn, noise_std=0.3)
    draws = jax.vmap(lambda k: noisy.sample(k, z, 0))(
        jax.random.split(jax.random.PRNGKey(1), 4000)
    )
    np.testing.assert_allclose(draws.mean(0), alrnn.step(z), atol=0.03)
    np.testing.assert_allclose(draws.std(0), 0.3, atol=0.02)
    point = np.asarray(alrnn.step(z)) + 0.1
    expected = multivariate_normal(np.asarray(alrnn.step(z)), 0.09 * np.eye(6)).logpdf(
        point
    )
    assert float(noisy.log_prob(z, 0, jnp.asarray(point))) == pytest.approx(
        expected, rel=1e-5
    )


def test_world_model_rejects_bad_noise_and_rolls_out_action_free(models):
    alrnn = models[0]
    for bad in (float("nan"), float("inf"), -0.1):
        with pytest.raises(ValueError, match="noise_std must be finite and >= 0"):
            ALRNNModel(alrnn, noise_std=bad)
    model = ALRNNModel(alrnn, noise_std=0.2)
    z = model.initial_state(jnp.array([0.5, -0.5, 0.2]))
    key = jax.random.PRNGKey(3)
    by_steps = model.rollout(key, z, None, steps=5)
    assert by_steps.shape == (5, 6)
    np.testing.assert_array_equal(by_steps, model.rollout(key, z, jnp.zeros((5, 0))))
    with pytest.raises(ValueError, match="action-free model needs steps=T"):
        model.rollout(key, z, None)
    with pytest.raises(ValueError, match="steps=4 but actions have length 5"):
        model.rollout(key, z, jnp.zeros((5, 0)), steps=4)
    with pytest.raises(ValueError, match=r"latent vector of shape \(6,\).*\(3,\)"):
        model.sample(key, jnp.ones(3), None)
    with pytest.raises(ValueError, match=r"observation must have shape \(3,\)"):
        model.initial_state(jnp.ones(5))


def test_world_model_batch_sample_takes_no_actions(models):
    """``batch_sample(model, key, zs, None)`` draws one next state per row, as
    ``sample`` does row by row with the split keys."""
    from symworld.worldmodel import batch_sample

    model = ALRNNModel(models[0], noise_std=0.2)
    zs = jax.random.normal(jax.random.PRNGKey(4), (5, 6))
    key = jax.random.PRNGKey(5)
    batched = batch_sample(model, key, zs, None)
    assert batched.shape == (5, 6)
    keys = jax.random.split(key, 5)
    rows = jnp.stack([model.sample(k, z, None) for k, z in zip(keys, zs)])
    np.testing.assert_allclose(batched, rows, rtol=1e-5, atol=1e-6)


def test_world_model_batch_rollout_takes_no_actions(models):
    """``batch_rollout(model, key, zs, None, steps=T)`` rolls every row out as
    ``rollout`` does row by row with the split keys; without ``steps`` it says so."""
    from symworld.worldmodel import batch_rollout

    model = ALRNNModel(models[0], noise_std=0.2)
    zs = jax.random.normal(jax.random.PRNGKey(6), (3, 6))
    key = jax.random.PRNGKey(7)
    batched = batch_rollout(model, key, zs, None, steps=4)
    assert batched.shape == (3, 4, 6)
    keys = jax.random.split(key, 3)
    rows = jnp.stack([model.rollout(k, z, None, steps=4) for k, z in zip(keys, zs)])
    np.testing.assert_allclose(batched, rows, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="ALRNNModel.rollout: no actions"):
        batch_rollout(model, key, zs, None)


def test_load_model_takes_the_output_folder_or_the_stem(models, tmp_path):
    from symworld.alrnn.checkpoints import load_model, save_model

    alrnn = models[0]
    save_model(alrnn, tmp_path / "model")
    z = jnp.linspace(-1.0, 1.0, 6)
    for where in (tmp_path, tmp_path / "model", tmp_path / "model.json"):
        np.testing.assert_array_equal(load_model(where).step(z), alrnn.step(z))
    with pytest.raises(FileNotFoundError, match="no AL-RNN model at"):
        load_model(tmp_path / "elsewhere")
