"""Symbolic analysis on hand-built AL-RNNs whose regions, fixed points and cycles are
known in closed form."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy

from symworld.alrnn.analysis import find_cycles, fixed_points, region_fixed_point
from symworld.alrnn.models import ALRNN
from symworld.alrnn.symbolic import (
    dwell_times,
    jump_graph,
    region_conditions,
    region_equations,
    region_shares,
    step_graph,
    symbol_sequence,
    topological_entropy,
    transition_matrix,
)


def hand_model(a, w, h, num_relu, num_observed) -> ALRNN:
    model = ALRNN(len(a), num_relu, num_observed, key=jax.random.PRNGKey(0))
    return eqx.tree_at(
        lambda m: (m.A, m.W, m.h),
        model,
        (
            jnp.asarray(a, jnp.float32),
            jnp.asarray(w, jnp.float32),
            jnp.asarray(h, jnp.float32),
        ),
    )


@pytest.fixture(scope="module")
def bistable():
    """z0 linear (observed), z1 and z2 rectified; J is upper triangular in every
    region, with diagonal (0.9, 0.5 + s1, 0.2 + 1.6 s2)."""
    a = [0.9, 0.5, 0.2]
    w = [[0.0, 0.3, -0.2], [0.0, 1.0, 0.0], [0.0, 0.0, 1.6]]
    h = [0.1, -1.0, -0.4]
    return hand_model(a, w, h, num_relu=2, num_observed=1)


def expected_fixed_point(symbol):
    s1, s2 = (int(c) for c in symbol)
    z1 = -1.0 / (1 - (0.5 + s1))
    z2 = -0.4 / (1 - (0.2 + 1.6 * s2))
    z0 = (0.1 + 0.3 * s1 * z1 - 0.2 * s2 * z2) / (1 - 0.9)
    return np.array([z0, z1, z2])


def test_fixed_points_real_and_unstable_counts(bistable):
    points = {p.symbol: p for p in fixed_points(bistable)}
    assert sorted(points) == ["00", "01", "10", "11"]
    unstable = {"00": 0, "01": 1, "10": 1, "11": 2}
    for symbol, point in points.items():
        np.testing.assert_allclose(
            point.latent, expected_fixed_point(symbol), rtol=1e-5, atol=1e-6
        )
        assert point.real
        assert point.unstable_directions == unstable[symbol]
        diagonal = [0.9, 0.5 + int(symbol[0]), 0.2 + 1.6 * int(symbol[1])]
        np.testing.assert_allclose(
            sorted(abs(point.eigenvalues)), sorted(diagonal), 1e-5
        )
        # the fixed point is one of the map
        np.testing.assert_allclose(
            bistable.step(jnp.asarray(point.latent, jnp.float32)),
            point.latent,
            atol=1e-5,
        )


def test_virtual_fixed_point():
    # region 1 of z' = 0.5 z + relu(z) - ... has its fixed point at z1 = -2 < 0: virtual
    model = hand_model([0.5, 0.5], [[0.0, 1.0], [0.0, 0.0]], [1.0, -1.0], 1, 1)
    left = region_fixed_point(model, "0")
    right = region_fixed_point(model, "1")
    np.testing.assert_allclose(left.latent, [2.0, -2.0], rtol=1e-6)
    np.testing.assert_allclose(right.latent, [-2.0, -2.0], rtol=1e-6)
    assert left.real and not right.real
    assert left.unstable_directions == right.unstable_directions == 0


def test_region_equations_exact(bistable):
    equations = region_equations(bistable, "10")
    z0, z1, z2 = sympy.symbols("z0:3")
    x0 = sympy.Symbol("x0")
    expected_latent = [0.9 * z0 + 0.3 * z1 + 0.1, 1.5 * z1 - 1.0, 0.2 * z2 - 0.4]
    for eq, rhs in zip(equations["latent"], expected_latent, strict=True):
        assert abs(sympy.expand(eq.rhs - rhs).subs({z0: 1, z1: 2, z2: 3})) < 1e-6
        assert sympy.expand(eq.rhs - rhs).free_symbols <= {z0, z1, z2}
        difference = sympy.Poly(sympy.expand(eq.rhs - rhs), z0, z1, z2)
        assert all(abs(c) < 1e-6 for c in difference.coeffs())
    (observation,) = equations["observation"]
    assert str(observation.lhs) == "x0'"
    difference = sympy.Poly(
        sympy.expand(observation.rhs - (0.9 * x0 + 0.3 * z1 + 0.1)), x0, z1
    )
    assert all(abs(c) < 1e-6 for c in difference.coeffs())
    assert [str(c) for c in region_conditions(bistable, "10")] == ["z1 > 0", "z2 <= 0"]


def test_two_cycle_of_a_piecewise_linear_map():
    # f(z) = 1 + 0.5 z (z <= 0), 1 - 3 z (z > 0): 2-cycle (-0.8, 0.6), one unstable
    # direction (slope product -1.5); the left fixed point (z = 2) is virtual and the
    # right one (z = 0.25) real
    model = hand_model([0.5], [[-3.5]], [1.0], 1, 1)
    (cycle,) = find_cycles(model, 2)
    assert cycle.symbols == ("0", "1")
    np.testing.assert_allclose(cycle.latent[:, 0], [-0.8, 0.6], rtol=1e-6)
    assert cycle.unstable_directions == 1
    np.testing.assert_allclose(cycle.eigenvalues, [-1.5], rtol=1e-6)
    (searched,) = find_cycles(model, 2, max_sequences=1, restarts=5, iterations=10)
    assert searched.symbols == ("0", "1")
    real = [p.symbol for p in fixed_points(model) if p.real]
    assert real == ["1"]
    assert [c.symbols for c in find_cycles(model, 1)] == [("1",)]


def test_graphs_from_a_known_sequence():
    symbols = list("0001101110")
    shares = region_shares(symbols)
    assert shares == {"0": 0.5, "1": 0.5}
    steps = step_graph(symbols)
    # transitions: 00 x2, 01 x2, 11 x3, 10 x2 (9 pairs); leaving 0: 4, leaving 1: 5
    matrix = transition_matrix(steps, ["0", "1"])
    np.testing.assert_allclose(matrix, [[2 / 4, 2 / 4], [2 / 5, 3 / 5]])
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    jumps = jump_graph(symbols)
    assert not any(a == b for a, b in jumps.edges)
    assert jumps.edges["0", "1"]["count"] == 2 and jumps.edges["1", "0"]["count"] == 2
    dwell = dwell_times(symbols)
    assert dwell["0"].tolist() == [3, 1, 1] and dwell["1"].tolist() == [2, 3]
    assert steps.nodes["1"]["mean_dwell"] == 2.5
    assert topological_entropy(jumps) == pytest.approx(0.0)
    assert topological_entropy(steps) == pytest.approx(np.log(2))


def test_symbol_sequence_of_states(bistable):
    states = np.array([[0.0, 1.0, -1.0], [5.0, -0.1, 0.2], [0.0, 0.0, 0.0]])
    assert symbol_sequence(bistable, states) == ["10", "01", "00"]
