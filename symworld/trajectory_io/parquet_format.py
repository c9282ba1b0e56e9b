"""Parquet trajectory files: one column per stored name (``state/<name>``,
``action/<name>``, ``episode``, ...), the schema in the file metadata.

Scalar columns keep their Arrow type; a column with a per-row shape is stored as a
fixed-size list of its flattened values and reshaped on reading from the shapes in
the schema (:mod:`symworld.trajectory_io.schema`, metadata key ``symworld``). A
Parquet file without that key (written by another tool) is read by the column-name
conventions.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from symworld.trajectory import Trajectory, TrajectoryFileError
from symworld.trajectory_io.columns import RawTable, stored_name, stored_table
from symworld.trajectory_io.schema import parse_schema, schema_of

METADATA_KEY = b"symworld"


def read_parquet_table(path: Path) -> RawTable:
    """Load a Parquet file's columns."""
    if path.stat().st_size == 0:
        raise TrajectoryFileError("empty-file", "the file is empty", path=path)
    try:
        names = pq.read_schema(path).names
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _unreadable(path, error) from None
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise TrajectoryFileError(
            "duplicate-column",
            f"the column names {duplicated} appear more than once",
            path=path,
            column=duplicated[0],
        )
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _unreadable(path, error) from None
    stored = (table.schema.metadata or {}).get(METADATA_KEY)
    schema = None if stored is None else parse_schema(stored, path)
    shapes = (schema or {}).get("shapes", {})
    if table.num_columns == 0:
        raise TrajectoryFileError("empty-file", "the file holds no columns", path=path)
    if table.num_rows == 0:
        raise TrajectoryFileError(
            "header-only", "the file has columns but no rows", path=path
        )
    columns = {
        physical: _column_values(
            table.column(physical),
            stored_name(physical, schema is not None)[0],
            shapes,
            path,
        )
        for physical in table.column_names
    }
    return stored_table(columns, path, schema)


def _unreadable(path: Path, error: Exception) -> TrajectoryFileError:
    return TrajectoryFileError(
        "corrupt-file",
        f"not a readable Parquet file ({type(error).__name__}: {error})",
        path=path,
    )


def _column_values(column: pa.ChunkedArray, name: str, shapes: dict, path: Path):
    kind = column.type
    if pa.types.is_fixed_size_list(kind):
        flat = column.combine_chunks().flatten()
        if flat.null_count:
            raise TrajectoryFileError(
                "non-numeric", "the column has empty cells", path=path, column=name
            )
        values = flat.to_numpy(zero_copy_only=False)
        shape = tuple(shapes.get(name, [kind.list_size]))
        if int(np.prod(shape)) != kind.list_size:
            raise TrajectoryFileError(
                "wrong-shape",
                f"the schema gives per-row shape {list(shape)} but each row holds "
                f"{kind.list_size} values",
                path=path,
                column=name,
            )
        return values.reshape((len(column), *shape))
    if not (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
    ):
        raise TrajectoryFileError(
            "non-numeric",
            f"the column has Arrow type {kind}, not numbers",
            path=path,
            column=name,
        )
    if column.null_count:
        mask = column.is_null().to_numpy(zero_copy_only=False)
        raise TrajectoryFileError(
            "non-numeric",
            "empty cell",
            path=path,
            row=int(np.argmax(mask)),
            column=name,
        )
    return column.to_numpy()


def write_parquet(trajectory: Trajectory, path: Path) -> None:
    """Write ``trajectory`` to ``path`` (a temporary path chosen by the caller)."""
    time_name = trajectory.metadata.get("time_column", "time")
    arrays: dict[str, pa.Array] = {
        "episode": pa.array(trajectory.episode),
        "step": pa.array(trajectory.step),
    }
    if trajectory.time is not None:
        arrays["time"] = pa.array(trajectory.time)
    columns = [("state", n, v) for n, v in trajectory.state.items()]
    columns += [("action", n, v) for n, v in trajectory.action.items()]
    for role, name, values in columns:
        values = np.asarray(values)
        if values.ndim == 1:
            arrays[f"{role}/{name}"] = pa.array(values)
        else:
            size = int(np.prod(values.shape[1:]))
            flat = pa.array(values.reshape(-1))
            arrays[f"{role}/{name}"] = pa.FixedSizeListArray.from_arrays(flat, size)
    arrays["reward"] = pa.array(trajectory.reward)
    arrays["terminated"] = pa.array(trajectory.terminated)
    arrays["truncated"] = pa.array(trajectory.truncated)
    table = pa.table(arrays)
    schema = schema_of(trajectory, time_name)
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(schema).encode()})
    pq.write_table(table, path)
