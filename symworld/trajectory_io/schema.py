"""The versioned schema that NPZ and Parquet trajectory files carry.

A JSON object stored with the data (NPZ: the array ``__schema__``; Parquet: the
key ``symworld`` of the file's key-value metadata)::

    {"format": "symworld-trajectory", "version": 1,
     "state": [names], "action": [names], "time": "t" | null,
     "shapes": {name: [per-row shape]}, "metadata": {...}}
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np

from symworld.trajectory import Trajectory, TrajectoryFileError

logger = logging.getLogger(__name__)

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
    version = schema.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version != VERSION:
        raise TrajectoryFileError(
            "schema-version",
            f"schema version {version!r} is not supported (this "
            f"symworld reads version {VERSION}); re-export the file with a matching "
            "symworld",
            path=path,
        )
    _check_structure(schema, path)
    return schema


def _check_structure(schema: dict[str, Any], path: Any) -> None:
    """Every field of a version-1 schema has the type the readers rely on."""

    def names(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(n, str) for n in value)

    def shape(value: Any) -> bool:
        return isinstance(value, list) and all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value
        )

    problems = []
    if not names(schema.get("state")):
        problems.append("'state' must be a list of names")
    if not names(schema.get("action", [])):
        problems.append("'action' must be a list of names")
    if not isinstance(schema.get("time"), (str, type(None))):
        problems.append("'time' must be a name or null")
    shapes = schema.get("shapes", {})
    if not isinstance(shapes, dict) or not all(shape(v) for v in shapes.values()):
        problems.append("'shapes' must map names to lists of positive integers")
    if not isinstance(schema.get("metadata", {}), dict):
        problems.append("'metadata' must be an object")
    if problems:
        raise TrajectoryFileError(
            "corrupt-file",
            "the stored schema is malformed: " + "; ".join(problems),
            path=path,
        )


def _jsonable(metadata: dict[str, Any]) -> dict[str, Any]:
    """The metadata entries that survive a JSON round trip (NumPy scalars become
    Python numbers); the others are left out and named in a warning."""
    kept, dropped = {}, []
    for key, value in metadata.items():
        if isinstance(value, np.generic):
            value = value.item()
        try:
            if json.loads(json.dumps(value, allow_nan=False)) == value:
                kept[str(key)] = value
                continue
        except (TypeError, ValueError):
            pass
        dropped.append(str(key))
    if dropped:
        logger.warning("metadata not stored (not plain JSON): %s", dropped)
    return kept
