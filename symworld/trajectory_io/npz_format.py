"""NPZ trajectory files: one array per column plus the JSON schema (no pickle).

Columns are stored as ``episode``, ``step``, ``time``, ``reward``, ``terminated``,
``truncated``, ``state/<name>`` and ``action/<name>`` with their dtypes and per-row
shapes; ``__schema__`` holds the schema (:mod:`symworld.trajectory_io.schema`).
An NPZ without ``__schema__`` is read by the column-name conventions.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from symworld.trajectory import Trajectory, TrajectoryFileError
from symworld.trajectory_io.columns import RawTable, stored_table
from symworld.trajectory_io.schema import parse_schema, schema_of

SCHEMA_KEY = "__schema__"


def read_npz_table(path: Path) -> RawTable:
    """Load an NPZ file's columns (``allow_pickle=False``)."""
    if path.stat().st_size == 0:
        raise TrajectoryFileError("empty-file", "the file is empty", path=path)
    if not zipfile.is_zipfile(path):
        # np.load would try it as a pickled object and advise allow_pickle
        raise TrajectoryFileError(
            "corrupt-file",
            "not an NPZ archive (an .npz file is a zip archive of .npy arrays, as "
            "numpy.savez writes)",
            path=path,
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise TrajectoryFileError(
            "corrupt-file",
            f"not a readable NPZ archive ({type(error).__name__}: {error})",
            path=path,
        ) from None
    schema = None
    if SCHEMA_KEY in arrays:
        schema = parse_schema(str(arrays.pop(SCHEMA_KEY)), path)
    if not arrays:
        raise TrajectoryFileError(
            "empty-file", "the archive holds no arrays", path=path
        )
    for key, values in arrays.items():
        if values.ndim == 0:
            raise TrajectoryFileError(
                "wrong-shape", "a column must have one row axis", path=path, column=key
            )
    return stored_table(arrays, path, schema)


def write_npz(trajectory: Trajectory, path: Path) -> None:
    """Write ``trajectory`` to ``path`` (a temporary path chosen by the caller)."""
    time_name = trajectory.metadata.get("time_column", "time")
    arrays = {
        "episode": trajectory.episode,
        "step": trajectory.step,
        "reward": trajectory.reward,
        "terminated": trajectory.terminated,
        "truncated": trajectory.truncated,
    }
    if trajectory.time is not None:
        arrays["time"] = trajectory.time
    arrays.update({f"state/{k}": v for k, v in trajectory.state.items()})
    arrays.update({f"action/{k}": v for k, v in trajectory.action.items()})
    arrays[SCHEMA_KEY] = np.asarray(json.dumps(schema_of(trajectory, time_name)))
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **{k: np.asarray(v) for k, v in arrays.items()})
