"""CSV trajectory files: one header line, one row per state, flat (scalar) columns.

Numbers are written in Python's shortest round-trip form, so floats read back to the
same value; flags as 0/1. Integer-only columns read back as int64, all others as
float64. Error rows are 1-based line numbers of the file (the header is line 1).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from symworld.trajectory import Trajectory, TrajectoryFileError
from symworld.trajectory_io.columns import (
    FLAG_NAMES,
    TIME_NAMES,
    RawTable,
    is_action_name,
)

TRUE_WORDS = {"true": 1, "false": 0}
INT64_MIN, INT64_MAX = int(np.iinfo(np.int64).min), int(np.iinfo(np.int64).max)


def read_csv_table(path: Path) -> RawTable:
    """Parse a CSV file into raw columns, rejecting malformed rows."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise TrajectoryFileError(
            "corrupt-file", f"not UTF-8 text ({error.reason})", path=path
        ) from None
    if not text.strip():
        raise TrajectoryFileError("empty-file", "the file is empty", path=path)
    reader = csv.reader(text.splitlines())
    header = [cell.strip() for cell in next(reader)]
    if any(not name for name in header):
        raise TrajectoryFileError(
            "bad-header",
            f"column {header.index('') + 1} of the header has no name",
            path=path,
            row=1,
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise TrajectoryFileError(
            "duplicate-column",
            f"the header names {duplicated} more than once",
            path=path,
            row=1,
            column=duplicated[0],
        )
    cells: list[list[str]] = []
    lines: list[int] = []
    for line_number, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row) and len(row) <= 1:
            continue  # a blank line
        if len(row) != len(header):
            raise TrajectoryFileError(
                "ragged-row",
                f"{len(row)} cells, but the header has {len(header)} columns",
                path=path,
                row=line_number,
            )
        cells.append(row)
        lines.append(line_number)
    if not cells:
        raise TrajectoryFileError(
            "header-only", "the file has a header but no data rows", path=path, row=1
        )
    line_of = np.asarray(lines)
    columns: dict[str, np.ndarray] = {}
    empty: dict[str, np.ndarray] = {}
    for position, name in enumerate(header):
        values, blank = _parse_column(
            [row[position] for row in cells], name, path, line_of
        )
        columns[name] = values
        if blank.any():
            empty[name] = blank
    return RawTable(
        columns=columns,
        path=path,
        row_label=lambda index: int(line_of[index]),
        empty=empty,
    )


def _parse_column(
    texts: list[str], name: str, path: Path, line_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    blank = np.array([not text.strip() for text in texts], dtype=bool)
    may_be_blank = is_action_name(name) or name in ("reward", *FLAG_NAMES)
    if blank.any() and not may_be_blank:
        row = int(np.argmax(blank))
        raise TrajectoryFileError(
            "non-numeric", "empty cell", path=path, row=int(line_of[row]), column=name
        )

    def _cell_error(code: str, message: str, index: int) -> TrajectoryFileError:
        return TrajectoryFileError(
            code, message, path=path, row=int(line_of[index]), column=name
        )

    integers = True
    parsed: list[float | int] = []
    for index, text in enumerate(texts):
        word = text.strip()
        if not word:
            parsed.append(0)
            continue
        lowered = word.lower()
        if name in FLAG_NAMES and lowered in TRUE_WORDS:
            parsed.append(TRUE_WORDS[lowered])
            continue
        if "_" not in word:
            try:
                number = int(word)
            except ValueError:
                pass
            else:
                if not INT64_MIN <= number <= INT64_MAX:
                    raise _cell_error(
                        "non-numeric", f"{word} is outside the int64 range", index
                    )
                parsed.append(number)
                continue
        try:
            if "_" in word:
                raise ValueError(word)
            value = float(word)
        except ValueError:
            message = f"{word!r} is not a number"
            raise _cell_error("non-numeric", message, index) from None
        if math.isinf(value) and lowered.lstrip("+-") not in ("inf", "infinity"):
            largest = np.finfo(np.float64).max
            raise _cell_error(
                "non-finite", f"{word} overflows float64 (beyond ±{largest:.4g})", index
            )
        integers = False
        parsed.append(value)
    if integers:
        return np.asarray(parsed, dtype=np.int64), blank
    return np.asarray(parsed, dtype=np.float64), blank


def _format(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    number = float(value)
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return repr(number)


def write_csv(trajectory: Trajectory, path: Path) -> None:
    """Write ``trajectory`` to ``path`` (an already-temporary path; see
    :func:`symworld.atomic.atomic_path`), checked by
    :func:`~symworld.trajectory_io.checks.check_writable`."""
    time_name = trajectory.metadata.get("time_column")
    time_name = time_name if time_name in TIME_NAMES else "time"
    header = ["episode", "step"]
    columns: list[np.ndarray] = [trajectory.episode, trajectory.step]
    if trajectory.time is not None:
        header.append(time_name)
        columns.append(trajectory.time)
    header += list(trajectory.state) + list(trajectory.action)
    columns += list(trajectory.state.values()) + list(trajectory.action.values())
    header += ["reward", "terminated", "truncated"]
    columns += [trajectory.reward, trajectory.terminated, trajectory.truncated]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        lists = [np.asarray(column).tolist() for column in columns]
        kinds = [np.asarray(column).dtype for column in columns]
        for row in range(trajectory.num_rows):
            writer.writerow(
                [_format(_typed(lists[c][row], kinds[c])) for c in range(len(columns))]
            )


def _typed(value: object, dtype: np.dtype) -> object:
    if dtype.kind == "b":
        return bool(value)
    if np.issubdtype(dtype, np.integer):
        return int(value)
    return float(value)
