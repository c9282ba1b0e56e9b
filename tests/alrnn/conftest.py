"""Shared fixtures of the AL-RNN tests: small Lorenz-63 samples from scipy."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp


def lorenz_field(t, s):
    x, y, z = s
    return [10.0 * (y - x), x * (28.0 - z) - y, x * y - 8.0 / 3.0 * z]


def lorenz_series(steps: int, start, dt: float = 0.01) -> np.ndarray:
    """``(steps, 3)`` Lorenz-63 samples every ``dt`` after 20 time units."""
    times = 20.0 + dt * np.arange(steps)
    solution = solve_ivp(
        lorenz_field, (0.0, times[-1]), start, t_eval=times, rtol=1e-7, atol=1e-7
    )
    return solution.y.T


@pytest.fixture(scope="session")
def lorenz_pair():
    """Two independent z-scored Lorenz-63 series of 20,000 steps (dt 0.01)."""
    first = lorenz_series(20_000, [1.0, 1.0, 20.0])
    second = lorenz_series(20_000, [-3.0, 2.0, 25.0])
    mean, std = first.mean(axis=0), first.std(axis=0)
    return (first - mean) / std, (second - mean) / std
