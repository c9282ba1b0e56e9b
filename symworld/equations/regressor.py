"""A scikit-learn–style estimator over the three engines: our JAX search (default),
sparse regression and PySR.

Example::

    from symworld.equations import SymbolicRegressor

    model = SymbolicRegressor(unary_operators=["exp", "square"], seed=0)
    model.fit(X, y, variable_names=["x"])
    model.equations_          # ParetoFront: complexity, loss, score, equation, sympy
    model.sympy(), model.latex(), model.predict(X)

**Several outputs.** With ``y`` of shape ``(n, m)`` each output gets its own search (as
in PySR: one Pareto front and one selected equation per output; with the JAX engine
all outputs are evolved side by side in the same compiled calls). ``equations_`` is
then a list of fronts, ``sympy()``/``latex()`` return lists, ``predict`` returns
``(n, m)``, and :meth:`SymbolicRegressor.vector_field` gives the joint result — the
selected equations of all outputs as one :class:`VectorField` (a SymPy matrix, one
jitted JAX function ``f(X) -> (n, m)``, one loss), which is what an ODE right-hand side
or a next-step map is.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp

from symworld.equations.frontier import (
    Equation,
    ParetoFront,
    hall_of_fame_filename,
    write_hall_of_fame,
)
from symworld.equations.operators import check_variable_names, resolve_operators
from symworld.equations.search import check_budget

logger = logging.getLogger(__name__)

ENGINES = ("jax", "pysr", "sparse")


@dataclass(frozen=True)
class VectorField:
    """The selected equations of all outputs, as one vector-valued function.

    **Fields:** `equations` (one :class:`Equation` per output), `variable_names` (d
    inputs), `output_names` (m outputs).
    """

    equations: tuple[Equation, ...]
    variable_names: tuple[str, ...]
    output_names: tuple[str, ...]

    @property
    def loss(self) -> float:
        """Mean of the outputs' losses."""
        return float(np.mean([e.loss for e in self.equations]))

    @property
    def complexity(self) -> int:
        """Sum of the outputs' complexities."""
        return int(sum(e.complexity for e in self.equations))

    def sympy(self) -> sp.Matrix:
        """SymPy column matrix (m, 1)."""
        return sp.Matrix([e.sympy for e in self.equations])

    def latex(self) -> str:
        rows = [
            f"{sp.latex(sp.Symbol(name))} &= {sp.latex(e.sympy)}"
            for name, e in zip(self.output_names, self.equations, strict=True)
        ]
        return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"

    def jax_function(self):
        """Jitted ``f(X) -> (n, m)`` (also works on a single state ``(d,) -> (m,)``)."""
        return _jax_function([e.sympy for e in self.equations], self.variable_names)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """float64 (n, m)."""
        X = np.asarray(X, dtype=np.float64)
        return np.stack(
            [_numpy_function(e.sympy, self.variable_names)(X) for e in self.equations],
            axis=1,
        )


class SymbolicRegressor:
    """Symbolic regression estimator: ``fit(X, y)``, ``predict``, ``equations_``.

    **Arguments:**

    - `engine`: ``"jax"`` (default, :func:`symworld.equations.search.search`),
      ``"sparse"`` (:class:`symworld.equations.sparse.SparseRegressor`) or ``"pysr"``
      (:class:`symworld.equations.pysr_backend.PySRBackend`; needs PySR and Julia).
    - `binary_operators`, `unary_operators`: operator names (``"+"``, ``"mul"``,
      ``"exp"``, ...; see :mod:`symworld.equations.operators`).
    - `maxsize`, `niterations`, `populations`, `population_size`,
      `timeout_in_seconds`, `early_stop_loss`, `model_selection`, `seed`, `progress`:
      as in :class:`symworld.equations.search.SearchOptions` (PySR's meanings).
    - `**engine_options`: further options of the engine (e.g. ``max_constants`` for
      ``"jax"``, PySR keyword arguments for ``"pysr"``, library options for
      ``"sparse"``).

    After ``fit``: `equations_` (a :class:`ParetoFront`, or a list of them for 2-D
    `y`), `fronts_` (always a list), `variable_names_`, `n_outputs_`, `search_info_`
    (per output: generations, evaluations, seconds, evaluations per second, stop
    reason, compile seconds; JAX engine only).
    """

    def __init__(
        self,
        engine: str = "jax",
        *,
        binary_operators: Sequence[str] = ("+", "-", "*", "/"),
        unary_operators: Sequence[str] = (),
        maxsize: int = 20,
        niterations: int = 60,
        populations: int = 4,
        population_size: int = 64,
        timeout_in_seconds: float | None = None,
        early_stop_loss: float | None = None,
        model_selection: str = "best",
        seed: int = 0,
        progress: bool = True,
        **engine_options,
    ):
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        check_budget(niterations, timeout_in_seconds, seed)
        self.engine = engine
        self.binary_operators = tuple(binary_operators)
        self.unary_operators = tuple(unary_operators)
        self.maxsize = maxsize
        self.niterations = niterations
        self.populations = populations
        self.population_size = population_size
        self.timeout_in_seconds = timeout_in_seconds
        self.early_stop_loss = early_stop_loss
        self.model_selection = model_selection
        self.seed = seed
        self.progress = progress
        self.engine_options = dict(engine_options)
        resolve_operators(self.binary_operators + self.unary_operators)

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        X,
        y,
        variable_names: Sequence[str] | None = None,
        output_names: Sequence[str] | None = None,
    ) -> SymbolicRegressor:
        """Search equations for `y` as functions of the columns of `X`.

        **Arguments:** `X`: float (n, d); `y`: float (n,) or (n, m); `variable_names`:
        d valid Python identifiers (default ``x0 .. x{d-1}``); `output_names`: m names
        (default ``y0 .. y{m-1}``), used by :meth:`vector_field`.

        Raises `ValueError` for wrong shapes, NaN/inf values, constant input columns
        and bad variable names, naming the column and row at fault.
        """
        X, Y, names = validate_data(X, y, variable_names)
        self._single = np.ndim(y) == 1
        m = Y.shape[1]
        self.variable_names_ = tuple(names)
        self.output_names_ = tuple(output_names or [f"y{j}" for j in range(m)])
        if len(self.output_names_) != m:
            raise ValueError(
                f"expected {m} output names, got {len(self.output_names_)}"
            )
        self.n_outputs_ = m
        self.n_features_in_ = X.shape[1]
        self.search_info_: list[dict] = []

        if self.engine == "jax":
            self.fronts_ = self._fit_jax(X, Y, names)
        elif self.engine == "sparse":
            self.fronts_ = self._fit_sparse(X, Y, names)
        else:
            self.fronts_ = self._fit_pysr(X, Y, names)
        self.equations_ = self.fronts_[0] if self._single else list(self.fronts_)
        return self

    def _budget_options(self) -> dict:
        """The size, budget and selection options every engine takes by name."""
        names = (
            "maxsize",
            "niterations",
            "populations",
            "population_size",
            "timeout_in_seconds",
            "early_stop_loss",
            "model_selection",
            "seed",
            "progress",
        )
        return {name: getattr(self, name) for name in names}

    def _fit_jax(self, X, Y, names) -> list[ParetoFront]:
        from symworld.equations.search import SearchOptions, search

        ops = resolve_operators(self.binary_operators + self.unary_operators)
        options = SearchOptions(
            binary_operators=tuple(o.name for o in ops if o.arity == 2),
            unary_operators=tuple(o.name for o in ops if o.arity == 1),
            **self._budget_options(),
            **self.engine_options,
        )
        results = search(X, Y, names, options)
        self.search_info_ = [
            {
                "generations": r.generations,
                "evaluations": r.evaluations,
                "seconds": r.seconds,
                "evaluations_per_second": r.evaluations_per_second,
                "stop_reason": r.stop_reason,
                "compile_seconds": r.compile_seconds,
            }
            for r in results
        ]
        return [r.front for r in results]

    def _fit_sparse(self, X, Y, names) -> list[ParetoFront]:
        try:
            from symworld.equations.sparse import SparseRegressor
        except ImportError as err:  # pragma: no cover - depends on the installed tree
            raise ImportError(
                "engine='sparse' needs symworld.equations.sparse, which is missing "
                f"from this installation ({err})"
            ) from err
        sparse = SparseRegressor(**self.engine_options)
        sparse.fit(X, Y if not self._single else Y[:, 0], variable_names=names)
        fronts = sparse.equations_
        return [fronts] if isinstance(fronts, ParetoFront) else list(fronts)

    def _fit_pysr(self, X, Y, names) -> list[ParetoFront]:
        from symworld.equations.pysr_backend import PySRBackend

        backend = PySRBackend(
            binary_operators=self.binary_operators,
            unary_operators=self.unary_operators,
            **self._budget_options(),
            **self.engine_options,
        )
        return backend.fit(X, Y, names)

    # ------------------------------------------------------------------ results
    def _check_fitted(self) -> None:
        if not hasattr(self, "fronts_"):
            raise RuntimeError("this SymbolicRegressor is not fitted; call fit first")

    def _pick(self, front: ParetoFront, index: int | None) -> Equation:
        if index is None:
            return front.select(self.model_selection)
        if not -len(front) <= index < len(front):
            raise IndexError(
                f"index {index} is out of range: the front has {len(front)} "
                f"equations (index 0..{len(front) - 1}, or negative from the end)"
            )
        return front[index]

    def get_best(self, index: int | None = None):
        """The selected :class:`Equation` (per output for 2-D `y`); `index` picks a
        front row instead of the `model_selection` rule."""
        self._check_fitted()
        picked = [self._pick(f, index) for f in self.fronts_]
        return picked[0] if self._single else picked

    def sympy(self, index: int | None = None):
        """SymPy expression of the selected equation (a list for 2-D `y`)."""
        best = self.get_best(index)
        return best.sympy if self._single else [e.sympy for e in best]

    def latex(self, index: int | None = None, precision: int = 3):
        """LaTeX of the selected equation (a list for 2-D `y`)."""

        def one(e: Equation) -> str:
            expr = e.sympy.xreplace(
                {f: sp.Float(f, precision) for f in e.sympy.atoms(sp.Float)}
            )
            return sp.latex(expr)

        best = self.get_best(index)
        return one(best) if self._single else [one(e) for e in best]

    def predict(self, X, index: int | None = None) -> np.ndarray:
        """Evaluate the selected equation(s) in float64: (n,) or (n, m)."""
        self._check_fitted()
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X must have shape (n, {self.n_features_in_}), got {X.shape}"
            )
        best = self.get_best(index)
        best = [best] if self._single else best
        columns = [_numpy_function(e.sympy, self.variable_names_)(X) for e in best]
        return columns[0] if self._single else np.stack(columns, axis=1)

    def jax(self, index: int | None = None):
        """Jitted JAX function of the selected equation(s): (n, d) -> (n,) / (n, m)."""
        best = self.get_best(index)
        if self._single:
            f = _jax_function([best.sympy], self.variable_names_)
            return jax.jit(lambda X: f(X)[..., 0])
        return _jax_function([e.sympy for e in best], self.variable_names_)

    def vector_field(self, index: int | None = None) -> VectorField:
        """The joint result: the selected equation of every output as one
        :class:`VectorField`."""
        best = self.get_best(index)
        best = [best] if self._single else best
        return VectorField(tuple(best), self.variable_names_, self.output_names_)

    def write_hall_of_fame(self, directory: str | Path) -> list[Path]:
        """Write PySR's checkpoint files into `directory`: ``hall_of_fame.csv`` for
        one output, ``hall_of_fame_output{i}.csv`` per output otherwise."""
        self._check_fitted()
        directory = Path(directory)
        if self._single:
            return [
                write_hall_of_fame(self.fronts_[0], directory / hall_of_fame_filename())
            ]
        return [
            write_hall_of_fame(front, directory / hall_of_fame_filename(i))
            for i, front in enumerate(self.fronts_)
        ]


# ---------------------------------------------------------------------- helpers
def validate_data(X, y, variable_names=None):
    """Check and convert training data; returns (X float64 (n, d), Y float64 (n, m),
    names). Raises `ValueError` naming the problem."""
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but y has {y.shape[0]}; they must match"
        )
    n, d = X.shape
    if n < 2:
        raise ValueError(f"need at least 2 samples, got {n}")
    if d < 1:
        raise ValueError("X has no columns")
    if not (np.issubdtype(X.dtype, np.number) and np.issubdtype(y.dtype, np.number)):
        raise ValueError(f"X and y must be numeric, got {X.dtype} and {y.dtype}")
    X = X.astype(np.float64)
    Y = (y[:, None] if y.ndim == 1 else y).astype(np.float64)
    names = (
        list(variable_names)
        if variable_names is not None
        else [f"x{i}" for i in range(d)]
    )
    check_variable_names(names, d)
    for label, data, cols in (("X", X, names), ("y", Y, None)):
        bad = ~np.isfinite(data)
        if bad.any():
            row, col = (int(v) for v in np.argwhere(bad)[0])
            column = cols[col] if cols else f"output {col}"
            raise ValueError(
                f"{label} has {int(bad.sum())} non-finite value(s) (NaN or inf); first "
                f"at row {row}, column {column!r}: {data[row, col]}"
            )
    spread = np.ptp(X, axis=0)
    for j in np.flatnonzero(spread == 0):
        raise ValueError(
            f"input column {names[j]!r} is constant ({float(X[0, j])!r}); it "
            "carries no information — drop it (constants are found by the search)"
        )
    return X, Y, names


def _symbols(names: Sequence[str]) -> list[sp.Symbol]:
    return [sp.Symbol(n, real=True) for n in names]


def _numpy_function(expr: sp.Expr, names: Sequence[str]):
    symbols = _symbols(names)
    expr = expr.xreplace({sp.Symbol(n): s for n, s in zip(names, symbols, strict=True)})
    f = sp.lambdify(symbols, expr, modules="numpy")

    def call(X):
        with np.errstate(all="ignore"):
            out = f(*[X[:, i] for i in range(X.shape[1])])
        return np.broadcast_to(np.asarray(out, dtype=np.float64), (X.shape[0],)).copy()

    return call


def _jax_function(exprs: Sequence[sp.Expr], names: Sequence[str]):
    """Jitted ``f(X) -> (..., m)`` from SymPy expressions via our expression IR."""
    from symworld.equations.expression import Expression

    programs = []
    for expr in exprs:
        try:
            programs.append(Expression.from_sympy(expr, names).jax_function())
        except (ValueError, TypeError):
            f = sp.lambdify(_symbols(names), expr, modules="jax")
            programs.append(lambda X, f=f: f(*[X[..., i] for i in range(X.shape[-1])]))

    def f(X):
        X = jnp.asarray(X)
        return jnp.stack(
            [jnp.broadcast_to(p(X), X.shape[:-1]) for p in programs], axis=-1
        )

    return jax.jit(f)


__all__ = ["SymbolicRegressor", "VectorField", "validate_data"]
