"""Derivative estimators and regression targets: values and bad input."""

import numpy as np
import pytest

from symworld.equations.derivatives import DerivativeError, time_derivative
from symworld.equations.targets import (
    TargetError,
    derivative_targets,
    next_step_targets,
)
from symworld.trajectory import Trajectory


def trajectory(state, time=None, action=None, episode=None, metadata=None):
    rows = len(next(iter(state.values())))
    episode = np.zeros(rows, dtype=np.int64) if episode is None else episode
    step = np.concatenate(
        [np.arange(c) for c in np.unique(episode, return_counts=True)[1]]
    )
    return Trajectory(
        episode=np.asarray(episode),
        step=step,
        state={k: np.asarray(v, float) for k, v in state.items()},
        action={k: np.asarray(v, float) for k, v in (action or {}).items()},
        reward=np.zeros(rows),
        terminated=np.zeros(rows, bool),
        truncated=np.zeros(rows, bool),
        time=None if time is None else np.asarray(time, float),
        metadata=metadata or {},
    )


def test_extract_finite_difference_stencils_by_hand():
    t = np.linspace(0.0, 1.0, 11)
    f = t**3
    d = time_derivative(f, t)
    h = 0.1
    assert d[0] == pytest.approx((-3 * f[0] + 4 * f[1] - f[2]) / (2 * h), abs=1e-12)
    assert d[5] == pytest.approx((f[6] - f[4]) / (2 * h), abs=1e-12)
    assert d[-1] == pytest.approx((3 * f[-1] - 4 * f[-2] + f[-3]) / (2 * h), abs=1e-12)
    # second order: exact on quadratics, also on a non-uniform grid
    u = np.array([0.0, 0.1, 0.25, 0.3, 0.6, 0.65, 1.0])
    np.testing.assert_allclose(time_derivative(u**2 - u, u), 2 * u - 1, atol=1e-12)
    # fourth order: exact on quartics
    np.testing.assert_allclose(
        time_derivative(u**4, u, accuracy=4), 4 * u**3, atol=1e-10
    )


@pytest.mark.parametrize(
    "method, options, tolerance",
    [
        ("finite_difference", {}, 2e-3),
        ("finite_difference", {"accuracy": 4}, 2e-6),
        ("savgol", {"window": 9, "order": 4}, 2e-4),
        ("spline", {"smoothing": 1e-12}, 2e-5),
        ("spline", {}, 5e-5),
    ],
)
def test_extract_derivatives_of_a_sine_per_episode(method, options, tolerance):
    t = np.linspace(0.0, 2.0, 201)
    time = np.concatenate([t, t + 5.0])
    episode = np.repeat([0, 1], 201)
    values = np.stack([np.sin(3 * time), np.exp(-time)], axis=1)
    truth = np.stack([3 * np.cos(3 * time), -np.exp(-time)], axis=1)
    estimate = time_derivative(values, time, episode=episode, method=method, **options)
    error = np.abs(estimate - truth)
    assert error.max() < tolerance * 3


def test_extract_derivatives_do_not_cross_episodes():
    # two episodes whose values jump at the boundary: a stencil across it would see it
    time = np.concatenate([np.arange(5.0), np.arange(5.0)])
    values = np.concatenate([2.0 * np.arange(5.0), 100 - 3.0 * np.arange(5.0)])
    d = time_derivative(values, time, episode=np.repeat([0, 1], 5))
    np.testing.assert_allclose(d, np.repeat([2.0, -3.0], 5), atol=1e-12)


def test_extract_derivative_bad_input_errors():
    t = np.arange(10.0)
    with pytest.raises(DerivativeError, match=r"column 'x', row 3: value nan"):
        time_derivative(np.where(t == 3, np.nan, t), t, names=["x"])
    with pytest.raises(DerivativeError, match=r"episode 1, row 10: has a single row"):
        time_derivative(
            np.arange(11.0), np.arange(11.0), episode=np.r_[np.zeros(10), 1]
        )
    with pytest.raises(DerivativeError, match="needs at least 5 samples per episode"):
        time_derivative(t[:4], t[:4], accuracy=4)
    with pytest.raises(DerivativeError, match="at least 7 samples"):
        time_derivative(t[:6], t[:6], method="savgol")
    with pytest.raises(DerivativeError, match=r"column 'time', episode 0, row 4"):
        time_derivative(t, np.r_[0.0, 1, 2, 3, 3, 5, 6, 7, 8, 9])
    with pytest.raises(DerivativeError, match="uniform time step"):
        time_derivative(t, t**1.5, method="savgol")
    with pytest.raises(DerivativeError, match="unknown method"):
        time_derivative(t, t, method="magic")


def test_extract_derivative_targets_from_a_trajectory():
    t = np.linspace(0, 1, 50)
    traj = trajectory({"x": np.sin(t), "y": t**2}, time=t, action={"u": np.cos(t)})
    targets = derivative_targets(traj, state="x,y", action=["u"])
    assert targets.kind == "derivative"
    assert targets.input_names == ["x", "y", "u"]
    assert targets.inputs.shape == (49, 3)  # the last row has no action
    np.testing.assert_allclose(targets.targets[:, 1], 2 * t[:-1], atol=1e-12)
    assert targets.dt == pytest.approx(1 / 49)


def test_extract_target_bad_input_errors():
    t = np.linspace(0, 1, 20)
    traj = trajectory({"x": np.sin(t), "c": np.ones(20)}, time=t)
    with pytest.raises(TargetError, match="no state column 'w'; the state columns are"):
        derivative_targets(traj, state=["x", "w"])
    with pytest.raises(TargetError, match="column 'c' is constant"):
        derivative_targets(traj)
    with pytest.raises(TargetError, match="need a time column"):
        derivative_targets(trajectory({"x": np.sin(t)}))
    nan = trajectory({"x": np.where(t > 0.5, np.nan, t)}, time=t)
    with pytest.raises(
        TargetError, match=r"column 'x', row 10: value nan is not finite"
    ):
        derivative_targets(nan)
    single = trajectory(
        {"x": np.arange(3.0)}, time=np.arange(3.0), episode=np.arange(3)
    )
    with pytest.raises(TargetError, match="has a single row"):
        derivative_targets(single)
    with pytest.raises(TargetError, match="no transitions"):
        next_step_targets(single)


def test_extract_next_step_targets_and_pendulum_clip():
    theta_dot = np.array([7.0, 7.9, 8.0, 6.0, -8.0, -7.5])
    traj = trajectory(
        {"theta_dot": theta_dot},
        action={"action": np.arange(6.0)},
        metadata={"env_id": "Pendulum-v1"},
    )
    targets = next_step_targets(traj)
    # transitions into 8.0 and -8.0 are clipped ones: rows 1 and 3 are dropped
    np.testing.assert_array_equal(targets.rows, [0, 2, 4])
    assert targets.dropped == 2
    np.testing.assert_allclose(targets.targets[:, 0], [0.9, -2.0, 0.5])
    np.testing.assert_allclose(targets.inputs, [[7.0, 0.0], [8.0, 2.0], [-8.0, 4.0]])
    kept = next_step_targets(traj, clip={}, delta=False)
    assert kept.kind == "next" and kept.dropped == 0
    np.testing.assert_allclose(kept.targets[:, 0], theta_dot[1:])
