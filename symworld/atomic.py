"""Atomic file writes: a reader never sees a partial file, and a failed write leaves
nothing behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``.

    On any exception the temporary file is removed and ``path`` is left untouched.
    The parent folder must exist.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{target}: folder {folder} does not exist")
    if target.is_dir():
        raise IsADirectoryError(f"{target}: is a directory, not a file")
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=folder
        )
    except OSError as error:
        # name the file asked for, not the temporary one beside it
        raise OSError(
            error.errno, f"cannot write here ({error.strerror})", str(target)
        ) from None
    os.close(handle)
    temporary_path = Path(temporary)
    # mkstemp creates 0600; give the file the mode a plain open() would (or keep the
    # mode of the file it replaces).
    if target.exists():
        mode = target.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        os.chmod(temporary_path, mode)
        yield temporary_path
        try:
            os.replace(temporary_path, target)
        except OSError as error:
            raise OSError(f"{target}: cannot write ({error.strerror})") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary_path.unlink()
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs) -> Iterator[IO]:
    """``open`` that writes to a temporary file and renames it onto ``path`` when the
    block succeeds (see :func:`atomic_path`)."""
    with atomic_path(path) as temporary, open(temporary, mode, **kwargs) as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_atomic(
    path: str | os.PathLike, data: str | bytes, *, parents: bool = True
) -> Path:
    """Write ``data`` (text exactly as given, no newline translation, or bytes) to
    ``path`` atomically (see :func:`atomic_path`); ``parents`` creates missing
    parent folders first. Returns the path."""
    target = Path(path)
    if parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        with atomic_open(target, "wb") as handle:
            handle.write(data)
    else:
        with atomic_open(target, "w", newline="") as handle:
            handle.write(data)
    return target
