"""Checks of a saved law model's ``model.json``: every field's type and range.

A ``model.json`` may have been edited by hand or truncated, so
:func:`symworld.programs.source.load_model` checks it in two steps before any value
reaches a :class:`~symworld.programs.model.LawModel`:

- :func:`check_fields` (no law library needed): the top level is an object; ``env_id``
  is a non-empty string; ``library`` holds either ``module`` or ``path`` (with an
  optional ``sha256``); ``laws`` is a non-empty list of ``{"name", "weight", "doc"}``
  with unique names and non-negative finite weights; ``parameters`` and
  ``persistence`` are objects; every persistence is in ``(0, 1)``; ``epsilon`` is
  in ``(0, 1)``; ``schema`` is a list and ``fit`` an object when present.
- :func:`check_values` (after the library is loaded): ``persistence`` names exactly
  the schema's attributes, ``parameters`` exactly the laws' learnable parameters,
  each :class:`~symworld.programs.law.Probability` is in ``[0, 1]`` and each
  :class:`~symworld.programs.law.Simplex` is a list of its ``size`` entries in
  ``[0, 1]`` summing to 1.

Every failure raises :class:`ModelFileError` naming the file and the field path,
e.g. ``runs/sw/model.json: laws[2].weight (law coin_is_random): -5.0 is not a
non-negative finite number``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from symworld.programs.law import Probability
from symworld.programs.layout import Layout

# The weights are float32 in the model, so a larger value would become inf.
FLOAT32_MAX = float(np.finfo(np.float32).max)
# How far the entries of a saved Simplex may sum from 1 (float32 rounding).
SIMPLEX_TOLERANCE = 1e-4


class ModelFileError(ValueError):
    """A ``model.json`` field that is missing, mistyped or out of range; the message
    names the file and the field path."""

    def __init__(self, path: str | Path, field: str, message: str):
        self.path = str(path)
        self.field = field
        super().__init__(
            f"{path}: {field}: {message}" if field else f"{path}: {message}"
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _require(payload: dict[str, Any], path: Path, field: str, kind: type) -> Any:
    if field not in payload:
        raise ModelFileError(path, field, "is missing")
    value = payload[field]
    if not isinstance(value, kind):
        raise ModelFileError(
            path, field, f"must be a JSON {_json_kind(kind)}, got {_show(value)}"
        )
    return value


def _json_kind(kind: type) -> str:
    return {dict: "object", list: "list", str: "string"}.get(kind, kind.__name__)


def _open_unit(path: Path, field: str, value: Any) -> None:
    if not _is_number(value) or not 0.0 < value < 1.0:
        raise ModelFileError(
            path, field, f"{_show(value)} is not a number strictly between 0 and 1"
        )


def _closed_unit(path: Path, field: str, value: Any) -> None:
    if not _is_number(value) or not 0.0 <= value <= 1.0:
        raise ModelFileError(
            path, field, f"{_show(value)} is not a probability in [0, 1]"
        )


def check_fields(payload: Any, path: Path) -> dict[str, Any]:
    """Check everything in ``model.json`` that needs no law library (see the module
    docstring); returns ``payload``. ``format`` and ``version`` are checked by the
    caller."""
    if not isinstance(payload, dict):
        raise ModelFileError(
            path, "", f"must hold a JSON object, got a {type(payload).__name__}"
        )
    env_id = _require(payload, path, "env_id", str)
    if not env_id:
        raise ModelFileError(path, "env_id", "is empty")
    _check_library(_require(payload, path, "library", dict), path)
    laws = _require(payload, path, "laws", list)
    if not laws:
        raise ModelFileError(path, "laws", "is empty: a law model needs laws")
    seen: dict[str, int] = {}
    for index, entry in enumerate(laws):
        field = f"laws[{index}]"
        if not isinstance(entry, dict):
            raise ModelFileError(
                path,
                field,
                f"must be an object with name and weight, got {_show(entry)}",
            )
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ModelFileError(
                path, f"{field}.name", f"must be a non-empty string, got {_show(name)}"
            )
        if name in seen:
            raise ModelFileError(
                path, f"{field}.name", f"{name!r} is already laws[{seen[name]}]"
            )
        seen[name] = index
        if "weight" not in entry:
            raise ModelFileError(path, f"{field}.weight", f"is missing (law {name})")
        weight = entry["weight"]
        if (
            not _is_number(weight)
            or not math.isfinite(weight)
            or not 0.0 <= weight <= FLOAT32_MAX
        ):
            raise ModelFileError(
                path,
                f"{field}.weight (law {name})",
                f"{_show(weight)} is not a non-negative finite number"
                + (
                    " (float32: at most 3.4e38)"
                    if _is_number(weight) and weight > 0
                    else ""
                ),
            )
        if "doc" in entry and not isinstance(entry["doc"], str):
            raise ModelFileError(
                path, f"{field}.doc", f"must be a string, got {_show(entry['doc'])}"
            )
    _require(payload, path, "parameters", dict)
    persistence = _require(payload, path, "persistence", dict)
    for name, value in persistence.items():
        _open_unit(path, f"persistence.{name}", value)
    if "epsilon" not in payload:
        raise ModelFileError(path, "epsilon", "is missing")
    _open_unit(path, "epsilon", payload["epsilon"])
    if "schema" in payload and not isinstance(payload["schema"], list):
        raise ModelFileError(
            path, "schema", f"must be a JSON list, got {_show(payload['schema'])}"
        )
    if "fit" in payload and not isinstance(payload["fit"], dict):
        raise ModelFileError(
            path, "fit", f"must be a JSON object, got {_show(payload['fit'])}"
        )
    return payload


def _check_library(library: dict[str, Any], path: Path) -> None:
    kinds = [key for key in ("module", "path") if key in library]
    if len(kinds) != 1:
        raise ModelFileError(
            path,
            "library",
            "must hold either 'module' (a built-in law library such as "
            f"symworld.laws.switches) or 'path' (a law file), got {_show(library)}",
        )
    kind = kinds[0]
    if not isinstance(library[kind], str) or not library[kind]:
        raise ModelFileError(
            path,
            f"library.{kind}",
            f"must be a non-empty string, got {_show(library[kind])}",
        )
    unknown = sorted(set(library) - {"module", "path", "sha256"})
    if unknown:
        raise ModelFileError(path, "library", f"has unknown keys {unknown}")
    if "sha256" in library and not isinstance(library["sha256"], str):
        raise ModelFileError(
            path, "library.sha256", f"must be a string, got {_show(library['sha256'])}"
        )


def _same_names(
    path: Path, field: str, given: dict[str, Any], expected: list[str], what: str
) -> None:
    """``given`` has exactly the keys ``expected`` (``what`` names one of them)."""
    for name in expected:
        if name not in given:
            raise ModelFileError(
                path, f"{field}.{name}", f"is missing (expected {expected})"
            )
    for name in given:
        if name not in expected:
            raise ModelFileError(
                path, f"{field}.{name}", f"is not {what} (they are {expected})"
            )


def check_values(payload: dict[str, Any], path: Path, layout: Layout) -> None:
    """Check ``persistence`` and ``parameters`` against the schema and the laws of
    ``layout`` (see the module docstring)."""
    schema = layout.schema
    _same_names(
        path,
        "persistence",
        payload["persistence"],
        list(schema.names),
        f"an attribute of {schema.env_id}",
    )
    parameters = payload["parameters"]
    expected = {}
    for index, parameter in layout.parameters:
        expected[f"{layout.laws[index].name}/{parameter.name}"] = parameter
    _same_names(
        path,
        "parameters",
        parameters,
        list(expected),
        "a learnable parameter of the model's laws",
    )
    for name, parameter in expected.items():
        field = f"parameters.{name}"
        value = parameters[name]
        if isinstance(parameter, Probability):
            _closed_unit(path, field, value)
            continue
        if not isinstance(value, list) or len(value) != parameter.size:
            raise ModelFileError(
                path,
                field,
                f"must be a list of {parameter.size} probabilities, got {_show(value)}",
            )
        for k, entry in enumerate(value):
            _closed_unit(path, f"{field}[{k}]", entry)
        total = math.fsum(value)
        if abs(total - 1.0) > SIMPLEX_TOLERANCE:
            raise ModelFileError(
                path, field, f"the probabilities sum to {total:.6g}, not 1"
            )
