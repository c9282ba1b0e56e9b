"""From named columns to a validated :class:`~symworld.trajectory.Trajectory`.

Every reader turns its file into ``{name: array (N, *shape)}`` and hands it to
:func:`assemble`, which assigns each column its role, checks the whole table and
builds the trajectory. The conventions (``docs/trajectory-format.md``):

- ``episode``, ``step``, ``t`` or ``time``, ``reward``, ``terminated`` and
  ``truncated`` are recognised by name;
- ``action`` and names starting with ``action.`` are actions;
- every other column is a state column,

unless the caller selects the state, action or time columns explicitly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symworld.trajectory import Trajectory, TrajectoryFileError

logger = logging.getLogger(__name__)

EPISODE, STEP, REWARD, TERMINATED, TRUNCATED = (
    "episode",
    "step",
    "reward",
    "terminated",
    "truncated",
)
TIME_NAMES = ("t", "time")
FLAG_NAMES = (TERMINATED, TRUNCATED)
RESERVED = (EPISODE, STEP, REWARD, TERMINATED, TRUNCATED, *TIME_NAMES)


# Reserved columns as NPZ and Parquet files with a schema store them; states and
# actions are stored as ``state/<name>`` and ``action/<name>``.
STORED_SPECIAL = (EPISODE, STEP, "time", REWARD, TERMINATED, TRUNCATED)


def stored_name(physical: str, with_schema: bool) -> tuple[str, bool]:
    """The column name behind a stored (NPZ key or Parquet) column name, and whether
    it is a reserved column. Files without a schema use names as they are."""
    role, _, rest = physical.partition("/")
    if with_schema and role in ("state", "action") and rest:
        return rest, False
    return physical, with_schema and physical in STORED_SPECIAL


def stored_table(
    stored: dict[str, np.ndarray], path: Any, schema: dict[str, Any] | None
) -> RawTable:
    """A :class:`RawTable` from the stored columns of an NPZ or Parquet file, already
    renamed by :func:`stored_name`, checked for equal lengths and for a state."""
    columns: dict[str, np.ndarray] = {}
    special: dict[str, np.ndarray] = {}
    for physical, values in stored.items():
        name, reserved = stored_name(physical, schema is not None)
        if np.asarray(values).dtype.kind == "c":
            raise TrajectoryFileError(
                "non-numeric",
                f"dtype {np.asarray(values).dtype} holds complex numbers; store the "
                "real and imaginary parts as two columns",
                path=path,
                column=name,
            )
        (special if reserved else columns)[name] = values
    lengths = {name: len(values) for name, values in stored.items()}
    if len(set(lengths.values())) > 1:
        raise TrajectoryFileError(
            "ragged-row", f"columns have different lengths: {lengths}", path=path
        )
    if next(iter(lengths.values())) == 0:
        raise TrajectoryFileError("header-only", "the columns hold no rows", path=path)
    if not columns:
        raise TrajectoryFileError("missing-column", "no state column", path=path)
    roles = None
    if schema is not None:
        roles = {
            "state": schema["state"],
            "action": schema.get("action", []),
            "time": schema.get("time"),
        }
    return RawTable(
        columns=columns,
        path=path,
        roles=roles,
        shapes=(schema or {}).get("shapes", {}),
        metadata=(schema or {}).get("metadata", {}),
        special=special,
    )


def show(value: Any) -> str:
    """A cell value as a person writes it (``0.5``, ``nan``, ``3``), not a repr."""
    if isinstance(value, np.ndarray) and value.ndim:
        return np.array2string(value, separator=", ")
    return str(np.asarray(value).item())


def is_action_name(name: str) -> bool:
    """True for the conventional action names ``action`` and ``action.*``."""
    return name == "action" or name.startswith("action.")


@dataclass
class RawTable:
    """A file's columns before validation.

    - ``columns``: name -> array ``(N, *shape)`` in file order.
    - ``path``: the file (for error messages).
    - ``row_label``: maps a 0-based row index to the number reported in errors (CSV:
      the 1-based line number in the file; NPZ/Parquet: the row index itself).
    - ``empty``: name -> bool ``(N,)``, cells that were empty in the file (CSV only).
    - ``roles``: ``{"state": [...], "action": [...], "time": name or None}``
      recorded in the file's schema.
    - ``shapes``: name -> per-row shape recorded in the file's schema.
    - ``special``: the reserved columns (``episode``, ``step``, ``reward``, the
      flags and, for files with a schema, ``time``) kept apart from ``columns`` so
      that a schema file may hold a *state* called ``step`` or ``time``. Readers of
      files without a schema leave it empty and :func:`assemble` fills it by name.
    - ``metadata``: free metadata recorded in the file's schema.
    """

    columns: dict[str, np.ndarray]
    path: Any
    row_label: Any = lambda index: int(index)
    empty: dict[str, np.ndarray] = field(default_factory=dict)
    roles: dict[str, Any] | None = None
    shapes: dict[str, list[int]] = field(default_factory=dict)
    special: dict[str, np.ndarray] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


def _split_names(selection: str | Sequence[str] | None) -> list[str] | None:
    if selection is None:
        return None
    if isinstance(selection, str):
        return [name.strip() for name in selection.split(",") if name.strip()]
    return list(selection)


def check_unique_selection(names: Sequence[str] | None, role: str, path: Any) -> None:
    """Raise :class:`TrajectoryFileError` (``duplicate-column``) when a selection of
    ``role`` columns (``"state"``, ``"action"``) names a column twice."""
    seen: set[str] = set()
    for name in names or []:
        if name in seen:
            raise TrajectoryFileError(
                "duplicate-column",
                f"the {role} selection names column {name!r} twice",
                path=path,
                column=name,
            )
        seen.add(name)


def assemble(
    table: RawTable,
    *,
    state: str | Sequence[str] | None = None,
    action: str | Sequence[str] | None = None,
    time: str | None = None,
    require: Sequence[str] | None = None,
    drop_nonfinite: bool = False,
) -> Trajectory:
    """Assign roles, validate and build the trajectory (see the module docstring).

    **Arguments:**

    - ``table``: the raw columns of one file.
    - ``state``, ``action``: column names (a list or a comma-separated string) chosen
      as state and action; ``None`` uses the file's schema or the conventions.
    - ``time``: the time column's name; ``None`` recognises ``t`` or ``time``.
    - ``require``: columns that must be present (state or action), e.g. the state
      attributes an environment's model needs.
    - ``drop_nonfinite``: drop rows holding NaN or ±inf (and log how many) instead of
      failing; transitions that touch a dropped row are dropped with it.

    **Returns:** the validated :class:`Trajectory`.
    """
    if table.roles is None:
        for name in (EPISODE, STEP, REWARD, *FLAG_NAMES):
            if name in table.columns:
                table.special[name] = table.columns.pop(name)
    columns, path = table.columns, table.path
    names = list(columns)
    state_names, action_names = _split_names(state), _split_names(action)
    check_unique_selection(state_names, "state", path)
    check_unique_selection(action_names, "action", path)

    if time and time in table.special and time not in TIME_NAMES:
        raise TrajectoryFileError(
            "duplicate-column",
            f"{time!r} was given as the time column (time=, --time), but it is the "
            f"file's reserved {time} column, not a time: give the column holding "
            "the time (t or time, or another numeric column)",
            path=path,
            column=time,
        )
    for selected in (
        (state_names or []) + (action_names or []) + ([time] if time else [])
    ):
        if selected in table.special:
            raise TrajectoryFileError(
                "duplicate-column",
                f"{selected!r} is a reserved column and cannot also be a state or "
                "action",
                path=path,
                column=selected,
            )
        if selected not in columns:
            raise TrajectoryFileError(
                "unknown-column",
                f"the selection names column {selected!r}, which the file does not "
                f"have; its columns are {names}",
                path=path,
                column=selected,
            )
    declared_time = (table.roles or {}).get("time")
    if declared_time and "time" not in table.special:
        raise TrajectoryFileError(
            "missing-column",
            f"the file's schema declares time column {declared_time!r}, which it "
            "does not contain",
            path=path,
            column=declared_time,
        )
    present = [n for n in TIME_NAMES if n in columns and table.roles is None]
    if time is None and declared_time is None and len(present) > 1:
        raise TrajectoryFileError(
            "duplicate-column",
            f"both {present} look like the time column; choose one with time= (--time)",
            path=path,
            column=present[1],
        )
    time_name = time or declared_time or (present[0] if present else None)
    time_source = "special" if declared_time and time is None else "columns"

    if action_names is None:
        if table.roles is not None and state_names is None:
            action_names = [n for n in table.roles.get("action", []) if n in columns]
        else:
            action_names = [n for n in names if is_action_name(n)]
    taken = set(action_names) | (
        {time_name} if time_name and time_source == "columns" else set()
    )
    if state_names is None:
        if table.roles is not None:
            state_names = [n for n in table.roles.get("state", []) if n in columns]
        else:
            state_names = [n for n in names if n not in taken]
    overlap = sorted(
        set(state_names)
        & (set(action_names) | ({time_name} if time_source == "columns" else set()))
    )
    if overlap:
        raise TrajectoryFileError(
            "duplicate-column",
            f"columns selected for two roles: {overlap}",
            path=path,
            column=overlap[0],
        )
    if table.roles is not None:
        declared = table.roles.get("state", []) + table.roles.get("action", [])
        absent = [n for n in declared if n not in columns]
        if absent:
            raise TrajectoryFileError(
                "missing-column",
                f"the file's schema declares columns it does not contain: {absent}",
                path=path,
                column=absent[0],
            )
    if not state_names:
        raise TrajectoryFileError(
            "missing-column",
            f"no state column: every column ({names}) is reserved or an action",
            path=path,
        )
    missing = [n for n in (require or []) if n not in state_names + action_names]
    if missing:
        raise TrajectoryFileError(
            "missing-column",
            f"required columns are missing: {missing} (this data does not fit the "
            "model or environment that needs them)",
            path=path,
            column=missing[0],
        )
    for name, shape in table.shapes.items():
        if name in columns and list(np.shape(columns[name])[1:]) != list(shape):
            raise TrajectoryFileError(
                "wrong-shape",
                f"the schema gives per-row shape {list(shape)} but the data has "
                f"{list(np.shape(columns[name])[1:])}",
                path=path,
                column=name,
            )
    used = set(state_names) | set(action_names) | {time_name}
    ignored = [n for n in names if n not in used]
    if ignored:
        logger.info("%s: columns not selected, ignored: %s", path, ignored)

    rows = len(next(iter(columns.values())))
    for name, values in table.special.items():
        if len(values) != rows:
            raise TrajectoryFileError(
                "ragged-row",
                f"column has {len(values)} rows, the others {rows}",
                path=path,
                column=name,
            )
    episode = _integer_column(table, EPISODE, rows)
    step_given = STEP in table.special
    step = _integer_column(table, STEP, rows) if step_given else None
    if step is None:
        step = _generated_steps(episode)
    reward = _float_column(table, REWARD, rows)
    flags = {name: _flag_column(table, name, rows) for name in FLAG_NAMES}
    time_values = None
    if time_name is not None:
        source = table.special if time_source == "special" else columns
        key = "time" if time_source == "special" else time_name
        time_values = _numeric(table, key, source).astype(np.float64)

    _check_episode_order(table, episode, step)
    last = np.ones(rows, dtype=bool)
    last[:-1] = episode[1:] != episode[:-1]
    transition_fields = action_names + [
        n for n in (REWARD, *FLAG_NAMES) if n in table.special
    ]
    for name in transition_fields:
        blank = table.empty.get(name)
        if blank is not None:
            _reject_first(
                table,
                blank & ~last,
                name,
                "non-numeric",
                lambda r: (
                    "empty cell: only an episode's last row may leave action, "
                    "reward and flags empty"
                ),
            )

    state_columns = {n: _numeric(table, n) for n in state_names}
    action_columns = {n: _numeric(table, n) for n in action_names}
    for name, values in action_columns.items():
        blank = table.empty.get(name)
        if blank is not None and blank.any():
            values[blank] = 0
    finite_checked = {**state_columns, **action_columns, REWARD: reward}
    if time_values is not None:
        finite_checked[time_name] = time_values
    bad_rows = np.zeros(rows, dtype=bool)
    for name, values in finite_checked.items():
        if not np.issubdtype(values.dtype, np.floating):
            continue
        bad = ~np.isfinite(values.reshape(rows, -1)).all(axis=1)
        if not drop_nonfinite:
            _reject_first(
                table,
                bad,
                name,
                "non-finite",
                lambda r, v=values: (
                    f"value {show(v[r])} is NaN or infinite (pass "
                    "drop_nonfinite=True, or --drop-nonfinite, to drop such rows)"
                ),
            )
        bad_rows |= bad
    metadata = dict(table.metadata)
    if drop_nonfinite and bad_rows.all():
        raise TrajectoryFileError(
            "non-finite",
            f"every one of the {rows} rows holds NaN or infinite values; nothing left",
            path=path,
        )
    if drop_nonfinite and bad_rows.any():
        keep = ~bad_rows
        logger.warning(
            "%s: dropped %d of %d rows holding NaN or infinite values",
            path,
            int(bad_rows.sum()),
            rows,
        )
        metadata["dropped_rows"] = int(bad_rows.sum()) + int(
            metadata.get("dropped_rows", 0)
        )
        episode, step, reward = episode[keep], step[keep], reward[keep]
        flags = {k: v[keep] for k, v in flags.items()}
        state_columns = {k: v[keep] for k, v in state_columns.items()}
        action_columns = {k: v[keep] for k, v in action_columns.items()}
        if time_values is not None:
            time_values = time_values[keep]
        row_of = np.flatnonzero(keep)
    else:
        row_of = np.arange(rows)
    if time_values is not None:
        _check_time(table, time_name, episode, time_values, row_of)
    if time_name is not None:
        metadata.setdefault("time_column", time_name)

    return Trajectory(
        episode=episode,
        step=step,
        state=state_columns,
        action=action_columns,
        reward=reward,
        terminated=flags[TERMINATED],
        truncated=flags[TRUNCATED],
        time=time_values,
        metadata=metadata,
    )


def _numeric(
    table: RawTable, name: str, source: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    values = np.asarray((table.columns if source is None else source)[name])
    if values.dtype == bool:
        return values.copy()
    if not (np.issubdtype(values.dtype, np.number)):
        raise TrajectoryFileError(
            "non-numeric",
            f"column holds {values.dtype} values, not numbers",
            path=table.path,
            column=name,
        )
    return values.copy()


def _reject_first(
    table: RawTable, bad: np.ndarray, column: str, code: str, describe
) -> None:
    """Raise ``code`` at the first row where ``bad`` holds; ``describe(row)`` says what
    is wrong there. Does nothing when no row is bad."""
    if bad.any():
        row = int(np.argmax(bad))
        raise TrajectoryFileError(
            code,
            describe(row),
            path=table.path,
            row=table.row_label(row),
            column=column,
        )


def _integer_column(table: RawTable, name: str, rows: int) -> np.ndarray:
    if name not in table.special:
        return np.zeros(rows, dtype=np.int64)
    values = _numeric(table, name, table.special)
    if values.ndim != 1:
        raise TrajectoryFileError(
            "wrong-shape",
            f"must hold one number per row, has shape {values.shape}",
            path=table.path,
            column=name,
        )
    if np.issubdtype(values.dtype, np.floating):
        bad = ~np.isfinite(values) | (values != np.round(values))
        _reject_first(
            table,
            bad,
            name,
            "non-numeric",
            lambda r: f"{show(values[r])} is not an integer",
        )
    if values.dtype.kind == "u":
        _reject_first(
            table,
            values > np.iinfo(np.int64).max,
            name,
            "non-numeric",
            lambda r: f"{show(values[r])} is outside the int64 range",
        )
    return values.astype(np.int64)


def _float_column(table: RawTable, name: str, rows: int) -> np.ndarray:
    if name not in table.special:
        return np.zeros(rows, dtype=np.float64)
    values = _numeric(table, name, table.special).astype(np.float64)
    blank = table.empty.get(name)
    if blank is not None:
        values[blank] = 0.0
    return values


def _flag_column(table: RawTable, name: str, rows: int) -> np.ndarray:
    if name not in table.special:
        return np.zeros(rows, dtype=bool)
    values = _numeric(table, name, table.special)
    blank = table.empty.get(name)
    if blank is not None:
        values[blank] = 0
    _reject_first(
        table,
        (values != 0) & (values != 1),
        name,
        "non-numeric",
        lambda r: f"{show(values[r])} is not a flag (0/1, true/false)",
    )
    return values.astype(bool)


def _generated_steps(episode: np.ndarray) -> np.ndarray:
    step = np.zeros(len(episode), dtype=np.int64)
    for index in range(1, len(episode)):
        if episode[index] == episode[index - 1]:
            step[index] = step[index - 1] + 1
    return step


def _check_episode_order(
    table: RawTable, episode: np.ndarray, step: np.ndarray
) -> None:
    """Rows of an episode are contiguous, steps strictly increase, no duplicates."""
    seen: dict[int, int] = {}
    for index in range(len(episode)):
        current = int(episode[index])
        if index and current == episode[index - 1]:
            if step[index] == step[index - 1]:
                raise TrajectoryFileError(
                    "duplicate-step",
                    f"(episode {current}, step {int(step[index])}) appears twice",
                    path=table.path,
                    row=table.row_label(index),
                    column=STEP,
                )
            if step[index] < step[index - 1]:
                raise TrajectoryFileError(
                    "step-order",
                    f"step {int(step[index])} follows step {int(step[index - 1])} "
                    f"in episode {current}; rows of an episode must be in step order",
                    path=table.path,
                    row=table.row_label(index),
                    column=STEP,
                )
            continue
        if current in seen:
            raise TrajectoryFileError(
                "episode-split",
                f"episode {current} appears again after other episodes (first seen "
                f"at row {table.row_label(seen[current])}); its rows must be "
                "contiguous",
                path=table.path,
                row=table.row_label(index),
                column=EPISODE,
            )
        seen[current] = index


def _check_time(
    table: RawTable,
    name: str,
    episode: np.ndarray,
    time: np.ndarray,
    row_of: np.ndarray,
) -> None:
    same = episode[1:] == episode[:-1]
    bad = same & ~(time[1:] > time[:-1])
    if bad.any():
        index = int(np.argmax(bad)) + 1
        raise TrajectoryFileError(
            "time-order",
            f"time {show(time[index])} does not increase strictly after "
            f"{show(time[index - 1])} inside episode {int(episode[index])}",
            path=table.path,
            row=table.row_label(int(row_of[index])),
            column=name,
        )
