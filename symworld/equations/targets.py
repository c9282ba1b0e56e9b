"""Regression targets from trajectories: time derivatives or next-step maps.

Equation discovery regresses a target on the inputs ``(x_t, u_t)`` (state and
action columns of a :class:`~symworld.trajectory.Trajectory`):

- :func:`derivative_targets`: ``dx/dt`` per state variable, estimated per episode
  from the time column (:mod:`symworld.equations.derivatives`); all components
  together form a joint vector-field target ``dx/dt = f(x, u)``;
- :func:`next_step_targets`: the next state ``x_{t+1}`` or the increment
  ``x_{t+1} - x_t`` (``delta=True``) for every transition, which is the natural
  target for gymnasium rollouts (a discrete-time map ``x_{t+1} = F(x_t, u_t)``).

Both check their input and raise :class:`TargetError` naming the column at fault:
unknown columns, a constant column, NaN or infinite values, too few rows.

``clip`` handles state variables that the simulator clips (Pendulum-v1 clips its
angular velocity to ``[-8, 8]``): transitions whose next value reaches the bound are
dropped, because on them the unclipped law does not hold (see
``docs/equations.md``). :data:`KNOWN_CLIPS` lists the bounds of the gymnasium
environments we know; they are applied automatically when the trajectory's
``metadata["env_id"]`` names one of them or, for files, when its state columns carry
that env's observation names (:func:`known_clips`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from symworld.equations.derivatives import DerivativeError, time_derivative
from symworld.trajectory import Trajectory

logger = logging.getLogger(__name__)

# env id prefix -> {state column: bound on |value|} (gymnasium's own constants).
KNOWN_CLIPS: dict[str, dict[str, float]] = {
    "Pendulum": {"theta_dot": 8.0},
}


class TargetError(ValueError):
    """Trajectory columns from which regression targets cannot be built."""


class RegressionTargets(NamedTuple):
    """Inputs and targets for equation discovery, ``B`` samples.

    - ``inputs``: float64 ``(B, S + A)``, state then action columns.
    - ``targets``: float64 ``(B, S)``, one column per state variable.
    - ``state_names`` (``S``), ``action_names`` (``A``): the column names.
    - ``kind``: ``"derivative"``, ``"next"`` (``x_{t+1}``) or ``"delta"``
      (``x_{t+1} - x_t``).
    - ``dt``: the median time step (time units; 1.0 without a time column).
    - ``rows``: int64 ``(B,)``, the source row of each sample.
    - ``dropped``: number of transitions removed by ``clip``.
    """

    inputs: np.ndarray
    targets: np.ndarray
    state_names: list[str]
    action_names: list[str]
    kind: str
    dt: float
    rows: np.ndarray
    dropped: int = 0

    @property
    def input_names(self) -> list[str]:
        return self.state_names + self.action_names


def _names(columns: Mapping[str, np.ndarray], wanted, kind: str) -> list[str]:
    if wanted is None:
        return list(columns)
    if isinstance(wanted, str):
        wanted = [name.strip() for name in wanted.split(",") if name.strip()]
    missing = [name for name in wanted if name not in columns]
    if missing:
        raise TargetError(
            f"no {kind} column {missing[0]!r}; the {kind} columns are {list(columns)}"
        )
    return list(wanted)


# Above this magnitude a squared residual overflows float64 (sqrt(1.8e308) ~ 1.3e154).
LARGEST_MAGNITUDE = 1e150


def _check_columns(matrix: np.ndarray, names: Sequence[str]) -> None:
    for index, name in enumerate(names):
        column = matrix[:, index]
        bad = np.flatnonzero(~np.isfinite(column))
        if bad.size:
            value = float(column[bad[0]])
            raise TargetError(
                f"column {name!r}, row {int(bad[0])}: value {value!r} is not "
                f"finite (drop or fill such rows first, e.g. read_trajectory(..., "
                f"drop_nonfinite=True))"
            )
        if column.size and np.all(column == column[0]):
            value = float(column[0])
            used = "sample" if column.size == 1 else "samples"
            raise TargetError(
                f"column {name!r} is constant over the {column.size} {used} used "
                f"(every one is {value!r}); it carries no information for equation "
                f"discovery: leave it out of the state and action columns"
                + (" or give more rows" if column.size < 3 else "")
            )
        largest = float(np.max(np.abs(column))) if column.size else 0.0
        if largest > LARGEST_MAGNITUDE:
            raise TargetError(
                f"column {name!r} holds values up to {largest:.3g}: beyond "
                f"{LARGEST_MAGNITUDE:g} their squares overflow float64 and no "
                f"equation can be fitted; rescale the column first"
            )


def _select(trajectory: Trajectory, state, action):
    state_names = _names(trajectory.state, state, "state")
    action_names = _names(trajectory.action, [] if action is None else action, "action")
    if not state_names:
        raise TargetError("no state columns to model")
    for name in state_names + action_names:
        values = (trajectory.state | trajectory.action)[name]
        if np.ndim(values) != 1:
            raise TargetError(
                f"column {name!r} has shape {np.shape(values)[1:]} per row; equation "
                f"discovery needs scalar columns"
            )
    return state_names, action_names


def _median_dt(trajectory: Trajectory) -> float:
    if trajectory.time is None:
        return 1.0
    steps = np.diff(trajectory.time)[trajectory.successor[:-1]]
    return float(np.median(steps)) if steps.size else 1.0


def _with_time_name(
    error: DerivativeError, trajectory: Trajectory, state_names: Sequence[str]
) -> str:
    """``error``'s message naming the time column as the file does (``'t'``):
    the estimator calls it ``'time'``."""
    message = str(error)
    name = trajectory.metadata.get("time_column")
    prefix = "column 'time'"
    if (
        error.column == "time"
        and "time" not in state_names
        and isinstance(name, str)
        and message.startswith(prefix)
    ):
        message = f"column {name!r}" + message[len(prefix) :]
    return message


def derivative_targets(
    trajectory: Trajectory,
    *,
    state: str | Sequence[str] | None = None,
    action: str | Sequence[str] | None = None,
    method: str = "finite_difference",
    accuracy: int = 2,
    window: int = 7,
    order: int = 3,
    smoothing: float | None = None,
    smooth_inputs: int | None = None,
) -> RegressionTargets:
    """Time derivatives of the state columns as targets (a joint vector field).

    **Arguments:**

    - ``trajectory``: needs a ``time`` column.
    - ``state``, ``action``: column names (list or comma-separated); all state
      columns and no action by default.
    - ``method``, ``accuracy``, ``window``, ``order``, ``smoothing``: the derivative
      estimator (:func:`~symworld.equations.derivatives.time_derivative`).
    - ``smooth_inputs``: when given, the state inputs (not the targets) are
      Savitzky-Golay smoothed (this window, degree 4) per episode before they enter
      the regression. Noise in the inputs biases least-squares coefficients
      (errors in variables); smoothing reduces that bias.

    **Returns:** :class:`RegressionTargets` with ``kind="derivative"``, one sample per
    row (the action of an episode's last row is its fill value).
    """
    if trajectory.time is None:
        raise TargetError(
            "derivative targets need a time column (give --time, or use "
            "target='next' for a discrete-time map)"
        )
    state_names, action_names = _select(trajectory, state, action)
    states = trajectory.state_matrix(state_names)
    actions = trajectory.action_matrix(action_names) if action_names else None
    _check_columns(states, state_names)
    if actions is not None:
        last = trajectory.last_row
        _check_columns(actions[~last], action_names)
    try:
        derivatives = time_derivative(
            states,
            trajectory.time,
            episode=trajectory.episode,
            method=method,
            accuracy=accuracy,
            window=window,
            order=order,
            smoothing=smoothing,
            names=state_names,
        )
    except DerivativeError as error:
        raise TargetError(_with_time_name(error, trajectory, state_names)) from None
    inputs = states
    if smooth_inputs is not None:
        inputs = _smooth(states, trajectory.episode, smooth_inputs)
    rows = np.arange(trajectory.num_rows)
    if actions is not None:
        # the last row of an episode has no action: drop it
        keep = ~trajectory.last_row
        inputs, derivatives, actions, rows = (
            inputs[keep],
            derivatives[keep],
            actions[keep],
            rows[keep],
        )
        inputs = np.concatenate([inputs, actions], axis=1)
    return RegressionTargets(
        inputs=inputs,
        targets=derivatives,
        state_names=state_names,
        action_names=action_names,
        kind="derivative",
        dt=_median_dt(trajectory),
        rows=rows,
    )


def _smooth(values: np.ndarray, episode: np.ndarray, window: int) -> np.ndarray:
    from scipy.signal import savgol_filter

    out = np.empty_like(values)
    breaks = np.flatnonzero(episode[1:] != episode[:-1]) + 1
    for block in np.split(np.arange(len(values)), breaks):
        if len(block) < window:
            raise TargetError(
                f"episode {int(episode[block[0]])} has {len(block)} rows, fewer than "
                f"the smoothing window {window}"
            )
        out[block] = savgol_filter(values[block], window, 4, axis=0, mode="interp")
    return out


def known_clips(trajectory: Trajectory) -> dict[str, float]:
    """The clipping bounds that apply to this trajectory's env, restricted to its
    state columns.

    The env is ``metadata["env_id"]`` when present (rollouts collected in this
    process). A file does not store it, so otherwise an env of :data:`KNOWN_CLIPS`
    whose observation names (:data:`symworld.rollouts.OBSERVATION_NAMES`, the names
    ``symworld collect`` writes) are all state columns is assumed.
    """
    from symworld.rollouts import OBSERVATION_NAMES

    env_id = str(trajectory.metadata.get("env_id") or "")
    family = env_id.split("/")[-1].split("-v")[0]
    if not env_id:
        for candidate in KNOWN_CLIPS:
            names = OBSERVATION_NAMES.get(candidate, [])
            if names and all(name in trajectory.state for name in names):
                family = candidate
                logger.info(
                    "columns %s look like %s: its clip bounds %s apply",
                    names,
                    candidate,
                    KNOWN_CLIPS[candidate],
                )
                break
    bounds = KNOWN_CLIPS.get(family, {})
    return {name: bound for name, bound in bounds.items() if name in trajectory.state}


def next_step_targets(
    trajectory: Trajectory,
    *,
    state: str | Sequence[str] | None = None,
    action: str | Sequence[str] | None = None,
    delta: bool = True,
    clip: Mapping[str, float] | None = None,
) -> RegressionTargets:
    """Next-step targets ``x_{t+1}`` (or ``x_{t+1} - x_t``) from ``(x_t, u_t)``.

    **Arguments:**

    - ``trajectory``: any trajectory with at least one transition.
    - ``state``, ``action``: column names (list or comma-separated); all state and
      all action columns by default.
    - ``delta``: regress the increment ``x_{t+1} - x_t`` (default) rather than
      ``x_{t+1}``.
    - ``clip``: ``{state column: bound}``; transitions with ``|x_{t+1}| >= bound``
      in that column are dropped (the simulator clipped them). ``None`` applies
      :func:`known_clips`; ``{}`` applies nothing.

    **Returns:** :class:`RegressionTargets` with ``kind="delta"`` or ``"next"``.
    """
    state_names, action_names = _select(trajectory, state, action)
    if action is None:
        action_names = list(trajectory.action)
        _select(trajectory, state_names, action_names)
    if trajectory.num_transitions < 1:
        raise TargetError(
            "no transitions: every episode has a single row; next-step targets need "
            "episodes of at least 2 rows"
        )
    transitions = trajectory.transitions()
    states = np.stack([transitions.state[n] for n in state_names], 1).astype(float)
    following = np.stack([transitions.next_state[n] for n in state_names], 1)
    following = following.astype(float)
    columns = [states]
    if action_names:
        actions = np.stack([transitions.action[n] for n in action_names], 1)
        columns.append(actions.astype(float))
    inputs = np.concatenate(columns, axis=1)
    _check_columns(inputs, state_names + action_names)
    _check_columns(following, state_names)
    # the rows that transitions() leaves: one per transition, same order
    rows = np.flatnonzero(trajectory.successor)

    bounds = known_clips(trajectory) if clip is None else dict(clip)
    keep = np.ones(len(inputs), dtype=bool)
    for name, bound in bounds.items():
        if name not in state_names:
            raise TargetError(f"clip names {name!r}, which is not a state column")
        keep &= np.abs(following[:, state_names.index(name)]) < bound
    dropped = int((~keep).sum())
    if dropped:
        logger.info("dropped %d clipped transitions (bounds %s)", dropped, bounds)
    if not keep.any():
        raise TargetError(f"every transition reaches a clip bound {bounds}")
    targets = following - states if delta else following
    return RegressionTargets(
        inputs=inputs[keep],
        targets=targets[keep],
        state_names=state_names,
        action_names=action_names,
        kind="delta" if delta else "next",
        dt=_median_dt(trajectory),
        rows=rows[keep],
        dropped=dropped,
    )
