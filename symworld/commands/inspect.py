"""``symworld inspect FILE [--json]``: validate a trajectory file and summarise it."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from symworld.commands.arguments import add_columns
from symworld.commands.output import count_of, format_table, print_json
from symworld.trajectory import Trajectory
from symworld.trajectory_io import read_trajectory


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="validate a trajectory file and summarise it",
        description="Validate a trajectory file and print its episodes, transitions "
        "and columns with their ranges. Exits 1 with the error if it is invalid.",
    )
    parser.add_argument("file", help="a .csv, .npz or .parquet trajectory file")
    add_columns(parser, "--state", "state columns (default: from the file)")
    add_columns(parser, "--action", "action columns (default: from the file)")
    parser.add_argument("--time", help="the time column (default: t or time)")
    parser.add_argument(
        "--drop-nonfinite",
        action="store_true",
        help="drop rows with NaN/inf instead of failing, and report how many",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def describe(trajectory: Trajectory) -> dict[str, Any]:
    """Summary of a trajectory: counts and, per column, role, dtype, shape, range."""
    columns: dict[str, dict[str, Any]] = {}

    def add(name: str, role: str, values: np.ndarray) -> None:
        values = np.asarray(values)
        columns[name] = {
            "role": role,
            "dtype": str(values.dtype),
            "shape": list(values.shape[1:]),
            "min": np.min(values).item() if values.size else None,
            "max": np.max(values).item() if values.size else None,
        }

    if trajectory.time is not None:
        add(trajectory.metadata.get("time_column", "time"), "time", trajectory.time)
    for name, values in trajectory.state.items():
        add(name, "state", values)
    for name, values in trajectory.action.items():
        add(name, "action", values[trajectory.successor])
    add("reward", "reward", trajectory.reward[trajectory.successor])
    summary = {
        "episodes": trajectory.num_episodes,
        "transitions": trajectory.num_transitions,
        "rows": trajectory.num_rows,
        "columns": columns,
    }
    if "dropped_rows" in trajectory.metadata:
        summary["dropped_rows"] = trajectory.metadata["dropped_rows"]
    return summary


def run(args: argparse.Namespace) -> int:
    trajectory = read_trajectory(
        args.file,
        state=args.state,
        action=args.action,
        time=args.time,
        drop_nonfinite=args.drop_nonfinite,
    )
    summary = describe(trajectory)
    if args.json:
        print_json(summary)
        return 0
    # the reader logs the rows --drop-nonfinite dropped: not repeated here
    counts = [count_of(summary[what], what) for what in ("episodes", "transitions")]
    print(f"{args.file}: {', '.join(counts)}, {count_of(summary['rows'], 'rows')}")
    rows = [
        [
            name,
            c["role"],
            c["dtype"],
            "x".join(map(str, c["shape"])) or "-",
            *(("no transitions", "-") if c["min"] is None else (c["min"], c["max"])),
        ]
        for name, c in summary["columns"].items()
    ]
    print(format_table(["column", "role", "dtype", "shape", "min", "max"], rows))
    return 0
