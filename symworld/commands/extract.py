"""``symworld extract FILE --state x,y,z --time t --target derivative|next ...``:
equations from a trajectory file.

Prints the selected equation of every state variable with its Pareto front; with
``--out DIR`` writes the hall of fame of every variable in PySR's CSV format
(``hall_of_fame.csv`` or ``hall_of_fame_output{i}.csv``), ``result.json`` and the
fitted model (``model.json``, ``equations.txt``), each file atomically. ``--json``
prints ``{"equations": {"<variable>": "<sympy string>", ...}, ...}`` on stdout.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from symworld.cli import CommandError
from symworld.commands.arguments import (
    add_columns,
    add_drop_nonfinite,
    add_force,
    add_seed,
    positive_int,
    refuse_overwrite,
)
from symworld.commands.out_paths import check_out_folder, remove_outputs
from symworld.commands.output import (
    format_table,
    is_quiet,
    print_json,
    print_written,
)
from symworld.equations.extract import ENGINES, SELECTIONS, Extraction, extract
from symworld.trajectory_io import read_trajectory


def clip_bounds(text: str) -> dict[str, float]:
    """An ``argparse`` type for ``--clip``: ``NAME=BOUND[,NAME=BOUND...]`` as
    ``{name: bound}``, or ``{}`` for ``none``; every item needs a column name, a
    number and a name of its own."""
    if text.strip().lower() == "none":
        return {}
    bounds: dict[str, float] = {}
    for item in text.split(","):
        name, equals, value = (part.strip() for part in item.partition("="))
        try:
            bound = float(value) if equals else None
        except ValueError:
            bound = None
        if bound is None:
            raise argparse.ArgumentTypeError(
                f"expected NAME=BOUND[,NAME=BOUND...] or 'none', got {text!r}"
            )
        if not name:
            raise argparse.ArgumentTypeError(
                f"{item.strip()!r} has no column name (NAME=BOUND, e.g. theta_dot=8)"
            )
        if name in bounds:
            raise argparse.ArgumentTypeError(f"column {name!r} is named twice")
        bounds[name] = bound
    return bounds


def _shorten(text: str, width: int = 100) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="find the equations that generate a trajectory file",
        description="Fit symbolic equations to every state variable of a trajectory "
        "file: time derivatives (dx/dt = f(x, u)) or next-step maps "
        "(x[t+1] - x[t] = f(x[t], u[t])).",
    )
    parser.add_argument("file", help="trajectory file (.csv, .npz, .parquet)")
    add_columns(parser, "--state", "state columns (default: all)")
    add_columns(parser, "--action", "action columns (default: all)")
    parser.add_argument("--time", help="time column (default: t or time)")
    parser.add_argument(
        "--target", choices=["derivative", "next"], default="derivative"
    )
    parser.add_argument("--engine", choices=ENGINES, default="jax")
    add_seed(parser)
    add_drop_nonfinite(parser)
    parser.add_argument(
        "--selection",
        choices=SELECTIONS,
        default="bic",
        help="rule picking one equation per front (default bic)",
    )
    parser.add_argument(
        "--derivative",
        choices=["finite_difference", "savgol", "spline"],
        default="finite_difference",
        help="derivative estimator (default finite_difference)",
    )
    parser.add_argument(
        "--accuracy",
        type=int,
        default=2,
        help="finite-difference order of accuracy, even (default 2)",
    )
    parser.add_argument(
        "--window", type=int, default=7, help="Savitzky-Golay window (default 7)"
    )
    parser.add_argument(
        "--smooth-inputs",
        type=int,
        default=None,
        metavar="WINDOW",
        help="Savitzky-Golay-smooth the state inputs with this window",
    )
    parser.add_argument(
        "--absolute",
        action="store_true",
        help="next-step target x[t+1] instead of x[t+1] - x[t]",
    )
    parser.add_argument(
        "--clip",
        type=clip_bounds,
        help="--target next: NAME=BOUND,...: drop transitions whose next |value| "
        "reaches BOUND (default: known bounds, e.g. Pendulum theta_dot=8; 'none' "
        "keeps all)",
    )
    parser.add_argument(
        "--niterations",
        type=positive_int,
        help="JAX/PySR engine: iterations of the search",
    )
    parser.add_argument("--out", help="directory for hall of fame, result and model")
    add_force(parser, Extraction.OUTPUT_FILES)
    parser.add_argument("--json", action="store_true", help="print a JSON result")
    parser.set_defaults(func=run)


def _extract(trajectory, args: argparse.Namespace, options: dict) -> Extraction:
    return extract(
        trajectory,
        args.target,
        state=args.state,
        action=args.action,
        engine=args.engine,
        seed=args.seed,
        model_selection=args.selection,
        derivative=args.derivative,
        accuracy=args.accuracy,
        window=args.window,
        smooth_inputs=args.smooth_inputs,
        delta=not args.absolute,
        clip=args.clip,
        engine_options=options,
    )


def run(args: argparse.Namespace) -> int:
    if args.clip is not None and args.target != "next":
        raise CommandError(
            "--clip drops the clipped transitions of --target next; --target "
            f"{args.target} does not use it"
        )
    if args.out:
        check_out_folder(args.out)
        refuse_overwrite(
            [Path(args.out) / name for name in ("model.json", "result.json")],
            args.force,
        )
    trajectory = read_trajectory(
        args.file,
        state=args.state,
        action=args.action,
        time=args.time,
        drop_nonfinite=args.drop_nonfinite,
    )
    options: dict = {}
    if args.engine != "sparse":
        options["progress"] = not args.json
        if args.niterations is not None:
            options["niterations"] = args.niterations
    try:
        result = _extract(trajectory, args, options)
    except ImportError as error:  # an engine whose package is missing (PySR)
        raise CommandError(str(error)) from None
    except ValueError as error:  # name the file the bad data came from
        raise CommandError(f"{args.file}: {error}") from None
    written = result.write(args.out) if args.out else []
    if args.out and args.force:
        remove_outputs(args.out, Extraction.OUTPUT_FILES, keep=written)
    if args.json:
        payload = result.to_dict()
        payload["file"] = str(args.file)
        payload["written"] = [str(path) for path in written]
        print_json(payload)
        return 0
    if is_quiet(args):
        return 0
    print(
        f"{args.file}: {result.samples} samples, target {result.kind}, engine "
        f"{result.engine}, seed {result.seed}, selection {result.model_selection}"
        + (f", {result.dropped} clipped transitions dropped" if result.dropped else "")
    )
    for line, (name, front) in zip(
        result.model.describe(), result.fronts.items(), strict=True
    ):
        print()
        print(line)
        chosen = result.equations[name]
        rows = [
            (
                "*" if e.equation == chosen.equation else "",
                e.complexity,
                e.loss,
                e.score,
                _shorten(e.equation),
            )
            for e in front
        ]
        print(format_table(["", "complexity", "loss", "score", "equation"], rows))
    if written:
        print_written(args, f"\nwrote {', '.join(str(path) for path in written)}")
    return 0
