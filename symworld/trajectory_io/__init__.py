"""Read and write trajectory files: CSV (flat states), NPZ and Parquet.

The format is documented in ``docs/trajectory-format.md``. Every failure raises
:class:`~symworld.trajectory.TrajectoryFileError` with a code, the file and, where it
applies, the row and column; writes are atomic, so a failed write leaves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from symworld.atomic import atomic_path
from symworld.trajectory import Trajectory, TrajectoryFileError
from symworld.trajectory_io.checks import check_writable
from symworld.trajectory_io.columns import assemble
from symworld.trajectory_io.csv_format import read_csv_table, write_csv
from symworld.trajectory_io.npz_format import read_npz_table, write_npz
from symworld.trajectory_io.parquet_format import read_parquet_table, write_parquet

READERS = {
    ".csv": read_csv_table,
    ".npz": read_npz_table,
    ".parquet": read_parquet_table,
}
WRITERS = {".csv": write_csv, ".npz": write_npz, ".parquet": write_parquet}

__all__ = ["SUFFIXES", "read_trajectory", "write_trajectory"]

SUFFIXES = tuple(READERS)


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".pq":
        suffix = ".parquet"
    if suffix not in READERS:
        raise TrajectoryFileError(
            "unsupported-format",
            f"unknown file type {path.suffix!r}; use one of {', '.join(SUFFIXES)}",
            path=path,
        )
    return suffix


def read_trajectory(
    path: str | os.PathLike,
    *,
    state: str | Sequence[str] | None = None,
    action: str | Sequence[str] | None = None,
    time: str | None = None,
    require: Sequence[str] | None = None,
    drop_nonfinite: bool = False,
) -> Trajectory:
    """Read and validate a trajectory file (``.csv``, ``.npz``, ``.parquet``).

    **Arguments:**

    - ``path``: the file.
    - ``state``, ``action``: the columns to use as state and action (list or
      comma-separated string); by default the file's schema or the conventions.
    - ``time``: the time column (default: ``t`` or ``time`` when present).
    - ``require``: column names that must be present.
    - ``drop_nonfinite``: drop rows with NaN/±inf instead of failing; the count is
      logged and stored in ``metadata["dropped_rows"]``.

    **Returns:** a :class:`Trajectory`.

    **Raises:** :class:`TrajectoryFileError` naming the file, row and column at
    fault (code ``missing-file`` for a missing file).
    """
    path = Path(path)
    if path.is_dir():
        raise TrajectoryFileError(
            "missing-file",
            f"is a folder, not a trajectory file ({', '.join(SUFFIXES)})",
            path=path,
        )
    suffix = _suffix(path)
    if not path.is_file():
        raise TrajectoryFileError("missing-file", "no such file", path=path)
    table = READERS[suffix](path)
    trajectory = assemble(
        table,
        state=state,
        action=action,
        time=time,
        require=require,
        drop_nonfinite=drop_nonfinite,
    )
    trajectory.metadata.setdefault("source", str(path))
    return trajectory


def write_trajectory(trajectory: Trajectory, path: str | os.PathLike) -> Path:
    """Write ``trajectory`` atomically; the format follows the suffix.

    Returns the path written. Nothing is left at ``path`` if writing fails; a
    trajectory that would not read back unchanged (reserved or unusable names,
    non-numeric dtypes, NaN/±inf, per-row shapes in CSV) is refused before anything is
    written, with :class:`TrajectoryFileError`.
    """
    path = Path(path)
    suffix = _suffix(path)
    check_writable(trajectory, path, suffix)
    with atomic_path(path) as temporary:
        WRITERS[suffix](trajectory, temporary)
    return path
