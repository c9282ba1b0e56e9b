"""Benchmark: chaotic-flow integration (ours vs dysts) and sparse regression (ours vs
pysindy), measured in the same run.

Run: ``python benchmarks/chaos_and_sparse.py [--points 10000]``. Prints a table with
wall times, the ratio to the peer and an accuracy column.

- Integration: Lorenz-63 from its published initial condition, ``--points`` samples at
  dt = 0.01. Ours: diffrax Tsit5, rtol = atol = 1e-10, float64 (first call includes
  compilation; the second is the steady state). Peer: dysts ``make_trajectory`` with
  ``method="DOP853"``, rtol = atol = 1e-10, no resampling (dysts' default Radau at
  1e-12 takes minutes for 10k points). Accuracy: largest deviation between the two over
  the first 3 time units, relative to the attractor's standard deviation.
- Sparse regression: Lorenz-63, 1% noise, 2 x 5000 samples, five-point finite
  differences; degree-2 polynomial library. Ours: ``SparseRegressor`` (60-threshold
  STLSQ path + Pareto front + selection). Peer: pysindy ``STLSQ(threshold=0.1)`` (one
  threshold). Accuracy: exact recovery (same terms, constants within 2%).
"""

from __future__ import annotations

import argparse
import time
import warnings

import jax
import numpy as np
import sympy

from symworld.envs import chaos
from symworld.equations.derivatives import time_derivative
from symworld.equations.sparse import CandidateLibrary, SparseRegressor


def timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def integration_rows(points: int) -> list[tuple]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import dysts.flows

        system = chaos.get_system("Lorenz")
        model = dysts.flows.Lorenz(parameters=dict(system.parameters))
        model.dt = 0.01
        theirs, peer_seconds = timed(
            lambda: model.make_trajectory(
                points, resample=False, method="DOP853", rtol=1e-10, atol=1e-10
            )
        )
    (_, ours), first = timed(lambda: chaos.integrate(system, num_steps=points, dt=0.01))
    (_, ours), steady = timed(
        lambda: chaos.integrate(system, num_steps=points, dt=0.01)
    )
    horizon = min(points, 301)
    deviation = np.abs(ours[:horizon] - theirs[:horizon]).max(axis=0)
    relative = float((deviation / np.asarray(system.scale)).max())
    return [
        (
            f"Lorenz {points} pts",
            "ours (1st call, compiles)",
            first,
            first / peer_seconds,
            f"{relative:.1e}",
        ),
        (f"Lorenz {points} pts", "ours (steady)", steady, steady / peer_seconds, ""),
        (f"Lorenz {points} pts", "dysts DOP853", peer_seconds, 1.0, ""),
    ]


def recovered(expressions) -> bool:
    x, y, z = sympy.symbols("x y z", real=True)
    truth = chaos.get_system("Lorenz").sympy_equations()
    for found, name in zip(expressions, "xyz", strict=True):
        got = sympy.Poly(sympy.expand(found), x, y, z).as_dict()
        want = sympy.Poly(truth[name], x, y, z).as_dict()
        if set(got) != set(want):
            return False
        if any(abs(float(got[k]) / float(want[k]) - 1) > 0.02 for k in want):
            return False
    return True


def sparse_rows() -> list[tuple]:
    data = chaos.simulate(
        "Lorenz",
        key=jax.random.key(0),
        num_steps=5000,
        dt=0.01,
        noise=0.01,
        num_episodes=2,
    )
    states = data.states.reshape(-1, 3)
    episode = np.repeat([0, 1], 5000)
    derivatives = time_derivative(
        states, np.tile(data.times, 2), episode=episode, accuracy=4
    )
    library = CandidateLibrary(degree=2, trigonometric=False)
    ours = SparseRegressor(library=library)
    _, first = timed(
        lambda: ours.fit(states, derivatives, variable_names=["x", "y", "z"])
    )
    _, steady = timed(
        lambda: ours.fit(states, derivatives, variable_names=["x", "y", "z"])
    )
    ours_ok = recovered(ours.sympy())

    import pysindy as ps

    x, y, z = sympy.symbols("x y z", real=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = ps.SINDy(
            optimizer=ps.STLSQ(threshold=0.1),
            feature_library=ps.PolynomialLibrary(degree=2),
        )
        _, peer_seconds = timed(
            lambda: peer.fit(
                states, t=0.01, x_dot=derivatives, feature_names=["x", "y", "z"]
            )
        )
    features = [
        sympy.sympify(
            f.replace("^", "**").replace(" ", "*"), locals={"x": x, "y": y, "z": z}
        )
        for f in peer.get_feature_names()
    ]
    theirs = [
        sum(c * f for c, f in zip(row, features, strict=True))
        for row in peer.coefficients()
    ]
    peer_ok = recovered(theirs)
    return [
        (
            "Lorenz sparse 1% noise",
            "ours (1st fit, compiles)",
            first,
            first / peer_seconds,
            "exact" if ours_ok else "NOT exact",
        ),
        ("Lorenz sparse 1% noise", "ours (steady)", steady, steady / peer_seconds, ""),
        (
            "Lorenz sparse 1% noise",
            "pysindy STLSQ(0.1)",
            peer_seconds,
            1.0,
            "exact" if peer_ok else "NOT exact",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    args = parser.parse_args()
    rows = integration_rows(args.points) + sparse_rows()
    print(f"{'task':26s} {'engine':28s} {'seconds':>9s} {'ratio':>7s}  accuracy")
    for task, engine, seconds, ratio, accuracy in rows:
        print(f"{task:26s} {engine:28s} {seconds:9.2f} {ratio:7.2f}  {accuracy}")


if __name__ == "__main__":
    main()
