"""The expression representation: every operator through SymPy, text, NumPy, JAX and
the compiled stack machine, checked against SymPy's own evaluation."""

import numpy as np
import pytest
import sympy as sp

from symworld.equations.encoding import (
    Language,
    make_population_fitter,
    make_population_predictor,
)
from symworld.equations.expression import Expression, const, op, var
from symworld.equations.operators import OPERATORS, get_operator

NAMES = ["x0", "x1"]
SYMS = sp.symbols("x0 x1", real=True)
# Inputs where every operator is defined (log, sqrt, pow need positive arguments).
X = np.random.default_rng(0).uniform(0.3, 1.7, size=(40, 2))


def _program(operator):
    """A small program using `operator` once: op(x0) or op(x0, x1)."""
    if operator.arity == 1:
        return Expression((var(0), op(operator.name)), NAMES)
    return Expression((var(0), var(1), op(operator.name)), NAMES)


@pytest.mark.parametrize("operator", OPERATORS, ids=lambda o: o.name)
def test_every_operator_round_trips(operator):
    expr = _program(operator)
    sym = expr.to_sympy()
    reference = sp.lambdify(SYMS, sym, "numpy")(X[:, 0], X[:, 1])

    np.testing.assert_allclose(expr.numpy(X), reference, rtol=1e-12)
    np.testing.assert_allclose(
        np.asarray(expr.jax_function()(X)), reference, rtol=1e-4, atol=1e-6
    )

    # Text (ours) and back; our name and PySR's name both parse.
    again = Expression.parse(str(expr), NAMES)
    assert sp.simplify(again.to_sympy() - sym) == 0
    if operator.arity == 1:
        for name in {operator.name, operator.pysr}:
            parsed = Expression.parse(f"{name}(x0)", NAMES)
            assert sp.simplify(parsed.to_sympy() - sym) == 0
    assert isinstance(expr.latex(), str) and expr.latex()


def test_stack_machine_agrees_with_sympy_for_every_operator():
    """All operators in one compiled population call (one compilation)."""
    language = Language.build(2, [o.name for o in OPERATORS], 8, 2)
    programs = [_program(o) for o in OPERATORS]
    encoded = [language.encode(p) for p in programs]
    tokens = np.stack([t for t, _ in encoded])
    constants = np.stack([c for _, c in encoded]).astype(np.float32)
    out = np.asarray(make_population_predictor(language)(tokens, constants, X))
    for row, program in zip(out, programs, strict=True):
        reference = sp.lambdify(SYMS, program.to_sympy(), "numpy")(X[:, 0], X[:, 1])
        np.testing.assert_allclose(row, reference, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    ("text", "complexity"),
    [
        ("x0*x1/x2^2", 6),
        ("exp(-x0^2/2)/sqrt(2*pi)", 7),
        ("x0*(28 - x2) - x1", 7),
        ("x0*x1 - 8/3*x2", 7),
        ("sin(x0) + cos(x1)*tanh(x2) - abs(x0)^1.5", 13),
        ("-x0", 2),
        ("1/x0", 2),
    ],
)
def test_sympy_round_trip_and_complexity(text, complexity):
    names = ["x0", "x1", "x2"]
    expr = Expression.parse(text, names)
    assert expr.complexity == complexity
    truth = sp.sympify(
        text.replace("^", "**"), locals=dict(zip(names, sp.symbols(names), strict=True))
    )
    truth = truth.subs({sp.Symbol(n): sp.Symbol(n, real=True) for n in names})
    assert sp.simplify(expr.to_sympy() - truth) == 0
    Xr = np.random.default_rng(1).uniform(1, 2, size=(30, 3))
    f = sp.lambdify(sp.symbols(names, real=True), truth, "numpy")
    np.testing.assert_allclose(expr.numpy(Xr), f(*Xr.T), rtol=1e-12)


def test_bad_programs_and_text():
    with pytest.raises(ValueError, match="empty stack"):
        Expression((op("add"),), NAMES)
    with pytest.raises(ValueError, match="leaves 2 values"):
        Expression((var(0), var(1)), NAMES)
    with pytest.raises(ValueError, match="out of range"):
        Expression((var(5),), NAMES)
    with pytest.raises(ValueError, match="unknown variable"):
        Expression.parse("x0 + y", NAMES)
    with pytest.raises(ValueError, match="cannot parse"):
        Expression.parse("x0 +* ", NAMES)
    with pytest.raises(ValueError, match="unknown operator"):
        get_operator("frobnicate")
    with pytest.raises(ValueError, match="needs operator"):
        Expression.from_sympy(sp.exp(SYMS[0]), NAMES, operators=["+", "*"])


def test_constants_and_encoding_limits():
    expr = Expression((const(2.0), var(0), op("mul"), const(3.0), op("add")), NAMES)
    np.testing.assert_array_equal(expr.constants, [2.0, 3.0])
    moved = expr.with_constants([5.0, -1.0])
    np.testing.assert_allclose(moved.numpy(X), 5 * X[:, 0] - 1)
    language = Language.build(2, ["add", "mul"], 5, 1)
    with pytest.raises(ValueError, match="more than 1 constants"):
        language.encode(expr)
    tokens, constants = Language.build(2, ["add", "mul"], 6, 2).encode(expr)
    back = Language.build(2, ["add", "mul"], 6, 2).decode(tokens, constants, NAMES)
    assert back == expr


def test_levenberg_marquardt_fits_constants_of_a_population():
    """Compiled LM recovers c0*x0*(c1 - x1) from starts up to +-50% off."""
    names = ["x0", "x1"]
    skeleton = Expression.parse("1.0*x0*(2.0 - x1)", names)
    language = Language.build(2, ["add", "sub", "mul"], 10, 3)
    tokens, constants = language.encode(skeleton)
    rng = np.random.default_rng(0)
    Xd = rng.uniform(-2, 2, size=(200, 2)).astype(np.float32)
    y = (-2.5 * Xd[:, 0] * (7.0 - Xd[:, 1])).astype(np.float32)
    starts = np.array([-2.5, 7.0, 0.0]) * rng.uniform(0.5, 1.5, size=(16, 3))
    fit = make_population_fitter(language, lm_steps=20)
    fitted, loss = fit(
        np.repeat(tokens[None], 16, 0),
        starts.astype(np.float32),
        Xd,
        y[None],
        np.zeros(16, np.int32),
        np.ones(16, bool),
    )
    fitted = np.asarray(fitted)
    assert np.all(np.asarray(loss) < 1e-6)
    np.testing.assert_allclose(fitted[:, 0] * fitted[:, 1], -17.5, rtol=1e-4)
    # Without optimisation the loss is only evaluated.
    _, plain = fit(
        np.repeat(tokens[None], 16, 0),
        starts.astype(np.float32),
        Xd,
        y[None],
        np.zeros(16, np.int32),
        np.zeros(16, bool),
    )
    assert np.all(np.asarray(plain) > 1e-3)


def test_vmapped_layout_matches_the_per_program_layout():
    """The accelerator layout (programs vmapped in chunks, every operator branch
    evaluated under select) gives the same losses as the CPU layout."""
    names = ["x0", "x1"]
    texts = ["x0*x1", "exp(x0) - 2.0*x1", "sin(x0)/x1 + 0.5", "x0", "square(x1)*3.0"]
    language = Language.build(
        2, ["add", "sub", "mul", "div", "exp", "sin", "square"], 10, 2
    )
    encoded = [language.encode(Expression.parse(t, names)) for t in texts]
    tokens = np.stack([t for t, _ in encoded])
    constants = np.stack([c for _, c in encoded]).astype(np.float32)
    Xd = X.astype(np.float32)
    y = (np.exp(Xd[:, 0]) - 3.0 * Xd[:, 1])[None]
    args = (tokens, constants, Xd, y, np.zeros(5, np.int32), np.ones(5, bool))
    per_program = make_population_fitter(language, lm_steps=5, batch_size=1)(*args)
    chunked = make_population_fitter(language, lm_steps=5, batch_size=4)(*args)
    np.testing.assert_allclose(
        np.asarray(chunked[1]), np.asarray(per_program[1]), rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(chunked[0]), np.asarray(per_program[0]), rtol=1e-4, atol=1e-5
    )
    assert float(per_program[1][1]) < 1e-8  # exp(x0) - c*x1 fitted c = 3
