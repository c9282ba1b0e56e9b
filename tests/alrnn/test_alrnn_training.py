"""Teacher-forced training: the loss against a NumPy rollout, alpha estimation,
decreasing loss, determinism, resume and divergence handling."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.alrnn.checkpoints import load_model, save_model
from symworld.alrnn.models import ALRNN, PLRNN, ShallowPLRNN
from symworld.alrnn.training import (
    TrainingConfig,
    estimate_alpha,
    forced_window_loss,
    learning_rate_schedule,
    train,
)

MODEL = {"num_latent": 6, "num_relu": 2, "num_observed": 3}
CONFIG = TrainingConfig.sparse(
    8,
    epochs=4,
    batches_per_epoch=10,
    batch_size=4,
    sequence_length=40,
    start_lr=1e-2,
    end_lr=5e-3,
    evaluate_every=2,
    evaluation_steps=500,
    transient=10,
    seed=7,
)


@pytest.fixture(scope="module")
def data(lorenz_pair):
    return lorenz_pair[0][:3000].astype(np.float32)


def numpy_forced_loss(model, window, alpha, interval):
    a, w, h = (np.asarray(v, np.float64) for v in (model.A, model.W, model.h))
    lmat = np.asarray(model.observation_map, np.float64)
    n, p = window.shape[1], model.num_relu
    z = np.concatenate([window[0], lmat @ window[0]])
    errors = []
    for t in range(1, len(window)):
        phi = z.copy()
        phi[-p:] = np.maximum(phi[-p:], 0)
        z = a * z + w @ phi + h
        errors.append((z[:n] - window[t]) ** 2)
        if t % interval == 0:
            z[:n] = (1 - alpha) * z[:n] + alpha * window[t]
    return np.mean(errors)


@pytest.mark.parametrize(
    "alpha,interval", [(1.0, 8), (0.5, 8), (0.3, 1), (0.0, 1), (1.0, 1)]
)
def test_forced_loss_matches_numpy(data, alpha, interval):
    model = ALRNN(6, 2, 3, key=jax.random.PRNGKey(1))
    window = data[100:141]
    ours = forced_window_loss(model, jnp.asarray(window), jnp.float32(alpha), interval)
    assert float(ours) == pytest.approx(
        numpy_forced_loss(model, window.astype(np.float64), alpha, interval), rel=1e-4
    )


def test_sparse_config_with_partial_forcing():
    config = TrainingConfig.sparse(16, 0.5, epochs=3)
    assert (config.forcing_interval, config.alpha, config.adaptive_alpha) == (
        16,
        0.5,
        False,
    )
    assert TrainingConfig.sparse(8).alpha == 1.0
    with pytest.raises(ValueError, match="alpha"):
        TrainingConfig.sparse(8, 1.5)


def test_replacement_blocks_gradient_through_forced_units(data):
    # alpha = 1 at every step: the carried observed units are data, so the loss is a
    # sum of terms each reaching back through the unobserved units only. Perturbing
    # a coupling from observed to observed units of step t-1 into step t then has
    # the same effect as in a one-step model fed with [x_{t-1}; carried rest].
    model = ALRNN(6, 2, 3, key=jax.random.PRNGKey(1))
    window = jnp.asarray(data[:30])

    @jax.jit
    def loss(m, alpha):
        return forced_window_loss(m, window, alpha, 1)

    grads_full = jax.jit(jax.grad(loss))(model, 1.0)
    eps = 1e-3
    import equinox as eqx

    bumped = eqx.tree_at(lambda m: m.W, model, model.W.at[0, 1].add(eps))
    numeric = (float(loss(bumped, 1.0)) - float(loss(model, 1.0))) / eps
    assert float(grads_full.W[0, 1]) == pytest.approx(numeric, rel=0.05, abs=1e-4)
    # alpha = 0 is the free run, whose gradient differs
    grads_free = jax.jit(jax.grad(loss))(model, 0.0)
    assert not np.allclose(np.asarray(grads_free.W), np.asarray(grads_full.W))


def numpy_jacobian(model, z):
    if isinstance(model, ALRNN):
        active = np.where(np.arange(len(z)) < model.num_linear, 1.0, (z > 0) * 1.0)
        return np.diag(np.asarray(model.A)) + np.asarray(model.W) * active[None, :]
    w1, w2 = np.asarray(model.W1), np.asarray(model.W2)
    gate = ((w2 @ z + np.asarray(model.h2)) > 0) * 1.0
    return np.diag(np.asarray(model.A)) + (w1 * gate[None, :]) @ w2


def test_estimate_alpha_matches_numpy(data):
    for model in (
        ALRNN(6, 2, 3, key=jax.random.PRNGKey(2)),
        ShallowPLRNN(3, 12, 3, key=jax.random.PRNGKey(2)),
    ):
        windows = data[:60].reshape(3, 20, 3)
        ours = float(jax.jit(estimate_alpha)(model, jnp.asarray(windows)))
        lmat = np.asarray(model.observation_map)
        norms = np.array(
            [
                [
                    np.linalg.norm(
                        numpy_jacobian(model, np.concatenate([x, lmat @ x])), 2
                    )
                    for x in window
                ]
                for window in windows
            ]
        )
        g = np.max(np.exp(np.mean(np.log(norms), axis=1)))
        assert ours == pytest.approx(max(0.0, 1 - 1 / g), abs=1e-5)


def test_learning_rate_decays_per_epoch():
    schedule = learning_rate_schedule(CONFIG)
    rate = (5e-3 / 1e-2) ** (1 / 4)
    assert float(schedule(0)) == pytest.approx(1e-2)
    assert float(schedule(9)) == pytest.approx(1e-2)
    assert float(schedule(10)) == pytest.approx(1e-2 * rate, rel=1e-5)
    assert float(schedule(10_000)) == pytest.approx(5e-3, rel=1e-5)


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    directory = tmp_path_factory.mktemp("straight")
    return train(
        data,
        model_config=MODEL,
        config=CONFIG,
        validation=data,
        checkpoint_dir=directory,
    )


def test_training_decreases_loss(data, trained, tmp_path):
    assert trained.epochs_completed == 4 and not trained.diverged
    assert [e.epoch for e in trained.evaluations] == [2, 4]
    assert all(np.isfinite(e.d_stsp) for e in trained.evaluations)
    assert trained.best_epoch in (2, 4)
    # 40 Adam steps on minibatches of 4 windows are too few for the epoch means to fall
    # reliably (seed 7 gave 0.659, 0.743, 0.729, 0.742 on a fresh install); over 80
    # steps they do: 0.659 -> 0.366 (seeds 8 and 9: 0.785 -> 0.609, 0.610 -> 0.463).
    longer = train(
        data,
        model_config=MODEL,
        config=dataclasses.replace(CONFIG, epochs=8),
        validation=data,
        checkpoint_dir=tmp_path,
    )
    assert longer.epochs_completed == 8 and not longer.diverged
    assert longer.losses[-1] < 0.9 * longer.losses[0]
    assert min(longer.losses[4:]) < min(longer.losses[:4])


def test_training_is_deterministic_and_resumable(data, trained, tmp_path):
    again = train(data, model_config=MODEL, config=CONFIG, validation=data)
    np.testing.assert_array_equal(again.losses, trained.losses)
    np.testing.assert_array_equal(
        np.asarray(again.model.W), np.asarray(trained.model.W)
    )
    first = train(
        data,
        model_config=MODEL,
        config=CONFIG,
        validation=data,
        checkpoint_dir=tmp_path,
        stop_at_epoch=2,
    )
    assert first.epochs_completed == 2
    resumed = train(
        data,
        model_config=MODEL,
        config=CONFIG,
        validation=data,
        checkpoint_dir=tmp_path,
        resume=True,
    )
    np.testing.assert_array_equal(resumed.losses, trained.losses)
    for name in ("A", "W", "h", "observation_map"):
        np.testing.assert_array_equal(
            np.asarray(getattr(resumed.model, name)),
            np.asarray(getattr(trained.model, name)),
        )
    with pytest.raises(ValueError, match="has another training_config"):
        train(
            data,
            model_config=MODEL,
            config=dataclasses.replace(CONFIG, seed=8),
            checkpoint_dir=tmp_path,
            resume=True,
        )


def test_divergence_keeps_last_good_model(data):
    config = dataclasses.replace(CONFIG, start_lr=1e4, end_lr=1e4, divergence_loss=1e3)
    result = train(data, model_config=MODEL, config=config)
    assert result.diverged
    assert "diverged in epoch" in result.message
    assert result.epochs_completed == 0
    initial = ALRNN(6, 2, 3, key=jax.random.split(jax.random.PRNGKey(7))[0])
    np.testing.assert_array_equal(np.asarray(result.model.W), np.asarray(initial.W))


def test_generalized_forcing_adapts_alpha(data):
    config = TrainingConfig.generalized(
        1.0,
        adaptive=True,
        epochs=1,
        batches_per_epoch=6,
        batch_size=4,
        sequence_length=30,
        evaluate_every=1,
        evaluation_steps=300,
        transient=10,
        alpha_decay=0.5,
    )
    result = train(data, model_config=MODEL, config=config)
    alpha = result.evaluations[-1].alpha
    assert 0.0 <= alpha < 1.0  # it decayed from 1 towards the Jacobian estimate
    assert np.all(np.isfinite(result.losses))


def test_model_files_round_trip(tmp_path):
    for model in (
        ALRNN(6, 2, 3, key=jax.random.PRNGKey(0)),
        PLRNN(6, 3, key=jax.random.PRNGKey(1)),
        ShallowPLRNN(3, 12, 3, clipped=True, key=jax.random.PRNGKey(2)),
    ):
        save_model(model, tmp_path / "m")
        loaded = load_model(tmp_path / "m.json")
        assert type(loaded) is type(model)
        for a, b in zip(
            jax.tree_util.tree_leaves(model),
            jax.tree_util.tree_leaves(loaded),
            strict=True,
        ):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    (tmp_path / "m.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_model(tmp_path / "m")


def test_bad_training_input(data):
    with pytest.raises(ValueError, match="num_observed"):
        train(data[:, :2], model_config=MODEL, config=CONFIG)
    with pytest.raises(ValueError, match="rows"):
        train(data[:20], model_config=MODEL, config=CONFIG)


def test_json_files_are_strict(tmp_path):
    import json

    from symworld.alrnn.checkpoints import atomic_write_json

    atomic_write_json(
        tmp_path / "r.json", {"d_stsp": float("nan"), "x": [np.float32(2)]}
    )
    assert json.loads((tmp_path / "r.json").read_text()) == {"d_stsp": None, "x": [2.0]}
    assert not list(tmp_path.glob(".r.json*"))  # no temporary left behind
