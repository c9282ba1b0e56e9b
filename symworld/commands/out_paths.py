"""Where a command writes, checked before it reads data or computes anything.

- An output **folder** (``fit laws --out``, ``extract --out``, ``encode --out``,
  ``induce --weights``, the model folder ``evaluate`` writes into): no part of the
  path may be a file, and the folder, or the nearest folder above it that exists,
  must be writable. A missing folder is created when the results are written.
- An output **file** (``collect --out``, ``induce --out``): its folder must exist
  (it is never created) and be writable, and the path must not be a folder.

Each refusal is a ``ValueError`` naming the flag and the path (the CLI prints it
and exits 1).

``--force`` replaces a folder's previous outputs: once the new ones are written,
:func:`remove_outputs` deletes the files of the command's names that the new run did
not write (an old ``evaluation.json`` beside a new ``model.json``, an old
``hall_of_fame_output2.csv`` after a run with two outputs), so a run that fails
before it writes leaves the old outputs whole; files of other names are kept.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path


def _refuse_file_in_path(path: Path, flag: str, start: Path | None = None) -> None:
    """Refuse ``path`` when ``start`` (default ``path``) or a folder above it is a
    file."""
    start = path if start is None else start
    for folder in [start, *start.parents]:
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"{flag} {path}: {folder} is a file, not a folder")


def _refuse_unwritable(folder: Path, path: Path, flag: str) -> None:
    """Create and delete a file in ``folder``: permissions, read-only file systems
    and immutable folders all show up the way the real write would see them."""
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".symworld-probe-")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ValueError(
            f"{flag} {path}: cannot write to folder {folder} ({reason})"
        ) from None
    os.close(handle)
    os.unlink(probe)


def check_out_folder(path: str | Path, flag: str = "--out") -> Path:
    """Refuse an output folder that cannot be written (see the module docstring);
    returns it as a :class:`~pathlib.Path`."""
    path = Path(path)
    _refuse_file_in_path(path, flag)
    existing = next(folder for folder in [path, *path.parents] if folder.exists())
    _refuse_unwritable(existing, path, flag)
    return path


def check_out_file(path: str | Path, flag: str = "--out") -> Path:
    """Refuse an output file that cannot be written: a folder, a path through a
    file, or a missing or unwritable folder (see the module docstring)."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{flag} {path}: is a folder, not a file")
    folder = path.parent
    _refuse_file_in_path(path, flag, start=folder)
    if not folder.exists():
        raise ValueError(f"{flag} {path}: folder {folder} does not exist")
    _refuse_unwritable(folder, path, flag)
    return path


def remove_outputs(
    folder: str | Path, patterns: Sequence[str], keep: Sequence[str | Path] = ()
) -> list[Path]:
    """Delete the files in ``folder`` matching the glob ``patterns`` (a command's
    own outputs), except those in ``keep`` (what the new run has just written);
    returns what was removed. Folders and files of other names are left alone."""
    folder = Path(folder)
    kept = {Path(path).resolve() for path in keep}
    removed = []
    if folder.is_dir():
        for pattern in patterns:
            for path in sorted(folder.glob(pattern)):
                if path.resolve() in kept:
                    continue
                if path.is_file() or path.is_symlink():
                    path.unlink()
                    removed.append(path)
    return removed
