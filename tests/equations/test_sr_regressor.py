"""The estimator: input validation, result API, engine dispatch (sparse and PySR with
fake modules injected in sys.modules — real PySR is never imported)."""

import sys
import types

import numpy as np
import pytest
import sympy as sp

from symworld.equations import ParetoFront, SymbolicRegressor, read_hall_of_fame
from symworld.equations.frontier import Equation
from symworld.equations.pysr_backend import (
    PySRBackend,
    PySRUnavailableError,
    import_pysr,
)

RNG = np.random.default_rng(0)
X = RNG.uniform(1, 2, size=(50, 3))


@pytest.mark.parametrize(
    ("X_bad", "y_bad", "names", "message"),
    [
        (X[:, 0], X[:, 0], None, "X must be 2-D"),
        (X, X[:10, 0], None, "X has 50 rows but y has 10"),
        (X, np.ones((50, 2, 2)), None, "y must be 1-D or 2-D"),
        (X[:1], X[:1, 0], None, "at least 2 samples"),
        (
            np.where(np.arange(3) == 1, np.nan, X),
            X[:, 0],
            None,
            r"X has 50 non-finite.*row 0, column 'x1'",
        ),
        (
            X,
            np.where(np.arange(50) == 7, np.inf, X[:, 0]),
            None,
            r"y has 1 non-finite.*row 7",
        ),
        (
            np.column_stack([X[:, :2], np.full(50, 3.0)]),
            X[:, 0],
            None,
            r"input column 'x2' is constant \(3\.0\);",
        ),
        (X, X[:, 0], ["a", "b"], "expected 3 variable names"),
        (X, X[:, 0], ["a", "a", "b"], "unique"),
        (X, X[:, 0], ["a", "b c", "d"], "not a valid Python identifier"),
        (X, X[:, 0], ["a", "exp", "d"], "collides"),
        (X.astype(str), X[:, 0], None, "numeric"),
    ],
)
def test_bad_input_gives_clear_errors(X_bad, y_bad, names, message):
    with pytest.raises(ValueError, match=message):
        SymbolicRegressor(progress=False).fit(X_bad, y_bad, variable_names=names)


def test_bad_options():
    with pytest.raises(ValueError, match="engine must be one of"):
        SymbolicRegressor(engine="julia")
    with pytest.raises(ValueError, match="unknown operator"):
        SymbolicRegressor(unary_operators=["sinc"])
    with pytest.raises(RuntimeError, match="not fitted"):
        SymbolicRegressor().sympy()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"niterations": 0}, "niterations must be an integer >= 1, got 0"),
        ({"niterations": -1}, "niterations must be an integer >= 1, got -1"),
        ({"niterations": 2.5}, "niterations must be an integer >= 1, got 2.5"),
        ({"timeout_in_seconds": -5}, "timeout_in_seconds must be None or >= 0"),
        ({"timeout_in_seconds": float("nan")}, "timeout_in_seconds must be None"),
        ({"seed": -1}, "seed must be an integer >= 0, got -1"),
        ({"seed": None}, "seed must be an integer >= 0, got None"),
    ],
)
def test_bad_budget_options_name_the_option(option, message):
    with pytest.raises(ValueError, match=message):
        SymbolicRegressor(**option)


def _front(*rows, names=("x0", "x1", "x2")):
    from symworld.equations.frontier import parse_equation

    return ParetoFront.from_candidates(
        Equation(c, loss, 0.0, text, parse_equation(text, names))
        for c, loss, text in rows
    )


@pytest.fixture
def fake_sparse(monkeypatch):
    """A stand-in for the sparse engine's module with the agreed interface."""
    calls = {}

    class SparseRegressor:
        def __init__(self, **options):
            calls["options"] = options

        def fit(self, X, y, variable_names=None):
            calls["shape"] = (X.shape, np.shape(y), tuple(variable_names))
            a, b, _ = variable_names
            fronts = [
                _front(
                    (1, 4.0, a),
                    (3, 0.5, f"2*{a}"),
                    (5, 1e-20, f"2*{a} + {b}"),
                    names=variable_names,
                )
                for _ in range(1 if np.ndim(y) == 1 else np.shape(y)[1])
            ]
            self.equations_ = fronts[0] if np.ndim(y) == 1 else fronts
            return self

    module = types.ModuleType("symworld.equations.sparse")
    module.SparseRegressor = SparseRegressor
    monkeypatch.setitem(sys.modules, "symworld.equations.sparse", module)
    return calls


def test_result_api_and_files(fake_sparse, tmp_path):
    y = 2 * X[:, 0] + X[:, 1]
    model = SymbolicRegressor(engine="sparse", threshold=0.1).fit(X, y)
    assert fake_sparse["options"] == {"threshold": 0.1}
    assert fake_sparse["shape"] == ((50, 3), (50,), ("x0", "x1", "x2"))
    x0, x1 = sp.symbols("x0 x1", real=True)
    assert model.sympy() == 2 * x0 + x1
    assert model.sympy(index=0) == x0
    assert model.latex() == "2 x_{0} + x_{1}"
    np.testing.assert_allclose(model.predict(X), y)
    np.testing.assert_allclose(model.predict(X, index=-1), y)
    with pytest.raises(IndexError, match=r"index 3 is out of range.*3 equations"):
        model.predict(X, index=3)
    np.testing.assert_allclose(np.asarray(model.jax()(X)), y, rtol=1e-6)
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        model.predict(X[:, :2])
    (path,) = model.write_hall_of_fame(tmp_path)
    assert path.name == "hall_of_fame.csv"
    assert path.read_text().splitlines()[0] == "Complexity,Loss,Equation"
    again = read_hall_of_fame(path, ["x0", "x1", "x2"])
    assert [e.sympy for e in again] == [e.sympy for e in model.equations_]


def test_multi_output_and_vector_field(fake_sparse, tmp_path):
    Y = np.column_stack([2 * X[:, 0] + X[:, 1]] * 2)
    model = SymbolicRegressor(engine="sparse").fit(
        X, Y, variable_names=["a", "b", "c"], output_names=["da", "db"]
    )
    assert fake_sparse["shape"][1] == (50, 2)
    assert isinstance(model.equations_, list) and len(model.equations_) == 2
    assert model.predict(X).shape == (50, 2)
    field = model.vector_field()
    assert field.output_names == ("da", "db")
    assert field.sympy().shape == (2, 1)
    assert field.complexity == 10
    np.testing.assert_allclose(np.asarray(field.jax_function()(X)), Y, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(field.jax_function()(X[0])), Y[0], rtol=1e-6)
    assert "\\begin{aligned}" in field.latex()
    paths = model.write_hall_of_fame(tmp_path)
    assert [p.name for p in paths] == [
        "hall_of_fame_output0.csv",
        "hall_of_fame_output1.csv",
    ]


# ---------------------------------------------------------------------- PySR
def test_pysr_missing_names_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "pysr", None)  # import pysr -> ImportError
    with pytest.raises(PySRUnavailableError) as err:
        import_pysr()
    message = str(err.value)
    assert "PySR is not installed" in message
    assert "pip install 'symworld[pysr]'" in message
    assert "Julia" in message
    with pytest.raises(PySRUnavailableError, match="symworld\\[pysr\\]"):
        SymbolicRegressor(engine="pysr", progress=False).fit(X, X[:, 0])


def test_pysr_julia_failure_names_the_fix(monkeypatch):
    class Exploding(types.ModuleType):
        def __getattr__(self, name):
            raise RuntimeError("juliapkg: could not download Julia")

    def fake_import(name):
        if name == "pysr":
            raise RuntimeError("juliapkg: could not download Julia")
        raise AssertionError(name)

    monkeypatch.setattr("importlib.import_module", fake_import)
    with pytest.raises(PySRUnavailableError, match="could not start Julia") as err:
        import_pysr()
    assert "PYTHON_JULIAPKG_EXE" in str(err.value)


@pytest.fixture
def fake_pysr(monkeypatch):
    created = []

    class PySRRegressor:
        def __init__(self, **kwargs):
            self.kwargs = kwargs
            created.append(self)

        def fit(self, X, y, variable_names=None):
            self.fit_args = (X.shape, np.shape(y), variable_names)
            table = {
                "complexity": [1, 3, 5],
                "loss": [3.0, 0.2, 1.5e-14],
                "equation": ["x0", "(x0 * 1.9999999f0)", "((x0 * 2.0) + x1)"],
            }
            self.equations_ = table if np.ndim(y) == 1 else [table] * np.shape(y)[1]
            return self

    module = types.ModuleType("pysr")
    module.PySRRegressor = PySRRegressor
    monkeypatch.setitem(sys.modules, "pysr", module)
    return created


def test_pysr_option_mapping_and_results(fake_pysr):
    model = SymbolicRegressor(
        engine="pysr",
        binary_operators=["add", "-", "*", "div", "pow"],
        unary_operators=["square", "exp", "inv"],
        maxsize=25,
        niterations=7,
        populations=3,
        population_size=40,
        timeout_in_seconds=60,
        early_stop_loss=1e-10,
        model_selection="accuracy",
        seed=11,
        progress=False,
        batching=True,
    ).fit(X, 2 * X[:, 0] + X[:, 1])
    (regressor,) = fake_pysr
    assert regressor.kwargs == {
        "binary_operators": ["+", "-", "*", "/", "^"],
        "unary_operators": ["square", "exp", "inv"],
        "maxsize": 25,
        "niterations": 7,
        "populations": 3,
        "population_size": 40,
        "model_selection": "accuracy",
        "random_state": 11,
        "deterministic": True,
        "parallelism": "serial",
        "progress": False,
        "verbosity": 0,
        "timeout_in_seconds": 60,
        "early_stop_condition": 1e-10,
        "batching": True,
    }
    assert regressor.fit_args == ((50, 3), (50,), ["x0", "x1", "x2"])
    x0, x1 = sp.symbols("x0 x1", real=True)
    assert model.sympy() == 2.0 * x0 + x1
    assert model.equations_[1].sympy == sp.Float("1.9999999") * x0
    assert model.equations_[1].score == pytest.approx(np.log(3.0 / 0.2) / 2)


def test_pysr_multi_output(fake_pysr):
    model = SymbolicRegressor(engine="pysr", progress=False).fit(
        X, np.column_stack([X[:, 0], X[:, 1]])
    )
    assert fake_pysr[0].fit_args[1] == (50, 2)
    assert len(model.equations_) == 2


def test_pysr_backend_rejects_wrong_arity():
    with pytest.raises(ValueError, match="not a unary operator"):
        PySRBackend(unary_operators=["+"]).pysr_options()


def test_plots_are_written(fake_sparse, tmp_path):
    from symworld.equations.plots import plot_fit, plot_pareto_front

    Y = np.column_stack([2 * X[:, 0] + X[:, 1]] * 2)
    model = SymbolicRegressor(engine="sparse").fit(X, Y)
    front_png = plot_pareto_front(model.equations_, tmp_path / "front.png")
    fit_png = plot_fit(
        Y,
        model.predict(X),
        tmp_path / "fit.png",
        equations=[e.equation for e in model.get_best()],
    )
    for path in (front_png, fit_png):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.png", "front.png"]
    with pytest.raises(ValueError, match="differ"):
        plot_fit(Y, Y[:, 0], tmp_path / "bad.png")
