"""Equations found by a search, the Pareto front they form, and PySR's selection rules.

Every engine (the JAX search, sparse regression, the PySR adapter) returns its result
as a :class:`ParetoFront` of :class:`Equation` records, so selection, printing and
file exchange work the same way whatever produced them.

The rules follow PySR (``pysr/sr.py`` and ``SymbolicRegression.jl``):

- the **hall of fame** keeps the best (lowest-loss) equation per complexity;
- the **Pareto front** walks complexities upward and keeps an equation only if its loss
  is strictly lower than that of every simpler equation kept;
- the **score** of front row ``i > 0`` is ``-log(loss_i / loss_{i-1}) /
  (complexity_i - complexity_{i-1})`` (``+inf`` when ``loss_i == 0``), and ``0`` for the
  first row;
- ``model_selection``: ``"accuracy"`` picks the lowest loss, ``"score"`` the highest
  score, ``"best"`` the highest score among rows with ``loss <= 1.5 * min(loss)``.

PySR's checkpoint file ``hall_of_fame.csv`` has the header ``Complexity,Loss,Equation``
and one row per front member; :func:`write_hall_of_fame` and :func:`read_hall_of_fame`
write and read it without Julia (equation text is parsed with SymPy and the operator
table of :mod:`symworld.equations.operators`, which also knows PySR's operator names).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import sympy as sp
from sympy.parsing.sympy_parser import (
    convert_xor,
    parse_expr,
    standard_transformations,
)

from symworld.atomic import write_atomic
from symworld.equations.operators import SYMPY_FUNCTIONS

MODEL_SELECTIONS = ("best", "accuracy", "score")
CSV_HEADER = ("Complexity", "Loss", "Equation")
BEST_LOSS_FACTOR = 1.5


class HallOfFameFileError(ValueError):
    """A ``hall_of_fame.csv`` file that cannot be read; names the file and row."""

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike | None = None,
        row: int | None = None,
    ):
        where = ""
        if path is not None:
            where = f"{path}"
            if row is not None:
                where += f", row {row}"
            where += ": "
        super().__init__(where + message)
        self.path = None if path is None else str(path)
        self.row = row


@dataclass(frozen=True)
class Equation:
    """One equation of a hall of fame or Pareto front.

    **Fields:**

    - `complexity`: int, number of nodes weighted by operator complexity (PySR's count).
    - `loss`: float, mean squared error on the training data (in the target's units
      squared).
    - `score`: float, PySR's score ``-Δlog(loss)/Δcomplexity`` against the previous row
      of the front (0 for the first row; set by :class:`ParetoFront`).
    - `equation`: str, the equation as text in PySR's syntax (``x0*x1/x2^2``).
    - `sympy`: the SymPy expression.
    """

    complexity: int
    loss: float
    score: float
    equation: str
    sympy: sp.Expr

    @classmethod
    def from_sympy(
        cls, expr: sp.Expr, loss: float, complexity: int | None = None
    ) -> Equation:
        """An equation from a SymPy expression; complexity counted when not given."""
        expr = sp.sympify(expr)
        if complexity is None:
            complexity = sympy_complexity(expr)
        return cls(int(complexity), float(loss), 0.0, format_equation(expr), expr)

    def to_dict(self) -> dict:
        """A JSON-serialisable record (the SymPy expression as its text)."""
        score = self.score
        return {
            "complexity": self.complexity,
            "loss": self.loss,
            "score": score if math.isfinite(score) else str(score),
            "equation": self.equation,
            "sympy": sp.sstr(self.sympy),
        }


def format_equation(expr: sp.Expr) -> str:
    """Equation text in PySR's syntax: SymPy's string with ``^`` for powers."""
    return sp.sstr(sp.sympify(expr)).replace("**", "^")


def sympy_complexity(expr: sp.Expr) -> int:
    """PySR-style node count of a SymPy expression seen as a binary tree.

    Every symbol, number, operator node counts 1; an n-ary sum or product counts
    ``n - 1`` binary nodes; ``-x`` counts as ``neg(x)``; ``x**2``/``x**3``/``x**-1``/
    ``x**(1/2)`` count as the unary ``square``/``cube``/``inv``/``sqrt``.
    """
    expr = sp.sympify(expr)
    if expr.is_Atom:
        return 1
    if isinstance(expr, sp.Mul):
        coeff, rest = expr.as_coeff_Mul()
        if coeff == -1:
            return 1 + sympy_complexity(rest)
        numerator, denominator = [], []
        for arg in expr.args:
            if arg.is_Pow and arg.exp.is_Number and arg.exp < 0:
                denominator.append(arg.base ** (-arg.exp))
            else:
                numerator.append(arg)
        if not denominator:
            return len(numerator) - 1 + sum(sympy_complexity(a) for a in numerator)
        below = 1 + sympy_complexity(sp.Mul(*denominator, evaluate=False))
        if not numerator:
            return below
        return below + sympy_complexity(sp.Mul(*numerator, evaluate=False))
    if isinstance(expr, sp.Add):
        args = expr.args
        return len(args) - 1 + sum(sympy_complexity(a) for a in args)
    if isinstance(expr, sp.Pow):
        base, exponent = expr.args
        if exponent in (2, 3, -1, sp.Rational(1, 2)):
            return 1 + sympy_complexity(base)
        return 1 + sympy_complexity(base) + sympy_complexity(exponent)
    return 1 + sum(sympy_complexity(a) for a in expr.args)


def compute_scores(complexity: Sequence[float], loss: Sequence[float]) -> np.ndarray:
    """PySR's score for rows sorted by increasing complexity.

    **Arguments:** `complexity`, `loss`: shape (n,).
    **Returns:** float64 (n,): ``score[0] = 0``; ``score[i] = -log(loss[i]/loss[i-1]) /
    (complexity[i] - complexity[i-1])``, ``+inf`` where ``loss[i] == 0``.
    """
    complexity = np.asarray(complexity, dtype=np.float64)
    loss = np.asarray(loss, dtype=np.float64)
    score = np.zeros(len(loss))
    for i in range(1, len(loss)):
        if loss[i] == 0.0:
            score[i] = np.inf
            continue
        dc = complexity[i] - complexity[i - 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            score[i] = -np.log(loss[i] / loss[i - 1]) / dc
    return score


def select_index(
    loss: Sequence[float], score: Sequence[float] | None, model_selection: str = "best"
) -> int:
    """Index of the selected row under PySR's ``model_selection`` rule.

    ``"accuracy"``: lowest loss; ``"score"``: highest score; ``"best"``: highest score
    among rows with ``loss <= 1.5 * min(loss)``. Without scores, ``"accuracy"``.
    """
    if model_selection not in MODEL_SELECTIONS:
        raise ValueError(
            f"model_selection must be one of {MODEL_SELECTIONS}, "
            f"got {model_selection!r}"
        )
    loss = np.asarray(loss, dtype=np.float64)
    if len(loss) == 0:
        raise ValueError("cannot select from an empty Pareto front")
    if score is None or model_selection == "accuracy":
        return int(np.argmin(loss))
    score = np.asarray(score, dtype=np.float64)
    if model_selection == "score":
        return int(np.argmax(score))
    eligible = loss <= BEST_LOSS_FACTOR * np.min(loss)
    masked = np.where(eligible, score, -np.inf)
    return int(np.argmax(masked))


def pareto_indices(complexity: Sequence[float], loss: Sequence[float]) -> list[int]:
    """Indices of the Pareto front: per complexity the lowest loss, kept only when
    strictly lower than every simpler kept loss; ordered by increasing complexity.
    Non-finite losses never enter the front."""
    complexity = np.asarray(complexity)
    loss = np.asarray(loss, dtype=np.float64)
    best: dict[int, int] = {}
    for i, (c, val) in enumerate(zip(complexity.tolist(), loss.tolist(), strict=True)):
        if not math.isfinite(val):
            continue
        if c not in best or val < loss[best[c]]:
            best[c] = i
    front = []
    best_so_far = math.inf
    for c in sorted(best):
        i = best[c]
        if loss[i] < best_so_far:
            front.append(i)
            best_so_far = loss[i]
    return front


class ParetoFront(Sequence):
    """The Pareto front of a search: equations by increasing complexity and strictly
    decreasing loss, with PySR's scores.

    Build it with :meth:`from_candidates` (any iterable of :class:`Equation`; the hall
    of fame and the front are derived, scores recomputed) or read it from a PySR
    ``hall_of_fame.csv`` with :meth:`read_csv`.

    Example::

        front = ParetoFront.from_candidates(equations)
        front.select("best").sympy
    """

    def __init__(self, equations: Iterable[Equation]):
        rows = list(equations)
        complexity = [e.complexity for e in rows]
        loss = [e.loss for e in rows]
        if any(b <= a for a, b in zip(complexity, complexity[1:], strict=False)):
            raise ValueError("Pareto front rows must have increasing complexity")
        if any(b >= a for a, b in zip(loss, loss[1:], strict=False)):
            raise ValueError("Pareto front rows must have strictly decreasing loss")
        scores = compute_scores(complexity, loss)
        self._rows = tuple(
            replace(e, score=float(s)) for e, s in zip(rows, scores, strict=True)
        )

    @classmethod
    def from_candidates(cls, candidates: Iterable[Equation]) -> ParetoFront:
        """The front of any collection of equations (duplicates and dominated rows
        removed by PySR's rule)."""
        rows = list(candidates)
        keep = pareto_indices([e.complexity for e in rows], [e.loss for e in rows])
        return cls(rows[i] for i in keep)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        return self._rows[index]

    def __iter__(self) -> Iterator[Equation]:
        return iter(self._rows)

    def __repr__(self) -> str:
        lines = [f"ParetoFront({len(self)} equations)"]
        for e in self._rows:
            lines.append(
                f"  {e.complexity:3d}  {e.loss:.4g}  {e.score:.4g}  {e.equation}"
            )
        return "\n".join(lines)

    @property
    def complexity(self) -> np.ndarray:
        """int64 (n,)."""
        return np.array([e.complexity for e in self._rows], dtype=np.int64)

    @property
    def loss(self) -> np.ndarray:
        """float64 (n,)."""
        return np.array([e.loss for e in self._rows], dtype=np.float64)

    @property
    def score(self) -> np.ndarray:
        """float64 (n,)."""
        return np.array([e.score for e in self._rows], dtype=np.float64)

    def index(self, model_selection: str = "best") -> int:  # type: ignore[override]
        """Row index selected by PySR's ``model_selection`` rule."""
        return select_index(self.loss, self.score, model_selection)

    def select(self, model_selection: str = "best") -> Equation:
        """The equation selected by PySR's ``model_selection`` rule."""
        return self._rows[self.index(model_selection)]

    def to_records(self) -> list[dict]:
        """JSON-serialisable rows (see :meth:`Equation.to_dict`)."""
        return [e.to_dict() for e in self._rows]

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Write PySR's ``hall_of_fame.csv`` (atomically). Returns the path."""
        return write_hall_of_fame(self, path)

    @classmethod
    def read_csv(
        cls, path: str | os.PathLike, variable_names: Sequence[str] | None = None
    ) -> ParetoFront:
        """Read PySR's ``hall_of_fame.csv`` (see :func:`read_hall_of_fame`)."""
        return read_hall_of_fame(path, variable_names)


class HallOfFame:
    """Best equation per complexity, updated as a search goes; :meth:`front` gives the
    Pareto front."""

    def __init__(self) -> None:
        self._best: dict[int, Equation] = {}

    def __len__(self) -> int:
        return len(self._best)

    def __iter__(self) -> Iterator[Equation]:
        return iter(self._best[c] for c in sorted(self._best))

    def update(self, equation: Equation) -> bool:
        """Keep `equation` if it beats the current one of its complexity; returns
        whether it was kept. Non-finite losses are ignored."""
        if not math.isfinite(equation.loss):
            return False
        old = self._best.get(equation.complexity)
        if old is None or equation.loss < old.loss:
            self._best[equation.complexity] = equation
            return True
        return False

    def front(self) -> ParetoFront:
        return ParetoFront.from_candidates(list(self))


# --------------------------------------------------------------------------- files

_JULIA_FLOAT = re.compile(r"(?<![\w.])(\d+\.?\d*|\.\d+)f([+-]?\d+)")


def _preprocess_julia(text: str) -> str:
    """Julia float literals (``1.5f-3``, ``2.0f0``) to Python ones."""
    return _JULIA_FLOAT.sub(r"\1e\2", text)


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def parse_equation(text: str, variable_names: Sequence[str] | None = None) -> sp.Expr:
    """Parse equation text (ours or PySR's Julia-style) into a SymPy expression.

    Variable names given in `variable_names` always become symbols, even when they
    collide with SymPy names such as ``E`` or ``S``; other identifiers are operators
    from the operator table (ours and PySR's names), ``pi``, ``E``, or new symbols.
    Raises `ValueError` for text that does not parse.
    """
    source = _preprocess_julia(text.strip())
    if not source:
        raise ValueError("empty equation text")
    local: dict[str, object] = {}
    names = set(variable_names or ())
    for ident in set(_IDENTIFIER.findall(source)):
        if ident in names:
            local[ident] = sp.Symbol(ident, real=True)
        elif ident in SYMPY_FUNCTIONS:
            local[ident] = SYMPY_FUNCTIONS[ident]
        elif ident == "pi":
            local[ident] = sp.pi
        elif ident in ("E", "e") and ident not in names:
            if ident == "E":
                local[ident] = sp.E
            else:
                local[ident] = sp.Symbol(ident, real=True)
        elif ident in ("Inf", "inf", "NaN", "nan"):
            local[ident] = {"Inf": sp.oo, "inf": sp.oo}.get(ident, sp.nan)
        else:
            local[ident] = sp.Symbol(ident, real=True)
    try:
        expr = parse_expr(
            source,
            local_dict=local,
            global_dict={
                "Integer": sp.Integer,
                "Float": sp.Float,
                "Rational": sp.Rational,
                "Symbol": sp.Symbol,
            },
            transformations=standard_transformations + (convert_xor,),
            evaluate=True,
        )
    except Exception as err:  # SymPy raises many types for bad text
        raise ValueError(f"cannot parse equation {text!r}: {err}") from None
    if not isinstance(expr, sp.Expr):
        raise ValueError(f"equation {text!r} is not an expression")
    return expr


def write_hall_of_fame(front: Iterable[Equation], path: str | os.PathLike) -> Path:
    """Write equations to PySR's ``hall_of_fame.csv`` format (``Complexity,Loss,
    Equation``), atomically. Returns the path."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    for e in front:
        writer.writerow([int(e.complexity), repr(float(e.loss)), e.equation])
    return write_atomic(path, buffer.getvalue())


def read_hall_of_fame(
    path: str | os.PathLike, variable_names: Sequence[str] | None = None
) -> ParetoFront:
    """Read a PySR ``hall_of_fame.csv`` (or one we wrote) into a :class:`ParetoFront`.

    Rows that are not on the Pareto front are dropped (PySR only writes front rows, so
    for its files nothing is lost). Raises :class:`HallOfFameFileError` naming the file
    and the row for a wrong header, a missing field, a bad number or bad equation text.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise HallOfFameFileError(
            f"cannot read file: {err.strerror}", path=path
        ) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise HallOfFameFileError("empty file", path=path) from None
    if tuple(h.strip() for h in header) != CSV_HEADER:
        raise HallOfFameFileError(
            f"header must be {','.join(CSV_HEADER)}, got {','.join(header)}",
            path=path,
            row=1,
        )
    rows = []
    for line_no, fields in enumerate(reader, start=2):
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != 3:
            raise HallOfFameFileError(
                f"expected 3 fields, got {len(fields)}", path=path, row=line_no
            )
        try:
            complexity_f = float(fields[0])
            if not complexity_f.is_integer() or complexity_f < 1:
                raise ValueError
            complexity = int(complexity_f)
        except ValueError:
            raise HallOfFameFileError(
                f"Complexity must be a positive integer, got {fields[0]!r}",
                path=path,
                row=line_no,
            ) from None
        try:
            loss = float(_preprocess_julia(fields[1].strip()))
        except ValueError:
            raise HallOfFameFileError(
                f"Loss must be a number, got {fields[1]!r}", path=path, row=line_no
            ) from None
        try:
            expr = parse_equation(fields[2], variable_names)
        except ValueError as err:
            raise HallOfFameFileError(str(err), path=path, row=line_no) from None
        rows.append(Equation(complexity, loss, 0.0, fields[2].strip(), expr))
    if not rows:
        raise HallOfFameFileError("no equations in file", path=path)
    return ParetoFront.from_candidates(rows)


def hall_of_fame_filename(output: int | None = None) -> str:
    """PySR's file name: ``hall_of_fame.csv``, or ``hall_of_fame_output{i}.csv`` for
    output `i` of a multi-output fit."""
    return "hall_of_fame.csv" if output is None else f"hall_of_fame_output{output}.csv"
