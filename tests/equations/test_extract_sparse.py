"""Sparse regression: exact recovery, the Pareto front, and pysindy as the peer."""

import warnings

import jax
import numpy as np
import pytest
import sympy

from symworld.envs import chaos
from symworld.equations.derivatives import time_derivative
from symworld.equations.sparse import CandidateLibrary, SparseRegressor

x, y, z = sympy.symbols("x y z", real=True)
LORENZ = {
    "x": -10 * x + 10 * y,
    "y": 28 * x - x * z - y,
    "z": x * y - sympy.Rational(8, 3) * z,
}


def coefficients(expression, symbols):
    return {
        monomial: float(value)
        for monomial, value in sympy.Poly(expression, *symbols).as_dict().items()
    }


def assert_same_equation(found, truth, symbols, rtol):
    got, want = coefficients(found, symbols), coefficients(truth, symbols)
    assert set(got) == set(want), f"{found} has other terms than {truth}"
    for monomial, value in want.items():
        assert got[monomial] == pytest.approx(value, rel=rtol), (found, truth)


@pytest.fixture(scope="module")
def clean_lorenz():
    data = chaos.simulate(
        "Lorenz", key=jax.random.key(1), num_steps=3000, dt=0.002, transient=5.0
    )
    states = data.states[0]
    return states, time_derivative(states, data.times, accuracy=4)


def test_extract_sparse_recovers_clean_lorenz(clean_lorenz):
    states, derivatives = clean_lorenz
    model = SparseRegressor(library=CandidateLibrary(degree=2, trigonometric=False))
    model.fit(states, derivatives, variable_names=["x", "y", "z"])
    for found, name in zip(model.sympy(), "xyz", strict=True):
        assert_same_equation(found, LORENZ[name], (x, y, z), rtol=1e-4)
    prediction = model.predict(states)
    assert prediction.shape == states.shape
    np.testing.assert_allclose(prediction, derivatives, rtol=0, atol=1e-2)
    latex = model.latex()
    assert latex[2] == r"1.0 x y - 2.67 z"


def test_extract_sparse_front_is_pareto_and_selection_is_pysr(clean_lorenz):
    states, derivatives = clean_lorenz
    model = SparseRegressor(library=CandidateLibrary(degree=2, trigonometric=False))
    model.fit(states, derivatives[:, 1], variable_names=["x", "y", "z"])
    front = model.equations_
    assert np.all(np.diff(front.complexity) > 0) and np.all(np.diff(front.loss) < 0)
    chosen = front.index("best")
    eligible = front.loss <= 1.5 * front.loss.min()
    assert chosen == int(np.argmax(np.where(eligible, front.score, -np.inf)))
    # y' = 28x - xz - y: complexity 3 terms -> (2+1) + (1+3) + ... as PySR counts it
    assert front[chosen].complexity == 13


def test_extract_sparse_matches_pysindy_stlsq(clean_lorenz):
    ps = pytest.importorskip("pysindy")
    states, derivatives = clean_lorenz
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = ps.SINDy(
            optimizer=ps.STLSQ(threshold=0.1),
            feature_library=ps.PolynomialLibrary(degree=2),
        )
        peer.fit(states, t=0.002, x_dot=derivatives, feature_names=["x", "y", "z"])
    ours = SparseRegressor(library=CandidateLibrary(degree=2, trigonometric=False))
    ours.fit(states, derivatives, variable_names=["x", "y", "z"])
    # pysindy's features: 1, x, y, z, x^2, xy, xz, y^2, yz, z^2
    monomials = [
        (0, 0, 0),
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 1),
        (2, 0, 0),
        (1, 1, 0),
        (1, 0, 1),
        (0, 2, 0),
        (0, 1, 1),
        (0, 0, 2),
    ]
    theirs = peer.coefficients()
    for row, found in enumerate(ours.sympy()):
        got = coefficients(found, (x, y, z))
        mine = np.array([got.get(m, 0.0) for m in monomials])
        np.testing.assert_array_equal(mine != 0, theirs[row] != 0)
        np.testing.assert_allclose(mine, theirs[row], rtol=1e-6, atol=1e-9)


def test_extract_sparse_library_terms_and_identities():
    library = CandidateLibrary(
        degree=2, trigonometric=True, exponential=True, rational=True
    )
    a, b = sympy.symbols("a b", real=True)
    terms = library.terms(["a", "b"])
    for term in [
        1,
        a,
        b,
        a**2,
        a * b,
        b**2,
        sympy.sin(a),
        sympy.cos(b),
        sympy.exp(a),
        1 / a,
        b / a,
        a / b,
    ]:
        assert term in terms
    angle = np.linspace(0.1, 6.0, 300)
    X = np.stack([np.cos(angle), np.sin(angle)], 1).astype(np.float32)
    kept = CandidateLibrary(degree=3, trigonometric=False).terms(["c", "s"], X)
    c, s = sympy.symbols("c s", real=True)
    # c^2 + s^2 == 1 on the data: the later of every dependent term is dropped
    assert c**2 in kept and s**2 not in kept and s**3 not in kept
    # a denominator that crosses 0 is refused
    crossing = CandidateLibrary(degree=1, trigonometric=False, rational=True)
    assert 1 / c not in crossing.terms(["c", "s"], X.astype(float))


def test_extract_sparse_bad_input():
    with pytest.raises(ValueError, match="non-finite value at row 1"):
        SparseRegressor().fit(np.array([[1.0], [np.nan], [2.0]]), np.ones(3))
    with pytest.raises(ValueError, match="not a valid Python identifier"):
        SparseRegressor().fit(np.ones((3, 1)), np.ones(3), variable_names=["a.b"])
    # the jax engine's check: a column named like an operator or constant is
    # refused, not lambdified into a call of the traced column (TypeError)
    X = np.stack([np.linspace(0, 1, 5), np.linspace(1, 2, 5)], 1)
    for names, name in ((["sin", "x"], "sin"), (["x", "pi"], "pi")):
        with pytest.raises(
            ValueError,
            match=f"variable name '{name}' collides with an operator or constant",
        ):
            SparseRegressor().fit(X, X[:, 0], variable_names=names)
    with pytest.raises(RuntimeError, match="not fitted"):
        SparseRegressor().sympy()
