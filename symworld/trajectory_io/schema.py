"""The versioned schema that NPZ and Parquet trajectory files carry.

A JSON object stored with the data (NPZ: the array ``__schema__``; Parquet: the
key ``symworld`` of the file's key-value metadata)::

    {"format": "symworld-trajectory", "version": 1,
     "state": [names], "action": [names], "time": "t" | null,
     "shapes": {name: [per-row shape]}, "metadata": {...}}
"""

from __future__ import annotations

import json
from typing import Any

from symworld.trajectory import Trajectory, TrajectoryFileError

FORMAT = "symworld-trajectory"
VERSION = 1


def schema_of(trajectory: Trajectory, time_name: str | None) -> dict[str, Any]:
    """The schema object describing ``trajectory``."""
    shapes = {
        name: list(values.shape[1:])
        for name, values in {**trajectory.state, **trajectory.action}.items()
    }
    return {
        "format": FORMAT,
        "version": VERSION,
        "state": list(trajectory.state),
        "action": list(trajectory.action),
        "time": time_name if trajectory.time is not None else None,
        "shapes": shapes,
        "metadata": _jsonable(trajectory.metadata),
    }


def parse_schema(text: str | bytes, path: Any) -> dict[str, Any]:
    """Decode and check a stored schema; raise ``schema-version`` on a mismatch."""
    try:
        schema = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise TrajectoryFileError(
            "corrupt-file", f"the stored schema is not valid JSON ({error})", path=path
        ) from None
    if not isinstance(schema, dict) or schema.get("format") != FORMAT:
        raise TrajectoryFileError(
            "schema-version",
            f"the stored schema is not a {FORMAT} schema",
            path=path,
        )
    if schema.get("version") != VERSION:
        raise TrajectoryFileError(
            "schema-version",
            f"schema version {schema.get('version')!r} is not supported (this "
            f"symworld reads version {VERSION}); re-export the file with a matching "
            "symworld",
            path=path,
        )
    return schema


def _jsonable(metadata: dict[str, Any]) -> dict[str, Any]:
    """Keep the metadata entries that survive a JSON round trip unchanged."""
    kept = {}
    for key, value in metadata.items():
        try:
            if json.loads(json.dumps(value)) == value:
                kept[str(key)] = value
        except (TypeError, ValueError):
            continue
    return kept
