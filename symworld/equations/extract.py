"""From a trajectory to its equations: targets, an engine, fronts and a model.

:func:`extract` builds regression targets from a :class:`~symworld.trajectory.
Trajectory` (time derivatives or next-step maps, :mod:`symworld.equations.targets`),
fits every state variable with one engine (all components of a vector field in one
call), and returns an :class:`Extraction`: per variable the Pareto front and the
selected equation, plus an :class:`~symworld.equations.model.EquationModel` whose
Gaussian noise is fitted from the one-step residuals.

Engines: ``"sparse"`` (:class:`~symworld.equations.sparse.SparseRegressor`, a
candidate library solved by thresholded least squares), ``"jax"`` (our
symbolic-regression engine, ``symworld.equations.regressor.SymbolicRegressor``) and
``"pysr"`` (the PySR adapter, which needs Julia).

Clipped variables: gymnasium's Pendulum-v1 clips the angular velocity to
``[-8, 8]`` after its update, so on a clipped transition ``theta_dot[t+1]`` is not
given by the physical law. Next-step extraction drops every transition whose next
``|theta_dot|`` reaches 8 (the bound is looked up from the trajectory's ``env_id``;
pass ``clip=`` to set bounds yourself or ``clip={}`` to keep everything).
"""

from __future__ import annotations

import dataclasses
import json
import keyword
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from symworld.atomic import write_atomic
from symworld.equations.frontier import (
    Equation,
    ParetoFront,
    hall_of_fame_filename,
)
from symworld.equations.model import EquationModel, save_model
from symworld.equations.sparse import CandidateLibrary, SparseRegressor
from symworld.equations.targets import (
    RegressionTargets,
    derivative_targets,
    next_step_targets,
)
from symworld.trajectory import Trajectory

logger = logging.getLogger(__name__)

ENGINES = ("jax", "sparse", "pysr")
TARGETS = ("derivative", "next")
SELECTIONS = ("bic", "best", "accuracy", "score")


EXACT_RELATIVE_RMS = 1e-3  # RMS error below this fraction of the target's RMS = exact


def select_equation(
    front: ParetoFront, rule: str, samples: int, target_rms: float = 0.0
) -> int:
    """Index of the equation ``rule`` picks from ``front``.

    ``"best"``, ``"accuracy"``, ``"score"`` are PySR's rules
    (:meth:`ParetoFront.index`). ``"bic"`` minimises the Schwarz criterion
    ``N ln(loss) + complexity ln(N)`` over the front, with ``N`` the number of
    samples and the complexity standing in for the number of parameters. When the
    loss is dominated by noise in the targets (derivatives of noisy data), a missing
    term raises the loss by much less than PySR's factor 1.5 and ``"best"`` picks an
    equation that is too simple, while the criterion, which weighs the loss change by
    the number of samples, still keeps the term.

    Losses below ``(EXACT_RELATIVE_RMS * target_rms)**2`` (an RMS error under 0.1% of
    the target's RMS) count as exact fits and are raised to that floor, so that on
    noise-free data the small, structured error of the derivative estimate does not
    let a longer equation win.
    """
    if rule != "bic":
        return front.index(rule)
    floor = max((EXACT_RELATIVE_RMS * target_rms) ** 2, np.finfo(float).tiny)
    loss = np.maximum(front.loss, floor)
    criterion = samples * np.log(loss) + front.complexity * np.log(samples)
    return int(np.argmin(criterion))


@dataclasses.dataclass(frozen=True)
class Extraction:
    """The result of :func:`extract`.

    **Fields:**

    - ``equations``: ``{column: Equation}``, the selected equation per state column.
    - ``fronts``: ``{column: ParetoFront}``, the Pareto front per state column.
    - ``model``: the :class:`EquationModel` of the selected equations.
    - ``kind``: ``"derivative"``, ``"delta"`` or ``"next"``.
    - ``engine``, ``seed``, ``model_selection``: how the equations were found.
    - ``symbols``: ``{symbol used in the equations: column name}`` (column names
      such as ``action.0`` are not valid identifiers and become ``action_0``).
    - ``samples``: number of regression samples; ``dropped``: transitions dropped
      as clipped; ``dt``: the time step.
    """

    equations: dict[str, Equation]
    fronts: dict[str, ParetoFront]
    model: EquationModel
    kind: str
    engine: str
    seed: int
    model_selection: str
    symbols: dict[str, str]
    samples: int
    dropped: int
    dt: float

    def sympy(self) -> dict:
        """``{column: sympy expression}`` of the selected equations."""
        return {name: e.sympy for name, e in self.equations.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (what the CLI prints with ``--json``)."""
        return {
            "equations": {n: str(e.sympy) for n, e in self.equations.items()},
            "kind": self.kind,
            "engine": self.engine,
            "seed": self.seed,
            "model_selection": self.model_selection,
            "dt": self.dt,
            "samples": self.samples,
            "dropped_clipped": self.dropped,
            "symbols": self.symbols,
            "selected": {n: e.to_dict() for n, e in self.equations.items()},
            "fronts": {n: f.to_records() for n, f in self.fronts.items()},
            "model": self.model.to_dict(),
        }

    # the names write() may use (glob patterns), for replacing an old output
    OUTPUT_FILES = (
        "hall_of_fame.csv",
        "hall_of_fame_output*.csv",
        "result.json",
        "model.json",
        "equations.txt",
    )

    def write(self, directory: str | Path) -> list[Path]:
        """Write the hall of fame of every variable in PySR's CSV format
        (``hall_of_fame.csv`` for one variable, ``hall_of_fame_output{i}.csv``
        otherwise), ``result.json`` and the model (``model.json``,
        ``equations.txt``), each file atomically. Returns the paths written."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        names = list(self.fronts)
        for index, name in enumerate(names):
            filename = hall_of_fame_filename(None if len(names) == 1 else index)
            paths.append(self.fronts[name].to_csv(directory / filename))
        record = self.to_dict()
        record["hall_of_fame_files"] = {
            name: path.name for name, path in zip(names, paths, strict=True)
        }
        paths.append(
            write_atomic(directory / "result.json", json.dumps(record, indent=2) + "\n")
        )
        paths.append(save_model(self.model, directory, columns=self.symbols))
        paths.append(directory / "equations.txt")
        return paths


def symbol_names(columns: Sequence[str]) -> list[str]:
    """Valid, distinct Python identifiers for column names (``action.0`` ->
    ``action_0``); names that already are identifiers are kept, and a renamed
    column never takes such a name (``a b`` beside ``a_b`` becomes ``a_b_2``)."""
    kept = {c for c in columns if _is_symbol(c)}
    used = set(kept)
    out = []
    for column in columns:
        if column in kept:
            out.append(column)
            continue
        name = re.sub(r"\W", "_", column)
        if not name or name[0].isdigit():
            name = "v_" + name
        if keyword.iskeyword(name):
            name += "_"
        base, count = name, 1
        while name in used:
            count += 1
            name = f"{base}_{count}"
        used.add(name)
        out.append(name)
    return out


def _is_symbol(name: str) -> bool:
    """True for a name :func:`symbol_names` keeps as it is."""
    return (
        re.fullmatch(r"\w+", name) is not None
        and not name[0].isdigit()
        and not keyword.iskeyword(name)
    )


def make_regressor(engine: str, seed: int, options: Mapping[str, Any] | None = None):
    """The estimator of ``engine`` (``fit(X, Y, variable_names=...)``,
    ``equations_``): :class:`SparseRegressor` for ``"sparse"`` (``options`` are its
    arguments; ``library`` may be a dict of :class:`CandidateLibrary` fields),
    :class:`~symworld.equations.regressor.SymbolicRegressor` otherwise (``options``
    are its arguments, e.g. ``niterations``, ``unary_operators``)."""
    options = dict(options or {})
    if engine == "sparse":
        library = options.pop("library", None)
        if isinstance(library, Mapping):
            library = CandidateLibrary(**library)
        return SparseRegressor(library=library, **options)
    if engine in ("jax", "pysr"):
        try:
            from symworld.equations.regressor import SymbolicRegressor
        except ImportError as error:
            raise ValueError(
                f"engine {engine!r} needs symworld.equations.regressor, which is not "
                f"available in this installation ({error}); use engine='sparse'"
            ) from None
        return SymbolicRegressor(engine=engine, seed=seed, **options)
    raise ValueError(f"unknown engine {engine!r}; use one of {ENGINES}")


def _fronts(regressor, count: int) -> list[ParetoFront]:
    fronts = regressor.equations_
    if isinstance(fronts, ParetoFront):
        fronts = [fronts]
    fronts = list(fronts)
    if len(fronts) != count:
        raise RuntimeError(f"engine returned {len(fronts)} fronts for {count} outputs")
    return fronts


def extract(
    trajectory: Trajectory,
    target: str = "derivative",
    *,
    state: str | Sequence[str] | None = None,
    action: str | Sequence[str] | None = None,
    engine: str = "jax",
    seed: int = 0,
    model_selection: str = "bic",
    derivative: str = "finite_difference",
    accuracy: int = 2,
    window: int = 7,
    order: int = 3,
    smooth_inputs: int | None = None,
    delta: bool = True,
    clip: Mapping[str, float] | None = None,
    substeps: int = 1,
    engine_options: Mapping[str, Any] | None = None,
) -> Extraction:
    """Find the equations that generate ``trajectory``.

    **Arguments:**

    - ``trajectory``: the data (a ``time`` column is needed for derivatives).
    - ``target``: ``"derivative"`` (``dx/dt = f(x, u)``, a joint vector field) or
      ``"next"`` (``x_{t+1} - x_t = f(x_t, u_t)``, or ``x_{t+1}`` with
      ``delta=False``).
    - ``state``, ``action``: the columns (list or comma-separated string); all
      state columns by default; no actions for derivatives and all actions for
      next-step maps by default.
    - ``engine``: ``"jax"``, ``"sparse"`` or ``"pysr"``; ``seed``: its seed.
    - ``model_selection``: the rule picking one equation per front: ``"bic"``
      (default, see :func:`select_equation`) or PySR's ``"best"``, ``"accuracy"``,
      ``"score"``.
    - ``derivative``, ``accuracy``, ``window``, ``order``, ``smooth_inputs``:
      derivative estimation (:func:`~symworld.equations.targets.derivative_targets`).
    - ``delta``, ``clip``: next-step options
      (:func:`~symworld.equations.targets.next_step_targets`).
    - ``substeps``: RK4 steps per transition in the returned model.
    - ``engine_options``: extra keyword arguments of the engine's estimator.

    **Returns:** an :class:`Extraction`.
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {ENGINES}")
    if target == "derivative":
        targets = derivative_targets(
            trajectory,
            state=state,
            action=action,
            method=derivative,
            accuracy=accuracy,
            window=window,
            order=order,
            smooth_inputs=smooth_inputs,
        )
    else:
        targets = next_step_targets(
            trajectory, state=state, action=action, delta=delta, clip=clip
        )
    return fit_targets(
        trajectory,
        targets,
        engine=engine,
        seed=seed,
        model_selection=model_selection,
        substeps=substeps,
        engine_options=engine_options,
    )


def fit_targets(
    trajectory: Trajectory,
    targets: RegressionTargets,
    *,
    engine: str = "jax",
    seed: int = 0,
    model_selection: str = "bic",
    substeps: int = 1,
    engine_options: Mapping[str, Any] | None = None,
) -> Extraction:
    """Fit prepared :class:`RegressionTargets` (see :func:`extract`)."""
    columns = targets.input_names
    symbols = symbol_names(columns)
    renamed = {c: s for c, s in zip(columns, symbols, strict=True) if c != s}
    if renamed:
        logger.warning(
            "columns renamed to valid, distinct symbols: %s",
            ", ".join(f"{c!r} -> {s}" for c, s in renamed.items()),
        )
    state_symbols = symbols[: len(targets.state_names)]
    action_symbols = symbols[len(targets.state_names) :]
    if model_selection not in SELECTIONS:
        raise ValueError(
            f"model_selection must be one of {SELECTIONS}, got {model_selection!r}"
        )
    options = dict(engine_options or {})
    options.setdefault(
        "model_selection", "best" if model_selection == "bic" else model_selection
    )
    regressor = make_regressor(engine, seed, options)
    logger.info(
        "fitting %d %s targets on %d samples with engine %s",
        len(targets.state_names),
        targets.kind,
        len(targets.inputs),
        engine,
    )
    regressor.fit(targets.inputs, targets.targets, variable_names=symbols)
    fronts = _fronts(regressor, len(targets.state_names))
    samples = len(targets.inputs)
    target_rms = np.sqrt(np.mean(np.square(targets.targets), axis=0))
    selected = [
        front[select_equation(front, model_selection, samples, float(rms))]
        for front, rms in zip(fronts, target_rms, strict=True)
    ]

    model = EquationModel(
        {s: e.sympy for s, e in zip(state_symbols, selected, strict=True)},
        state_symbols,
        action_symbols,
        kind=targets.kind,
        dt=targets.dt,
        substeps=substeps,
    )
    model = _fit_model_noise(model, trajectory, targets)
    return Extraction(
        equations=dict(zip(targets.state_names, selected, strict=True)),
        fronts=dict(zip(targets.state_names, fronts, strict=True)),
        model=model,
        kind=targets.kind,
        engine=engine,
        seed=seed,
        model_selection=model_selection,
        symbols=dict(zip(symbols, columns, strict=True)),
        samples=len(targets.inputs),
        dropped=targets.dropped,
        dt=targets.dt,
    )


def _fit_model_noise(
    model: EquationModel, trajectory: Trajectory, targets: RegressionTargets
) -> EquationModel:
    """Noise from one-step residuals on the transitions used for fitting."""
    # rows whose next row is the same episode's next step (no gap from dropped rows)
    leaving = np.flatnonzero(trajectory.successor)
    rows = np.intersect1d(targets.rows, leaving)
    if rows.size == 0:
        return model
    states = trajectory.state_matrix(targets.state_names)
    actions = (
        trajectory.action_matrix(targets.action_names)[rows]
        if targets.action_names
        else None
    )
    return model.fit_noise(states[rows], actions, states[rows + 1])
