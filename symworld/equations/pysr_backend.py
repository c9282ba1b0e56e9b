"""The optional PySR engine (``SymbolicRegressor(engine="pysr")``).

PySR runs its search in Julia. ``import pysr`` starts Julia and, on a machine without
a suitable Julia and the ``SymbolicRegression.jl`` package, downloads both — so this
module never imports PySR at module level: :func:`import_pysr` does it inside
:meth:`PySRBackend.fit`, and turns every failure into a
:class:`PySRUnavailableError` that says what is missing and how to fix it.

Our options are mapped to ``PySRRegressor`` keyword arguments by
:meth:`PySRBackend.pysr_options` (operators to PySR's names, ``seed`` to
``random_state`` with ``deterministic=True`` and ``parallelism="serial"``, which PySR
needs for reproducible runs, ``early_stop_loss`` to ``early_stop_condition``); any
other keyword is passed through unchanged. PySR's ``equations_`` are converted to our
:class:`~symworld.equations.frontier.ParetoFront` (equation text parsed with our
parser, scores recomputed with PySR's formula), so selection is identical for every
engine.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Sequence

import numpy as np

from symworld.equations.frontier import Equation, ParetoFront, parse_equation
from symworld.equations.operators import resolve_operators

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "Install it with `pip install 'symworld[pysr]'`. PySR needs Julia: on first "
    "`import pysr` it downloads Julia and SymbolicRegression.jl (network access "
    "required), or uses an existing Julia if PYTHON_JULIAPKG_EXE points at it (see "
    "https://github.com/JuliaPy/pyjuliapkg). Without PySR, use engine='jax' (the "
    "default, pip-only) or engine='sparse'."
)


class PySRUnavailableError(ImportError):
    """PySR or its Julia runtime cannot be used; the message names the fix."""


def is_installed() -> bool:
    """Whether the ``pysr`` package is installed (does not import it, so it never
    starts or downloads Julia)."""
    return importlib.util.find_spec("pysr") is not None


def import_pysr():
    """Import PySR (starting Julia), or raise :class:`PySRUnavailableError`."""
    try:
        return importlib.import_module("pysr")
    except ModuleNotFoundError as err:
        if err.name not in (None, "pysr"):
            raise PySRUnavailableError(
                f"PySR is installed but one of its dependencies is missing "
                f"({err.name}). {INSTALL_HINT}"
            ) from err
        raise PySRUnavailableError(f"PySR is not installed. {INSTALL_HINT}") from err
    except Exception as err:  # Julia download/start-up failures come in many types
        raise PySRUnavailableError(
            f"PySR is installed but could not start Julia ({type(err).__name__}: "
            f"{err}). {INSTALL_HINT}"
        ) from err


class PySRBackend:
    """Runs ``pysr.PySRRegressor`` with our options and returns our result types.

    **Arguments:** the options of
    :class:`~symworld.equations.regressor.SymbolicRegressor` (`binary_operators`,
    `unary_operators`, `maxsize`, `niterations`, `populations`, `population_size`,
    `timeout_in_seconds`, `early_stop_loss`, `model_selection`, `seed`, `progress`) and
    any ``PySRRegressor`` keyword (passed through, overriding the mapped ones).
    """

    def __init__(
        self,
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
        **pysr_kwargs,
    ):
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
        self.pysr_kwargs = dict(pysr_kwargs)

    def pysr_options(self) -> dict:
        """Keyword arguments for ``PySRRegressor``."""
        binary = resolve_operators(self.binary_operators)
        unary = resolve_operators(self.unary_operators)
        for op in binary:
            if op.arity != 2:
                raise ValueError(f"{op.name!r} is not a binary operator")
        for op in unary:
            if op.arity != 1:
                raise ValueError(f"{op.name!r} is not a unary operator")
        options = {
            "binary_operators": [op.pysr for op in binary],
            "unary_operators": [op.pysr for op in unary],
            "maxsize": self.maxsize,
            "niterations": self.niterations,
            "populations": self.populations,
            "population_size": self.population_size,
            "model_selection": self.model_selection,
            "random_state": self.seed,
            "deterministic": True,
            "parallelism": "serial",
            "progress": self.progress,
            "verbosity": 1 if self.progress else 0,
        }
        if self.timeout_in_seconds is not None:
            options["timeout_in_seconds"] = self.timeout_in_seconds
        if self.early_stop_loss is not None:
            options["early_stop_condition"] = self.early_stop_loss
        options.update(self.pysr_kwargs)
        return options

    def fit(
        self, X: np.ndarray, Y: np.ndarray, variable_names: Sequence[str]
    ) -> list[ParetoFront]:
        """Fit PySR; one :class:`ParetoFront` per column of `Y` (n, m)."""
        pysr = import_pysr()
        model = pysr.PySRRegressor(**self.pysr_options())
        Y = np.asarray(Y)
        target = Y[:, 0] if Y.ndim == 2 and Y.shape[1] == 1 else Y
        model.fit(np.asarray(X), target, variable_names=list(variable_names))
        tables = model.equations_
        if not isinstance(tables, list):
            tables = [tables]
        return [front_from_table(t, variable_names) for t in tables]


def front_from_table(table, variable_names: Sequence[str]) -> ParetoFront:
    """Our :class:`ParetoFront` from one PySR ``equations_`` table (a DataFrame or any
    object with ``complexity``, ``loss`` and ``equation`` columns)."""
    complexity = list(table["complexity"])
    loss = list(table["loss"])
    text = list(table["equation"])
    rows = []
    for c, value, eq in zip(complexity, loss, text, strict=True):
        expr = parse_equation(str(eq), variable_names)
        rows.append(Equation(int(c), float(value), 0.0, str(eq), expr))
    return ParetoFront.from_candidates(rows)
