"""Saving and loading fitted law models: JSON parameters beside a law-library
reference. Nothing is pickled.

A law library is Python code, so loading one runs code. A library is referenced
either by module name (``"switches"`` = ``symworld.laws.switches``) or by a file
path. Only the built-in libraries (modules of ``symworld.laws``) are imported
without trust; any other module, and any file, only when the caller passes its
name or path in ``trusted`` (the CLI's ``--trust-law-file``), and a file's SHA-256
must match the one recorded at fitting time. A model whose law file was moved loads
from a trusted file holding the recorded SHA-256 (the copy the user passes).
``model.json`` is checked field by field before use
(:mod:`symworld.programs.model_validation`).

``model.json`` (``format`` ``"symworld.law-model"``, ``version`` 1)::

    {"format": ..., "version": 1, "env_id": ..., "library": {"module": ...} or
     {"path": ..., "sha256": ...}, "laws": [{"name", "weight", "doc"}],
     "parameters": {"law/param": value}, "persistence": {attribute: rho},
     "epsilon": float, "schema": [...], "fit": {...}}

``fit`` records the settings (method, transitions, source, seed, iterations,
learning rate, final loss, law support) and no timings, so the same command and
seed write the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import pkgutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from symworld.atomic import write_atomic
from symworld.programs.law import Law
from symworld.programs.layout import LawError, Layout
from symworld.programs.model import LawModel
from symworld.programs.model_validation import (
    ModelFileError,
    check_fields,
    check_values,
)

FORMAT = "symworld.law-model"
VERSION = 1
MODEL_FILE = "model.json"

logger = logging.getLogger(__name__)


BUILTIN_PACKAGE = "symworld.laws"


class LawLibraryError(ValueError):
    """A law library that cannot be used: unknown, fails to import, or does not
    define a non-empty list of :class:`~symworld.programs.law.Law` instances."""


def builtin_libraries() -> list[str]:
    """The law libraries shipped with symworld (module names under
    ``symworld.laws``, e.g. ``"switches"``): the only ones imported untrusted."""
    package = importlib.import_module(BUILTIN_PACKAGE)
    return sorted(
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_")
    )


def library_reference(name: str) -> dict[str, str]:
    """The reference of ``--laws NAME``: a module (``"switches"``,
    ``"symworld.laws.switches"``) or a ``.py`` path (with its SHA-256)."""
    if name.endswith(".py") or os.sep in name:
        path = Path(name).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"law file {path} does not exist")
        return {"path": str(path), "sha256": _sha256(path)}
    module = name if "." in name else f"{BUILTIN_PACKAGE}.{name}"
    return {"module": module}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_library(
    reference: dict[str, str],
    trusted: Iterable[str] = (),
    *,
    where: str = "--laws",
    env_id: str | None = None,
) -> list[Law]:
    """Import a law library and return its laws (``library()`` or ``LAWS``).

    A library is Python code. A module reference is imported untrusted only when
    it names a built-in library (:func:`builtin_libraries`, ``"switches"`` or
    ``"symworld.laws.switches"``); any other module, and any file reference (by
    resolved path), is imported only when it is in ``trusted`` (the CLI's
    ``--trust-law-file``); otherwise ``PermissionError`` explains how to trust it.
    ``where`` names the reference in errors (``"--laws"``, ``"DIR/model.json:
    library"``).

    Raises :class:`LawLibraryError` naming the library when it does not exist,
    raises while being imported (a syntax error included), does not define a
    non-empty list of :class:`~symworld.programs.law.Law` instances, or, given
    ``env_id``, declares (``ENV_ID = "..."``) that it is for another environment.
    """
    trusted = [str(item) for item in trusted]
    if "module" in reference:
        module, origin = _import_module(reference["module"], trusted, where)
    else:
        module, origin = _import_file(reference, trusted, where)
    declared = getattr(module, "ENV_ID", None)
    if env_id is not None and isinstance(declared, str) and declared != env_id:
        raise LawLibraryError(
            f"{where}: {origin} is for environment {declared}, not {env_id}"
        )
    return _laws_of(module, origin)


def _import_module(name: str, trusted: list[str], where: str) -> tuple[Any, str]:
    builtins = builtin_libraries()
    if name in builtins:
        name = f"{BUILTIN_PACKAGE}.{name}"
    origin = f"law library {name}"
    if name.startswith(f"{BUILTIN_PACKAGE}."):
        if name.split(".", 2)[2] not in builtins:
            raise LawLibraryError(
                f"{where}: there is no built-in law library {name!r} (built-in: "
                f"{', '.join(builtins)}; or give a law file, FILE.py)"
            )
    elif name not in trusted:
        raise PermissionError(
            f"{where}: module {name!r} is not a built-in law library (built-in: "
            f"{', '.join(builtins)}); a law library is Python code, so pass "
            f"{_how_to_trust(name)} to import it"
        )
    try:
        return importlib.import_module(name), origin
    except ModuleNotFoundError as error:
        if error.name == name or name.startswith(f"{error.name}."):
            raise LawLibraryError(f"{where}: no module named {name!r}") from None
        raise _import_failure(origin, error) from None
    except Exception as error:  # the library's own code failed: name it
        raise _import_failure(origin, error) from None


def _import_file(
    reference: dict[str, str], trusted: list[str], where: str
) -> tuple[Any, str]:
    path = Path(reference["path"]).resolve()
    trusted_paths = list(dict.fromkeys(Path(p).resolve() for p in trusted))
    if path not in trusted_paths:
        path = _trusted_copy(path, reference.get("sha256"), trusted_paths, where)
    if not path.is_file():
        raise FileNotFoundError(f"{where}: law file {path} does not exist")
    digest = _sha256(path)
    if reference.get("sha256") and reference["sha256"] != digest:
        raise LawLibraryError(
            f"{where}: law file {path} changed since the model was fitted (sha256 "
            f"{digest[:12]}, recorded {reference['sha256'][:12]})"
        )
    module_name = f"symworld_law_file_{digest[:16]}"
    origin = f"law file {path}"
    if module_name in sys.modules:
        # The same content was imported before in this process: reuse its module,
        # so the laws of both loads are the same classes and the models' layouts
        # compare equal (they share compiled functions).
        return sys.modules[module_name], origin
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise LawLibraryError(f"cannot import law file {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # the file's own code failed: name it
        del sys.modules[module_name]
        raise _import_failure(origin, error) from None
    return module, origin


def _trusted_copy(
    path: Path, recorded: str | None, trusted_paths: list[Path], where: str
) -> Path:
    """The trusted file (one the user passed with ``--trust-law-file``) to import
    in place of the untrusted law file ``path`` that a model records: one whose
    SHA-256 is the ``recorded`` one, so a model and its law file still load after
    both are moved. Trust stays explicit: only files in ``trusted_paths`` qualify.

    Raises ``PermissionError`` naming ``path``, and the trusted files' hashes
    when none holds the recorded content."""
    files = [candidate for candidate in trusted_paths if candidate.is_file()]
    digests = {candidate: _sha256(candidate) for candidate in files}
    if recorded:
        for candidate, digest in digests.items():
            if digest == recorded:
                logger.info(
                    "%s: law file %s: importing the trusted %s (the same sha256)",
                    where,
                    path,
                    candidate,
                )
                return candidate
    if not files:
        if path.is_file():
            raise PermissionError(
                f"{where}: law file {path} is Python code and is not trusted; pass "
                f"{_how_to_trust(str(path))} to import it"
            )
        raise PermissionError(
            f"{where}: law file {path} does not exist (moved?); a law file is "
            "Python code, so pass --trust-law-file with its new path (in Python, "
            "trusted=[its new path]) to import it"
        )
    held = ", ".join(f"{c} has sha256 {d[:12]}" for c, d in digests.items())
    recorded_text = f"sha256 {recorded[:12]}" if recorded else "no sha256"
    raise PermissionError(
        f"{where}: the model was fitted with law file {path} ({recorded_text}), "
        f"which is not trusted{'' if path.is_file() else ' and does not exist'}, "
        f"and no trusted file holds its content ({held}); pass --trust-law-file "
        "(in Python, trusted=[...]) with the law file the model was fitted with"
    )


def _how_to_trust(reference: str) -> str:
    """How to trust a law library, for the CLI and for Python callers."""
    return f"--trust-law-file {reference} (in Python, trusted=[{reference!r}])"


def _import_failure(origin: str, error: Exception) -> LawLibraryError:
    if isinstance(error, SyntaxError):
        where = f"line {error.lineno}"
        if error.filename and not origin.endswith(str(error.filename)):
            where += f" of {error.filename}"
        return LawLibraryError(f"{origin}: syntax error at {where}: {error.msg}")
    return LawLibraryError(
        f"{origin} raised {type(error).__name__} while being imported: {error}"
    )


def _laws_of(module: Any, origin: str) -> list[Law]:
    if hasattr(module, "library"):
        source = "library()"
        try:
            laws = module.library()
        except Exception as error:  # the library's own code failed: name it
            raise LawLibraryError(
                f"{origin}: library() raised {type(error).__name__}: {error}"
            ) from None
    elif hasattr(module, "LAWS"):
        source, laws = "LAWS", module.LAWS
    else:
        raise LawLibraryError(f"{origin} defines neither library() nor LAWS")
    if isinstance(laws, str | bytes | dict) or not hasattr(laws, "__iter__"):
        raise LawLibraryError(
            f"{origin}: {source} must be a list of Law instances, got a "
            f"{type(laws).__name__}"
        )
    laws = list(laws)
    for index, law in enumerate(laws):
        if not isinstance(law, Law):
            hint = " (a Law class: write MyLaw())" if isinstance(law, type) else ""
            raise LawLibraryError(
                f"{origin}: {source}[{index}] is {law!r:.60} ({type(law).__name__}), "
                f"not a symworld.programs.Law instance{hint}"
            )
    if not laws:
        raise LawLibraryError(f"{origin}: {source} is empty (no laws to fit)")
    return laws


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write strict JSON (no NaN or infinity) atomically (missing parent folders
    are created)."""
    write_atomic(path, json.dumps(payload, indent=2, allow_nan=False) + "\n")


def save_model(
    model: LawModel,
    directory: str | Path,
    library: dict[str, str],
    fit_info: dict[str, Any] | None = None,
) -> Path:
    """Write ``model.json`` into ``directory``; returns its path.

    A model with a NaN or infinite weight, parameter or persistence (a diverged
    fit) is refused with the law or attribute named, and nothing is written: such
    a file could not be loaded again."""
    weights = model.weight_table()
    values = {f"law {name!r} weight": value for name, value in weights.items()}
    values.update(
        (f"parameter {name!r}", value)
        for name, value in model.parameter_table().items()
    )
    values.update(
        (f"persistence of {name!r}", value)
        for name, value in model.persistence_table().items()
    )
    for what, value in values.items():
        if not np.all(np.isfinite(np.asarray(value, np.float64))):
            raise ValueError(
                f"cannot save the model: {what} is {value} (not finite; the fit "
                "diverged? try a smaller learning rate)"
            )
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
    """The checked contents of ``model.json``: format, version and every field that
    needs no law library (:func:`~symworld.programs.model_validation.check_fields`).
    """
    path = Path(directory) / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist (fit a model first)")
    try:
        payload = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(payload, dict):
        raise ModelFileError(
            path, "", f"must hold a JSON object, got a {type(payload).__name__}"
        )
    if payload.get("format") != FORMAT:
        raise ValueError(
            f"{path}: not a symworld law model (format {payload.get('format')!r})"
        )
    if payload.get("version") != VERSION:
        raise ValueError(
            f"{path}: law-model version {payload.get('version')!r} is not supported "
            f"(this symworld reads version {VERSION})"
        )
    return check_fields(payload, path)


def model_environment(directory: str | Path) -> Any:
    """The :class:`~symworld.programs.environments.LawEnvironment` of the model in
    ``directory``; an unknown ``env_id`` raises an error naming the file."""
    from symworld.programs.environments import law_environment

    payload = read_model_file(directory)
    try:
        return law_environment(payload["env_id"])
    except ValueError as error:
        raise ModelFileError(
            Path(directory) / MODEL_FILE, "env_id", str(error)
        ) from None


def load_model(
    directory: str | Path, *, trusted: Iterable[str] = (), schema: Any = None
) -> LawModel:
    """Rebuild a fitted :class:`LawModel` from ``directory``.

    ``schema`` defaults to the registered environment's schema. A relative
    ``library.path`` is read from ``directory``. Every field of
    ``model.json`` is checked first (:mod:`symworld.programs.model_validation`);
    errors name the file and the field.
    """
    payload = read_model_file(directory)
    path = Path(directory) / MODEL_FILE
    env_id = payload["env_id"]
    if schema is None:
        schema = model_environment(directory).schema()
    if schema.env_id != env_id:
        raise ModelFileError(
            path, "env_id", f"the model was fitted on {env_id}, not {schema.env_id}"
        )
    library = dict(payload["library"])
    if "path" in library and not Path(library["path"]).is_absolute():
        # a relative law file is read from the model's folder, not the cwd
        library["path"] = str(Path(directory) / library["path"])
    laws = load_library(library, trusted, where=f"{path}: library")
    by_name = {law.name: law for law in laws}
    for index, entry in enumerate(payload["laws"]):
        if entry["name"] not in by_name:
            raise ModelFileError(
                path,
                f"laws[{index}].name",
                f"the law library defines no law {entry['name']!r} (it has "
                f"{len(by_name)}: {_name_list(sorted(by_name))})",
            )
    ordered = [by_name[entry["name"]] for entry in payload["laws"]]
    try:
        layout = Layout(ordered, schema)
    except LawError as error:
        raise ModelFileError(
            path, "library", f"{error} (is it a law library of {env_id}?)"
        ) from None
    check_values(payload, path, layout)
    values: dict[str, Any] = {
        "weights": [entry["weight"] for entry in payload["laws"]],
        "persistence": [payload["persistence"][name] for name in schema.names],
    }
    values.update(payload["parameters"])
    return LawModel.from_values(layout, values, epsilon=float(payload["epsilon"]))


def _name_list(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, ..."
