"""Saving and loading fitted law models: JSON parameters beside a law-library
reference. Nothing is pickled.

A law library is Python code, so loading one runs code. A library is referenced
either by module name (``"switches"`` = ``symworld.laws.switches``, an installed
module) or by a file path; a file is only ever imported when the caller passes
the same path in ``trusted`` (the CLI's ``--trust-law-file``), and its SHA-256
must match the one recorded at fitting time.

``model.json`` (``format`` ``"symworld.law-model"``, ``version`` 1)::

    {"format": ..., "version": 1, "env_id": ..., "library": {"module": ...} or
     {"path": ..., "sha256": ...}, "laws": [{"name", "weight", "doc"}],
     "parameters": {"law/param": value}, "persistence": {attribute: rho},
     "epsilon": float, "schema": [...], "fit": {...}}
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from symworld.atomic import write_atomic
from symworld.programs.law import Law
from symworld.programs.layout import Layout
from symworld.programs.model import LawModel

FORMAT = "symworld.law-model"
VERSION = 1
MODEL_FILE = "model.json"


def library_reference(name: str) -> dict[str, str]:
    """The reference of ``--laws NAME``: a module (``"switches"``,
    ``"symworld.laws.switches"``) or a ``.py`` path (with its SHA-256)."""
    if name.endswith(".py") or os.sep in name:
        path = Path(name).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"law file {path} does not exist")
        return {"path": str(path), "sha256": _sha256(path)}
    module = name if "." in name else f"symworld.laws.{name}"
    return {"module": module}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_library(reference: dict[str, str], trusted: Iterable[str] = ()) -> list[Law]:
    """Import a law library and return its laws (``library()`` or ``LAWS``).

    A file reference is imported only when its resolved path is in ``trusted``;
    otherwise ``PermissionError`` explains how to trust it.
    """
    if "module" in reference:
        module = importlib.import_module(reference["module"])
        origin = reference["module"]
    else:
        path = Path(reference["path"]).resolve()
        trusted_paths = {Path(p).resolve() for p in trusted}
        if path not in trusted_paths:
            raise PermissionError(
                f"law file {path} is Python code and is not trusted; pass "
                f"--trust-law-file {path} to import it"
            )
        if not path.is_file():
            raise FileNotFoundError(f"law file {path} does not exist")
        digest = _sha256(path)
        if reference.get("sha256") and reference["sha256"] != digest:
            raise ValueError(
                f"law file {path} changed since the model was fitted (sha256 "
                f"{digest[:12]}, recorded {reference['sha256'][:12]})"
            )
        module_name = f"symworld_law_file_{digest[:16]}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ValueError(f"cannot import law file {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        origin = str(path)
    if hasattr(module, "library"):
        laws = list(module.library())
    elif hasattr(module, "LAWS"):
        laws = list(module.LAWS)
    else:
        raise ValueError(f"law library {origin} defines neither library() nor LAWS")
    return laws


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON atomically (missing parent folders are created)."""
    write_atomic(path, json.dumps(payload, indent=2) + "\n")


def save_model(
    model: LawModel,
    directory: str | Path,
    library: dict[str, str],
    fit_info: dict[str, Any] | None = None,
) -> Path:
    """Write ``model.json`` into ``directory``; returns its path."""
    weights = model.weight_table()
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "env_id": model.schema.env_id,
        "library": dict(library),
        "laws": [
            {"name": law.name, "weight": weights[law.name], "doc": law.describe()}
            for law in model.laws
        ],
        "parameters": model.parameter_table(),
        "persistence": model.persistence_table(),
        "epsilon": model.epsilon,
        "schema": model.schema.describe(),
        "fit": dict(fit_info or {}),
    }
    path = Path(directory) / MODEL_FILE
    write_json(path, payload)
    return path


def read_model_file(directory: str | Path) -> dict[str, Any]:
    """The checked contents of ``model.json`` (format and version)."""
    path = Path(directory) / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (fit a model first)")
    try:
        payload = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from None
    if payload.get("format") != FORMAT:
        raise ValueError(
            f"{path}: not a symworld law model (format {payload.get('format')!r})"
        )
    if payload.get("version") != VERSION:
        raise ValueError(
            f"{path}: law-model version {payload.get('version')!r} is not supported "
            f"(this symworld reads version {VERSION})"
        )
    return payload


def load_model(
    directory: str | Path, *, trusted: Iterable[str] = (), schema: Any = None
) -> LawModel:
    """Rebuild a fitted :class:`LawModel` from ``directory``.

    ``schema`` defaults to the registered environment's schema.
    """
    payload = read_model_file(directory)
    if schema is None:
        from symworld.programs.environments import law_environment

        schema = law_environment(payload["env_id"]).schema()
    if schema.env_id != payload["env_id"]:
        raise ValueError(
            f"model was fitted on {payload['env_id']}, not {schema.env_id}"
        )
    laws = load_library(payload["library"], trusted)
    by_name = {law.name: law for law in laws}
    missing = [
        entry["name"] for entry in payload["laws"] if entry["name"] not in by_name
    ]
    if missing:
        raise ValueError(f"law library no longer defines {missing}")
    ordered = [by_name[entry["name"]] for entry in payload["laws"]]
    layout = Layout(ordered, schema)
    values: dict[str, Any] = {
        "weights": [entry["weight"] for entry in payload["laws"]],
        "persistence": [payload["persistence"][name] for name in schema.names],
    }
    values.update(payload["parameters"])
    return LawModel.from_values(layout, values, epsilon=float(payload["epsilon"]))
