"""What a trajectory must satisfy before it is written, so every file written reads
back exactly: usable names, numeric dtypes, finite values, flat columns for CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from symworld.trajectory import Trajectory, TrajectoryFileError
from symworld.trajectory_io.columns import RESERVED, is_action_name

NUMERIC_KINDS = "biuf"
INT64_MAX = np.iinfo(np.int64).max


def check_writable(trajectory: Trajectory, path: Path, suffix: str) -> None:
    """Raise :class:`TrajectoryFileError` (naming ``path``) if ``trajectory`` cannot be
    written to a ``suffix`` file and read back unchanged."""
    named = {**trajectory.state, **trajectory.action}
    for name in named:
        _check_name(name, path, suffix, is_action=name in trajectory.action)
    columns = dict(named)
    columns["reward"] = trajectory.reward
    if trajectory.time is not None:
        columns["time"] = trajectory.time
    for name, values in columns.items():
        values = np.asarray(values)
        if values.dtype.kind not in NUMERIC_KINDS:
            raise TrajectoryFileError(
                "non-numeric",
                f"dtype {values.dtype} cannot be stored; use bool, integer or float",
                path=path,
                column=name,
            )
        if 0 in values.shape[1:]:
            raise TrajectoryFileError(
                "wrong-shape",
                f"per-row shape {values.shape[1:]} is empty",
                path=path,
                column=name,
            )
        if values.dtype.kind == "f":
            bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
            if bad.any():
                row = int(np.argmax(bad))
                raise TrajectoryFileError(
                    "non-finite",
                    "NaN or infinite values cannot be written (they would not read "
                    "back); drop or fill them first",
                    path=path,
                    row=row,
                    column=name,
                )
        if suffix == ".csv":
            if values.ndim != 1:
                raise TrajectoryFileError(
                    "not-flat",
                    f"per-row shape {values.shape[1:]}: CSV holds flat states only, "
                    "use .npz or .parquet",
                    path=path,
                    column=name,
                )
            if values.dtype.kind == "u" and values.size and values.max() > INT64_MAX:
                raise TrajectoryFileError(
                    "non-numeric",
                    "unsigned values above the int64 range do not fit CSV; use .npz "
                    "or .parquet",
                    path=path,
                    column=name,
                )


def _check_name(name: object, path: Path, suffix: str, *, is_action: bool) -> None:
    role = "action" if is_action else "state"
    problem = None
    if not isinstance(name, str) or not name:
        problem = "a column name must be a non-empty string"
    elif name != name.strip() or any(ord(c) < 32 for c in name):
        problem = (
            "a column name may not start or end with spaces or hold control characters"
        )
    elif suffix == ".csv" and name in RESERVED:
        problem = (
            f"{name!r} is a reserved CSV column ({', '.join(RESERVED)}); write .npz "
            "or .parquet, which keep roles apart"
        )
    elif suffix == ".csv" and is_action and not is_action_name(name):
        problem = (
            "CSV marks actions by name: call it 'action' or 'action.<name>' (or write "
            ".npz/.parquet, which record roles)"
        )
    elif suffix == ".csv" and not is_action and is_action_name(name):
        problem = "CSV reads 'action' and 'action.*' columns as actions"
    if problem:
        raise TrajectoryFileError(
            "bad-name",
            f"{role} column {name!r}: {problem}",
            path=path,
            column=str(name),
        )
