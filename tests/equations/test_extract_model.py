"""EquationModel: one-step dynamics, noise, log_prob, jit, files."""

import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs import chaos
from symworld.equations.model import EquationModel, load_model, save_model
from symworld.worldmodel import batch_log_prob

LORENZ = {"x": "10*(y - x)", "y": "x*(28 - z) - y", "z": "x*y - 8*z/3"}


@pytest.fixture(scope="module")
def lorenz_model():
    return EquationModel(
        LORENZ, ["x", "y", "z"], kind="derivative", dt=0.01, substeps=4
    )


def test_extract_model_rk4_step_matches_the_integrator(lorenz_model):
    _, states = chaos.integrate("Lorenz", num_steps=301, dt=0.01)
    with jax.enable_x64(True):
        model = EquationModel(LORENZ, ["x", "y", "z"], dt=0.01, substeps=4)
        step = jax.jit(jax.vmap(lambda s: model.mean(s, jnp.zeros(0))))
        predicted = np.asarray(step(jnp.asarray(states[:-1])))
    error = np.abs(predicted - states[1:]).max()
    assert error < 1e-6  # RK4 with h = 0.0025: local error ~ h^5


def test_extract_model_delta_and_next_kinds():
    delta = EquationModel({"v": "0.75*s + 0.15*u"}, ["v"], ["s", "u"], kind="delta")
    with pytest.raises(ValueError, match="no equation for state variable"):
        EquationModel({"v": "s"}, ["v", "s"], kind="delta")
    with pytest.raises(ValueError, match=r"uses \['w'\]"):
        EquationModel({"v": "w"}, ["v"], kind="next")
    assert float(
        delta.rhs(jnp.array([1.0]), jnp.array([0.0, 2.0]))[0]
    ) == pytest.approx(0.3)
    mapped = EquationModel({"v": "v/2 + u"}, ["v"], ["u"], kind="next")
    assert float(mapped.mean(jnp.array([4.0]), jnp.array([1.0]))[0]) == 3.0


def test_extract_model_noise_log_prob_and_jit(lorenz_model):
    model = EquationModel({"v": "v + u"}, ["v"], ["u"], kind="next")
    states = np.array([[0.0], [1.0], [2.0], [3.0]])
    actions = np.array([[1.0], [1.0], [0.0], [0.0]])
    following = states[:, 0] + actions[:, 0] + np.array([0.1, -0.1, 0.1, -0.1])
    fitted = model.fit_noise(states, actions, following[:, None])
    assert float(fitted.noise_std[0]) == pytest.approx(0.1, rel=1e-5)
    expected = -0.5 * 1.0 - math.log(0.1) - 0.5 * math.log(2 * math.pi)
    scores = batch_log_prob(
        fitted,
        jnp.asarray(states),
        jnp.asarray(actions),
        jnp.asarray(following[:, None]),
    )
    np.testing.assert_allclose(scores, expected, rtol=1e-5)
    draws = jax.jit(
        lambda m, k: jax.vmap(
            lambda kk: m.sample(kk, jnp.array([0.0]), jnp.array([1.0]))
        )(jax.random.split(k, 4000))
    )(fitted, jax.random.key(0))
    assert float(jnp.mean(draws)) == pytest.approx(1.0, abs=0.01)
    assert float(jnp.std(draws)) == pytest.approx(0.1, rel=0.05)
    path = jax.jit(lambda m, k, s, a: m.rollout(k, s, a))(
        lorenz_model, jax.random.key(1), jnp.array([1.0, 1.0, 1.0]), jnp.zeros((7, 0))
    )
    assert path.shape == (7, 3)


def test_extract_model_files_round_trip(tmp_path, lorenz_model):
    model = lorenz_model.fit_noise(
        np.array([[1.0, 2.0, 3.0]]), None, np.array([[1.2, 2.1, 2.9]])
    )
    save_model(model, tmp_path)
    text = (tmp_path / "equations.txt").read_text()
    assert "dx/dt = -10*x + 10*y" in text
    record = json.loads((tmp_path / "model.json").read_text())
    assert (
        record["format"] == "symworld.EquationModel" and record["kind"] == "derivative"
    )
    again = load_model(tmp_path)
    assert again.expressions == model.expressions
    np.testing.assert_allclose(again.noise_std, model.noise_std)
    state = jnp.array([1.0, -2.0, 20.0])
    np.testing.assert_allclose(
        again.mean(state, jnp.zeros(0)), model.mean(state, jnp.zeros(0)), rtol=1e-6
    )
    (tmp_path / "model.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_model(tmp_path)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"noise_std": [float("nan")]}, "noise_std must be finite and >= 0"),
        ({"noise_std": [-1.0]}, "noise_std must be finite and >= 0"),
        ({"noise_std": [0.1, 0.2, 0.3]}, r"noise_std must have shape \(1,\)"),
        ({"dt": float("inf")}, "dt must be finite and positive, got inf"),
        ({"dt": float("nan")}, "dt must be finite and positive, got nan"),
        ({"substeps": 0}, "substeps must be an integer >= 1, got 0"),
        ({"substeps": -2}, "substeps must be an integer >= 1, got -2"),
        ({"substeps": 1.5}, "substeps must be an integer >= 1, got 1.5"),
    ],
)
def test_extract_model_rejects_bad_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        EquationModel({"x": "-x + u"}, ["x"], ["u"], **settings)


def test_extract_model_rejects_clashing_names_and_wrong_action_size():
    with pytest.raises(ValueError, match=r"state_names repeats \['x'\]"):
        EquationModel({"x": "-x"}, ["x", "x"])
    with pytest.raises(ValueError, match=r"action_names repeats \['u'\]"):
        EquationModel({"x": "-x"}, ["x"], ["u", "u"])
    with pytest.raises(ValueError, match=r"\['x'\] are both state_names and action"):
        EquationModel({"x": "-x"}, ["x"], ["x"])
    model = EquationModel({"x": "-x + u"}, ["x"], ["u"], kind="delta")
    assert float(model.mean(jnp.ones(1), 2.0)[0]) == 2.0
    with pytest.raises(ValueError, match=r"action has 2 value\(s\) but the model"):
        model.mean(jnp.ones(1), jnp.ones(2))
    with pytest.raises(ValueError, match=r"state must have shape \(1,\).*\(3,\)"):
        model.mean(jnp.ones(3), 1.0)
    with pytest.raises(ValueError, match=r"next_state must have shape \(1,\)"):
        model.log_prob(jnp.ones(1), 1.0, jnp.ones(2))
