"""Chaotic flows: vector fields and trajectories cross-checked against dysts."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy

from symworld.envs import chaos
from symworld.trajectory import Trajectory

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import dysts.flows

STEPS = 301  # one compiled solver shape shared by the tests below


def dysts_model(system):
    return getattr(dysts.flows, system.name)(parameters=dict(system.parameters))


def test_chaos_ships_lorenz_rossler_and_at_least_ten_more():
    names = chaos.list_systems()
    assert names[:2] == ["Lorenz", "Rossler"]
    assert len(names) >= 12
    assert chaos.get_system("lorenz") is chaos.SYSTEMS["Lorenz"]


@pytest.mark.parametrize("name", chaos.list_systems())
def test_chaos_vector_field_matches_dysts(name):
    system = chaos.get_system(name)
    model = dysts_model(system)
    rng = np.random.default_rng(0)
    points = np.asarray(system.initial_condition) + rng.normal(
        size=(5, system.dimension)
    ) * np.asarray(system.scale)
    with jax.enable_x64(True):
        params = jnp.asarray(system.parameter_vector())
        ours = np.stack(
            [np.asarray(system.vector_field(jnp.asarray(p), params)) for p in points]
        )
    theirs = np.stack([np.asarray(model.rhs(p, 0.0), dtype=float) for p in points])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-9)


def test_chaos_published_parameters_match_dysts():
    for system in chaos.SYSTEMS.values():
        published = getattr(dysts.flows, system.name)()
        for name, value in system.parameters:
            theirs = float(getattr(published, name))
            if (system.name, name) == ("Lorenz", "beta"):
                assert value == pytest.approx(8 / 3) and theirs == pytest.approx(2.667)
            else:
                assert value == pytest.approx(theirs, rel=1e-9), (system.name, name)
        np.testing.assert_allclose(system.initial_condition, published.ic, rtol=1e-9)


@pytest.mark.parametrize("name", ["Lorenz", "Rossler"])
def test_chaos_trajectory_matches_dysts(name):
    system = chaos.get_system(name)
    dt = 0.01
    model = dysts_model(system)
    model.dt = dt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times, theirs = model.make_trajectory(
            STEPS,
            resample=False,
            method="DOP853",
            rtol=1e-12,
            atol=1e-12,
            return_times=True,
        )
    ours_times, ours = chaos.integrate(system, num_steps=STEPS, dt=dt)
    np.testing.assert_allclose(ours_times, times, atol=1e-12)
    error = np.abs(ours - theirs).max(axis=0) / np.asarray(system.scale)
    assert error.max() < 1e-6, error


def test_chaos_lorenz_sympy_equations():
    equations = chaos.get_system("Lorenz").sympy_equations()
    x, y, z = sympy.symbols("x y z", real=True)
    expected = {
        "x": -10 * x + 10 * y,
        "y": 28 * x - x * z - y,
        "z": x * y - sympy.Rational(8, 3) * z,
    }
    for name, expression in expected.items():
        difference = sympy.expand(equations[name] - expression)
        coefficients = sympy.Poly(difference, x, y, z).coeffs()
        assert max(abs(float(c)) for c in coefficients) < 1e-12, name


@pytest.fixture(scope="module")
def lorenz_data():
    return chaos.simulate(
        "Lorenz",
        key=jax.random.key(3),
        num_steps=STEPS,
        dt=0.01,
        num_episodes=2,
        noise=0.05,
    )


def test_chaos_same_key_same_bits_other_key_other_data(lorenz_data):
    again = chaos.simulate(
        "Lorenz",
        key=jax.random.key(3),
        num_steps=STEPS,
        dt=0.01,
        num_episodes=2,
        noise=0.05,
    )
    np.testing.assert_array_equal(again.states, lorenz_data.states)
    other = chaos.simulate(
        "Lorenz",
        key=jax.random.key(4),
        num_steps=STEPS,
        dt=0.01,
        num_episodes=2,
        noise=0.05,
    )
    assert not np.allclose(other.initial_conditions, lorenz_data.initial_conditions)


def test_chaos_noise_is_relative_to_each_variables_spread(lorenz_data):
    residual = lorenz_data.states - lorenz_data.clean
    spread = lorenz_data.clean.reshape(-1, 3).std(axis=0)
    np.testing.assert_allclose(lorenz_data.noise_std, 0.05 * spread)
    measured = residual.reshape(-1, 3).std(axis=0) / spread
    np.testing.assert_allclose(measured, 0.05, rtol=0.1)


def test_chaos_clean_samples_solve_the_ode(lorenz_data):
    system = chaos.get_system("Lorenz")
    clean = lorenz_data.clean[0]
    # central differences of the clean samples against the vector field
    derivative = (clean[2:] - clean[:-2]) / (2 * lorenz_data.dt)
    with jax.enable_x64(True):
        params = jnp.asarray(system.parameter_vector())
        field = np.asarray(
            jax.vmap(lambda s: system.vector_field(s, params))(clean[1:-1])
        )
    relative = np.abs(derivative - field).mean() / np.abs(field).mean()
    assert relative < 5e-3


def test_chaos_transient_is_removed():
    _, full = chaos.integrate("Lorenz", num_steps=STEPS, dt=0.01)
    start = full[100]
    _, tail = chaos.integrate("Lorenz", num_steps=STEPS, dt=0.01, transient=1.0)
    np.testing.assert_allclose(tail[0], start, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(tail[:201], full[100:], rtol=1e-5, atol=1e-5)


def test_chaos_standardize_and_trajectory_columns():
    traj = chaos.trajectory(
        "Lorenz",
        key=jax.random.key(0),
        num_steps=STEPS,
        dt=0.01,
        num_episodes=2,
        standardize=True,
    )
    assert isinstance(traj, Trajectory)
    assert list(traj.state) == ["x", "y", "z"]
    assert traj.num_episodes == 2 and traj.num_rows == 2 * STEPS
    matrix = traj.state_matrix(["x", "y", "z"])
    np.testing.assert_allclose(matrix.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(matrix.std(axis=0), 1.0, rtol=1e-10)
    np.testing.assert_allclose(traj.time[:STEPS], 0.01 * np.arange(STEPS))
    assert traj.metadata["system"] == "Lorenz"
    assert traj.metadata["standardized"] is True
    assert traj.transitions().state["x"].shape == (2 * (STEPS - 1),)


def test_chaos_bad_input_is_refused():
    with pytest.raises(ValueError, match="unknown chaotic system"):
        chaos.get_system("Lorenz99")
    with pytest.raises(ValueError, match="has no parameter 'gamma'"):
        chaos.integrate("Lorenz", num_steps=STEPS, parameters={"gamma": 1.0})
    with pytest.raises(ValueError, match="3 variables"):
        chaos.integrate("Lorenz", np.zeros(4), num_steps=STEPS)
    with pytest.raises(ValueError, match="num_steps"):
        chaos.integrate("Lorenz", num_steps=1)


def test_chaos_parameter_override_changes_the_flow():
    _, published = chaos.integrate("Lorenz", num_steps=STEPS, dt=0.01)
    _, damped = chaos.integrate(
        "Lorenz", num_steps=STEPS, dt=0.01, parameters={"rho": 0.5}
    )
    # below rho = 1 the origin attracts every trajectory
    assert np.abs(damped[-1]).max() < 0.1 * np.abs(published).max()
