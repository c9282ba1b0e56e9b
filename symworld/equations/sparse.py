"""Sparse regression over a symbolic candidate library (SINDy-style), in JAX.

A :class:`CandidateLibrary` generates candidate terms with sympy (polynomials up to a
degree, ``sin``/``cos`` of each variable, ``exp`` of each variable, rational terms
``1/x_i`` and ``x_j/x_i``) and compiles them to one JAX function ``X -> Theta(X)``.
:class:`SparseRegressor` fits ``y = Theta(X) w`` with a sparse ``w`` by sequentially
thresholded least squares (STLSQ: solve, zero the coefficients below a threshold,
solve again on the survivors, repeat).

Instead of one hand-tuned threshold, every output is solved along a path of
thresholds in one vmapped, jitted call; every distinct support found on the path is
refitted by plain least squares and becomes a candidate equation with its
complexity (PySR's node count) and loss (mean squared error). The candidates form a
PySR-style Pareto front (:class:`~symworld.equations.frontier.ParetoFront`) and the
equation is picked by PySR's ``model_selection`` rule, so the sparse engine reports
its results exactly like the symbolic-regression engines.

Thresholds act on the coefficients of the *standardised* problem (every library
column and every target scaled to unit root-mean-square), so one path works
whatever the units of the data.

Known limitation: the library is fixed before the fit, so only equations that are
linear combinations of its terms can be found (no unknown constants inside a
``sin`` or a denominator); use the symbolic-regression engine for those.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
import sympy

from symworld.equations.frontier import (
    Equation,
    ParetoFront,
    format_equation,
    pareto_indices,
    sympy_complexity,
)
from symworld.equations.operators import check_variable_names

logger = logging.getLogger(__name__)

RATIONAL_GUARD = 1e-3  # a denominator closer to 0 than this (relative) is refused
# a library column explained by simpler ones up to this relative residual is dropped;
# 1e-5 sits above float32 rounding (observations of gymnasium envs are float32)
DEPENDENCE_TOLERANCE = 1e-5


@dataclasses.dataclass(frozen=True)
class CandidateLibrary:
    """The candidate terms of a sparse regression.

    **Fields:**

    - ``degree``: polynomial terms of total degree ``0..degree`` (``1``, ``x``,
      ``x*y``, ``x**2``, ...).
    - ``trigonometric``: add ``sin(x_i)`` and ``cos(x_i)``, with frequencies
      ``1..harmonics``.
    - ``exponential``: add ``exp(x_i)``.
    - ``rational``: add ``1/x_i`` and ``x_j/x_i``; a variable whose values change
      sign or come close to 0 (relative to its RMS) is skipped as a denominator.
    - ``extra``: further terms as sympy text in the variable names.
    """

    degree: int = 3
    trigonometric: bool = True
    harmonics: int = 1
    exponential: bool = False
    rational: bool = False
    extra: tuple[str, ...] = ()

    def terms(
        self, variable_names: Sequence[str], X: np.ndarray | None = None
    ) -> list[sympy.Expr]:
        """The candidate terms as sympy expressions in real symbols named by
        ``variable_names``. With data ``X`` (``(N, F)``), terms that are not
        finite everywhere or that are linear combinations of simpler terms on the
        data (:func:`independent_columns`) are dropped."""
        symbols = [sympy.Symbol(name, real=True) for name in variable_names]
        terms: list[sympy.Expr] = []
        for degree in range(self.degree + 1):
            for combo in itertools.combinations_with_replacement(symbols, degree):
                terms.append(sympy.Mul(*combo))
        if self.trigonometric:
            for k in range(1, self.harmonics + 1):
                for s in symbols:
                    terms.extend([sympy.sin(k * s), sympy.cos(k * s)])
        if self.exponential:
            terms.extend(sympy.exp(s) for s in symbols)
        if self.rational:
            denominators = symbols
            if X is not None:
                scale = np.sqrt(np.mean(np.square(X), axis=0)) + 1e-300
                one_sign = np.all(X > 0, axis=0) | np.all(X < 0, axis=0)
                safe = one_sign & (np.min(np.abs(X), axis=0) > RATIONAL_GUARD * scale)
                denominators = [s for s, ok in zip(symbols, safe, strict=True) if ok]
                skipped = [
                    s.name for s, ok in zip(symbols, safe, strict=True) if not ok
                ]
                if skipped:
                    logger.info("rational terms: %s come near 0, not used", skipped)
            for d in denominators:
                terms.append(1 / d)
                terms.extend(s / d for s in symbols if s != d)
        names = {s.name: s for s in symbols}
        terms.extend(sympy.sympify(text, locals=names) for text in self.extra)
        unique = list(dict.fromkeys(terms))
        if X is None:
            return unique
        columns = np.asarray(compile_terms(tuple(unique), tuple(variable_names))(X))
        finite = np.all(np.isfinite(columns), axis=0)
        for term in np.asarray(unique, dtype=object)[~finite]:
            logger.info("library term %s is not finite on the data; dropped", term)
        kept = independent_columns(np.where(finite, columns, 0.0), finite)
        dropped = [str(unique[i]) for i in np.flatnonzero(finite & ~kept)]
        if dropped:
            logger.info("library terms dependent on simpler ones, dropped: %s", dropped)
        return [term for term, keep in zip(unique, kept, strict=True) if keep]


def independent_columns(
    columns: np.ndarray, allowed: np.ndarray, tolerance: float = DEPENDENCE_TOLERANCE
) -> np.ndarray:
    """bool ``(F,)``: greedily, in column order, keep a column when the part of it
    that the columns kept so far cannot explain has a norm above ``tolerance``
    times its own norm (Gram-Schmidt with re-orthogonalisation).

    Libraries contain exact identities (``cos(x)**2 + sin(x)**2 == 1`` when ``x``
    is an angle given by its cosine and sine); such columns make the least-squares
    problem singular and the recovered equation arbitrary, so the later (more
    complex) term of an identity is dropped.
    """
    rows, count = columns.shape
    basis = np.zeros((rows, 0))
    kept = np.zeros(count, dtype=bool)
    for index in range(count):
        if not allowed[index]:
            continue
        column = columns[:, index]
        norm = np.linalg.norm(column)
        if norm == 0:
            continue
        residual = column.copy()
        for _ in range(2):
            residual -= basis @ (basis.T @ residual)
        remaining = np.linalg.norm(residual)
        if remaining > tolerance * norm:
            basis = np.concatenate([basis, (residual / remaining)[:, None]], axis=1)
            kept[index] = True
    return kept


@functools.lru_cache(maxsize=32)
def compile_terms(terms: tuple[sympy.Expr, ...], variable_names: tuple[str, ...]):
    """A jitted ``X (N, F) -> Theta (N, len(terms))`` evaluating every term."""
    symbols = [sympy.Symbol(name, real=True) for name in variable_names]
    function = sympy.lambdify(symbols, list(terms), modules="jax")

    @jax.jit
    def theta(X):
        columns = function(*[X[:, i] for i in range(len(symbols))])
        return jnp.stack([jnp.broadcast_to(c, X.shape[:1]) for c in columns], axis=1)

    return theta


@functools.partial(jax.jit, static_argnames=("iterations",))
def stlsq_path(
    gram: jax.Array, moments: jax.Array, thresholds: jax.Array, *, iterations: int
) -> jax.Array:
    """Sequentially thresholded least squares along a path of thresholds.

    Works on the normal equations of the standardised problem: with ``Theta_s`` the
    library scaled to unit-RMS columns and ``y_s`` the scaled targets,
    ``gram = Theta_s^T Theta_s / N`` and ``moments = y_s^T Theta_s / N``. Restricting
    to a support with mask ``m`` solves ``(M G M + I - M) w = m * b``, which leaves
    exact zeros outside the support, so every threshold and output runs the same
    fixed-shape computation under ``vmap``.

    **Arguments:**

    - ``gram``: float ``(F, F)``; ``moments``: float ``(K, F)`` (one row per output).
    - ``thresholds``: float ``(S,)``.
    - ``iterations``: threshold-and-refit rounds.

    **Returns:** float ``(K, S, F)`` coefficients of the standardised problem.
    """
    size = gram.shape[0]
    ridge = 1e-12 * jnp.trace(gram) / size

    def masked_solve(b, mask):
        matrix = gram * mask[:, None] * mask[None, :] + jnp.diag(1.0 - mask)
        matrix = matrix + ridge * jnp.diag(mask)
        return jnp.linalg.solve(matrix, b * mask) * mask

    def one(b, threshold):
        mask = jnp.ones(size, dtype=gram.dtype)
        w = masked_solve(b, mask)

        def body(_, carry):
            w, mask = carry
            mask = mask * (jnp.abs(w) >= threshold)
            return masked_solve(b, mask), mask

        w, _ = jax.lax.fori_loop(0, iterations, body, (w, mask))
        return w

    return jax.vmap(lambda b: jax.vmap(lambda t: one(b, t))(thresholds))(moments)


class SparseRegressor:
    """Sparse regression engine with the estimator interface of the symbolic
    regressors (``fit``, ``predict``, ``equations_``, ``sympy()``, ``latex()``).

    **Arguments:**

    - ``library``: the :class:`CandidateLibrary` (default: polynomials to degree 3,
      ``sin``/``cos``).
    - ``thresholds``: the STLSQ threshold path on standardised coefficients; default
      60 values from ``1e-4`` to ``3`` spaced geometrically.
    - ``iterations``: threshold-and-refit rounds per threshold.
    - ``model_selection``: ``"best"``, ``"accuracy"`` or ``"score"`` (PySR's rules).
    - ``significant_digits``: coefficients are rounded to this many significant
      digits in the reported equations (the loss is that of the rounded equation).

    **Fitted attributes:**

    - ``equations_``: a :class:`ParetoFront` (one output) or a list of them.
    - ``terms_``: the library terms actually used (sympy).
    - ``coefficients_``: float64 ``(K, F)``, the selected equations' coefficients.
    - ``variable_names_``: the input names.

    Example::

        model = SparseRegressor().fit(X, dXdt, variable_names=["x", "y", "z"])
        model.sympy()        # list of 3 sympy expressions
    """

    def __init__(
        self,
        *,
        library: CandidateLibrary | None = None,
        thresholds: Sequence[float] | None = None,
        iterations: int = 10,
        model_selection: str = "best",
        significant_digits: int = 8,
    ):
        self.library = library or CandidateLibrary()
        self.thresholds = thresholds
        self.iterations = iterations
        self.model_selection = model_selection
        self.significant_digits = significant_digits

    # -- fitting ---------------------------------------------------------------

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        variable_names: Sequence[str] | None = None,
    ) -> SparseRegressor:
        """Fit every output of ``y``.

        **Arguments:**

        - ``X``: float ``(N, F)`` inputs; ``y``: float ``(N,)`` or ``(N, K)``.
        - ``variable_names``: names of the ``F`` inputs (valid identifiers); default
          ``x0, x1, ...``.

        Returns ``self``.
        """
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be (N, F), got shape {X.shape}")
        self._single_output = y.ndim == 1
        Y = y[:, None] if self._single_output else y
        if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
            raise ValueError(f"y must be (N,) or (N, K) with N = {X.shape[0]}")
        if X.shape[0] < 2:
            raise ValueError("need at least 2 samples")
        for array, label in ((X, "X"), (Y, "y")):
            bad = np.argwhere(~np.isfinite(array))
            if bad.size:
                raise ValueError(
                    f"{label} has a non-finite value at row {bad[0][0]}, "
                    f"column {bad[0][1]}"
                )
        names = list(variable_names or [f"x{i}" for i in range(X.shape[1])])
        check_variable_names(names, X.shape[1])
        self.variable_names_ = names

        with jax.enable_x64(True):
            self.terms_ = self.library.terms(names, X)
            theta = np.asarray(compile_terms(tuple(self.terms_), tuple(names))(X))
            fronts, coefficients = self._fit_outputs(theta, Y)
        self._fronts = fronts
        self.coefficients_ = coefficients
        return self

    def _fit_outputs(self, theta: np.ndarray, Y: np.ndarray):
        rows = theta.shape[0]
        column_scale = np.sqrt(np.mean(np.square(theta), axis=0))
        column_scale = np.where(column_scale > 0, column_scale, 1.0)
        target_scale = np.sqrt(np.mean(np.square(Y), axis=0))
        target_scale = np.where(target_scale > 0, target_scale, 1.0)
        scaled = theta / column_scale
        gram = scaled.T @ scaled / rows
        moments = (Y / target_scale).T @ scaled / rows
        thresholds = np.asarray(
            self.thresholds
            if self.thresholds is not None
            else np.geomspace(1e-4, 3.0, 60),
            dtype=np.float64,
        )
        path = np.asarray(
            stlsq_path(
                jnp.asarray(gram),
                jnp.asarray(moments),
                jnp.asarray(thresholds),
                iterations=self.iterations,
            )
        )
        term_complexity = [
            1 if term.is_number else sympy_complexity(sympy.Float(2.5) * term)
            for term in self.terms_
        ]
        fronts, selected = [], []
        for output in range(Y.shape[1]):
            supports = sorted({tuple(np.flatnonzero(w)) for w in path[output]}, key=len)
            scored = []
            for support in supports:
                weights, loss = self._refit(
                    scaled, gram, Y[:, output], column_scale, list(support)
                )
                complexity = sum(term_complexity[i] for i in support)
                complexity += max(len(support) - 1, 0)
                scored.append((max(complexity, 1), loss, weights, support))
            keep = pareto_indices(
                [c for c, *_ in scored], [loss for _, loss, *_ in scored]
            )
            candidates = [self._equation(*scored[i]) for i in keep]
            front = ParetoFront(e for e, _ in candidates)
            chosen = front.index(self.model_selection)
            fronts.append(front)
            selected.append(candidates[chosen][1])
        return fronts, np.stack(selected)

    def _refit(self, scaled, gram, y, column_scale, support):
        """Least squares on one support; returns (weights (F,), mean squared error)
        with weights rounded to ``significant_digits``."""
        weights = np.zeros(scaled.shape[1])
        if support:
            sub = gram[np.ix_(support, support)]
            rhs = scaled[:, support].T @ y / scaled.shape[0]
            try:
                solution = np.linalg.solve(sub, rhs)
            except np.linalg.LinAlgError:
                solution = np.linalg.lstsq(scaled[:, support], y, rcond=None)[0]
            raw = solution / column_scale[support]
            weights[support] = [self._round(v) for v in raw]
        prediction = (scaled * column_scale) @ weights
        return weights, float(np.mean(np.square(prediction - y)))

    def _equation(self, complexity, loss, weights, support):
        expression = sympy.Add(
            *[
                sympy.Float(weights[i], self.significant_digits) * self.terms_[i]
                for i in support
            ]
        )
        return Equation(
            int(complexity), loss, 0.0, format_equation(expression), expression
        ), weights

    def _round(self, value: float) -> float:
        return float(f"{value:.{self.significant_digits}g}")

    # -- results ---------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "_fronts"):
            raise RuntimeError("this SparseRegressor is not fitted yet; call fit first")

    @property
    def equations_(self) -> ParetoFront | list[ParetoFront]:
        """The Pareto front of each output (a list for several outputs)."""
        self._check_fitted()
        return self._fronts[0] if self._single_output else list(self._fronts)

    def get_best(self, index: int | Sequence[int] | None = None):
        """The selected :class:`Equation` per output (``index``: a row of the front
        instead of ``model_selection``; a list of rows for several outputs)."""
        self._check_fitted()
        indices = self._indices(index)
        chosen = [front[i] for front, i in zip(self._fronts, indices, strict=True)]
        return chosen[0] if self._single_output else chosen

    def _indices(self, index) -> list[int]:
        if index is None:
            return [front.index(self.model_selection) for front in self._fronts]
        if isinstance(index, int):
            return [index] * len(self._fronts)
        return list(index)

    def sympy(self, index: int | Sequence[int] | None = None):
        """The selected equation(s) as sympy expressions."""
        best = self.get_best(index)
        return best.sympy if self._single_output else [e.sympy for e in best]

    def latex(self, index: int | Sequence[int] | None = None, precision: int = 3):
        """The selected equation(s) in LaTeX, constants to ``precision`` digits."""
        expressions = self.sympy(index)

        def render(expression):
            rounded = expression.xreplace(
                {n: sympy.Float(n, precision) for n in expression.atoms(sympy.Float)}
            )
            return sympy.latex(rounded)

        if self._single_output:
            return render(expressions)
        return [render(e) for e in expressions]

    def predict(
        self, X: np.ndarray, index: int | Sequence[int] | None = None
    ) -> np.ndarray:
        """Evaluate the selected equation(s) on ``X`` ``(N, F)``; returns ``(N,)`` for
        one output, ``(N, K)`` otherwise."""
        self._check_fitted()
        X = np.asarray(X, dtype=np.float64)
        symbols = [sympy.Symbol(n, real=True) for n in self.variable_names_]
        expressions = [e.sympy for e in np.atleast_1d(self.get_best(index))]
        with jax.enable_x64(True):
            function = sympy.lambdify(symbols, expressions, modules="jax")
            columns = function(*[X[:, i] for i in range(X.shape[1])])
            out = np.stack(
                [
                    np.broadcast_to(np.asarray(c, dtype=np.float64), X.shape[:1])
                    for c in columns
                ],
                axis=1,
            )
        return out[:, 0] if self._single_output else out
