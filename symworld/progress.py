"""Progress bars for long work, shown on stderr unless the user asked for quiet."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

_ENABLED = True


def set_progress_enabled(enabled: bool) -> None:
    """Turn progress bars on or off for this process (``-q`` turns them off)."""
    global _ENABLED
    _ENABLED = enabled


def progress(
    iterable: Iterable[T], *, total: int | None = None, desc: str = ""
) -> Iterator[T]:
    """Wrap ``iterable`` in a progress bar on stderr when enabled and stderr is a tty
    (or ``SYMWORLD_PROGRESS=1``)."""
    show = _ENABLED and (
        sys.stderr.isatty() or os.environ.get("SYMWORLD_PROGRESS") == "1"
    )
    return iter(tqdm(iterable, total=total, desc=desc, disable=not show, leave=False))
