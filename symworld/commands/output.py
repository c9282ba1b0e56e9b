"""Shared helpers for subcommands: JSON on stdout, aligned text tables."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def help_text(docstring: str) -> str:
    """A module docstring as ``--help`` shows it: reStructuredText roles
    (``:func:`name```) and literals (````code````) become their plain text."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", docstring)
    return text.replace("``", "")


def print_json(payload: Any) -> None:
    """Write ``payload`` as one JSON document on stdout (NumPy values converted)."""
    json.dump(_plain(payload), sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def format_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table."""
    cells = [[str(c) for c in header]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def count_of(number: int, plural: str) -> str:
    """``"1 episode"``, ``"2 episodes"``: ``number`` and the noun (given in its
    plural, ending in ``s``) in the number it takes."""
    return f"{number} {plural[:-1] if number == 1 else plural}"


def is_quiet(args: Any) -> bool:
    """Whether ``-q`` was given: print nothing but errors (and asked-for JSON)."""
    return bool(getattr(args, "quiet", False))


def print_written(args: Any, message: str) -> None:
    """Print a ``wrote ...`` line on stdout unless ``-q`` was given."""
    if not is_quiet(args):
        print(message)
