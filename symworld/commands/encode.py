"""``symworld encode``: train an AL-RNN on a trajectory file, print its symbolic code.

    symworld encode lorenz.csv --latent 20 --relu 2 --epochs 2000 --seed 0 --out run

The file is read with :func:`symworld.trajectory_io.read_trajectory` (``.csv``,
``.npz``, ``.parquet``; ``--state`` picks the columns, default all state columns; the
longest episode is used), or as a plain ``(T, N)`` array from a ``.npy`` file. The
series is z-scored and split in time into training, validation and test parts; the
report gives the test metrics, the used subregions with their time shares, the
transition graph, the fixed points and the per-region equations. ``--json`` prints
the whole report as one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from symworld.commands.arguments import (
    add_columns,
    add_drop_nonfinite,
    add_seed,
    fraction,
    non_negative_int,
    positive_float,
    positive_int,
)
from symworld.commands.out_paths import check_out_folder
from symworld.commands.output import count_of, help_text, is_quiet, print_written

logger = logging.getLogger(__name__)

MIN_ROWS = 6  # three consecutive parts (training, validation, test) of 2 rows


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "encode",
        help="AL-RNN reconstruction of a trajectory file and its symbolic code",
        description=help_text(__doc__.split("\n\n")[0]),
    )
    parser.add_argument(
        "file", type=Path, help="trajectory file (.csv/.npz/.parquet/.npy)"
    )
    parser.add_argument(
        "--latent", type=positive_int, default=20, help="latent units M (default 20)"
    )
    parser.add_argument(
        "--relu", type=non_negative_int, default=2, help="rectified units P (default 2)"
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=2000,
        help="training epochs (default 2000)",
    )
    add_seed(parser)
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_columns(parser, "--state", "state columns to use (default: all)")
    add_drop_nonfinite(parser)
    parser.add_argument(
        "--interval",
        type=positive_int,
        default=16,
        help="forcing interval tau: steps between teacher-forcing times (default 16)",
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=1.0,
        help="forcing strength at the forcing times (default 1: the observed units "
        "are replaced by the data; below 1 they move that fraction towards it)",
    )
    parser.add_argument(
        "--sequence-length",
        type=positive_int,
        default=200,
        help="steps per training window (default 200; shortened to fit short data)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=16,
        help="windows per batch (default 16)",
    )
    parser.add_argument(
        "--batches-per-epoch",
        type=positive_int,
        default=50,
        help="batches per epoch (default 50)",
    )
    parser.add_argument(
        "--lr",
        type=positive_float,
        default=1e-3,
        help="start learning rate, decaying to 1e-5 (default 1e-3)",
    )
    parser.add_argument(
        "--noise",
        type=float,
        default=0.05,
        help="std of the Gaussian noise added to each training batch (default 0.05)",
    )
    parser.add_argument(
        "--evaluate-every",
        type=positive_int,
        default=25,
        help="epochs between validation free runs that select the model (default 25)",
    )
    parser.add_argument(
        "--test-fraction",
        type=fraction,
        default=0.2,
        help="share of the series (its end) held out for the test (default 0.2)",
    )
    parser.add_argument(
        "--validation-fraction",
        type=fraction,
        default=0.1,
        help="share before the test part used for model selection (default 0.1)",
    )
    parser.add_argument(
        "--no-plots",
        action="store_true",
        help="write no figures (attractor, subregions, graph)",
    )
    selection = parser.add_argument_group(
        "model selection",
        "every --evaluate-every epochs a free run is scored on the validation part; "
        "the kept model minimises D_stsp + W * D_H among the evaluations meeting the "
        "constraints below (among all of them while none does)",
    )
    selection.add_argument(
        "--select-dh-weight",
        type=float,
        default=0.0,
        metavar="W",
        help="weight of D_H in the selection score (default 0: D_stsp alone)",
    )
    selection.add_argument(
        "--select-subregions",
        type=non_negative_int,
        default=0,
        metavar="K",
        help="only models whose validation free run visits exactly K subregions "
        "(default 0: any)",
    )
    selection.add_argument(
        "--select-real-fixed-points",
        action="store_true",
        help="only models whose visited subregions all hold a real fixed point",
    )
    selection.add_argument(
        "--select-unstable",
        type=int,
        nargs="+",
        default=(),
        metavar="U",
        help="only models whose visited subregions' fixed points have these counts "
        "of unstable directions (any order), e.g. 1 2 2 for Lorenz-63",
    )
    parser.set_defaults(func=run)


def load_series(
    path: Path, state: list[str] | None, drop_nonfinite: bool = False
) -> np.ndarray:
    """``(T, N)`` float64 from a trajectory file (longest episode) or a ``.npy``.

    Raises ``ValueError`` naming the file and column (and row) of a NaN/±inf value
    (unless ``drop_nonfinite`` drops such rows) or of a constant column, or naming
    the file when it has fewer than :data:`MIN_ROWS` rows."""
    values, names = _series(path, state, drop_nonfinite)
    if len(values) < MIN_ROWS:
        raise ValueError(
            f"{path}: {count_of(len(values), 'rows')}; encode needs a series of at "
            f"least {MIN_ROWS} (training, validation and test parts of 2 rows each)"
        )
    if len(names) != values.shape[1]:
        names = [f"column {index}" for index in range(values.shape[1])]
    for index, name in enumerate(names):
        column = values[:, index]
        if len(column) and np.all(column == column[0]):
            raise ValueError(
                f"{path}: {name} is constant (every row is {float(column[0])!r}); it "
                "carries no dynamics to encode: leave it out with --state"
            )
    return values


def _series(
    path: Path, state: list[str] | None, drop_nonfinite: bool
) -> tuple[np.ndarray, list[str]]:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix == ".npy":
        try:
            values = np.load(path, allow_pickle=False)
        except ValueError as error:
            raise ValueError(
                f"{path}: not a plain numeric .npy array ({error})"
            ) from error
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2 or not np.issubdtype(values.dtype, np.number):
            raise ValueError(
                f"{path}: expected a numeric (T, N) array, got {values.shape}"
            )
        values = values.astype(np.float64)
        bad = ~np.isfinite(values).all(axis=1)
        if bad.any() and drop_nonfinite:
            logger.warning(
                "%s: dropped %d of %d rows holding NaN or infinite values",
                path,
                int(bad.sum()),
                len(values),
            )
            values = values[~bad]
        elif bad.any():
            row = int(np.argmax(bad))
            column = int(np.argmax(~np.isfinite(values[row])))
            raise ValueError(
                f"{path}: row {row}, column {column}: value {values[row, column]} is "
                "NaN or infinite (pass --drop-nonfinite to drop such rows)"
            )
        return values, [f"column {index}" for index in range(values.shape[1])]
    from symworld.trajectory_io import read_trajectory
    from symworld.trajectory_io.columns import check_unique_selection

    trajectory = read_trajectory(path, drop_nonfinite=drop_nonfinite)
    ids, counts = np.unique(trajectory.episode, return_counts=True)
    longest = ids[np.argmax(counts)]
    if len(ids) > 1:
        logger.info("%s: %d episodes; using the longest (%d)", path, len(ids), longest)
    trajectory = trajectory.select_episodes([longest])
    if state is not None:
        check_unique_selection(state, "state", path)
        missing = [name for name in state if name not in trajectory.state]
        if missing:
            raise ValueError(
                f"{path}: no state column(s) {missing}; "
                f"available: {sorted(trajectory.state)}"
            )
    names = list(trajectory.state) if state is None else list(state)
    return trajectory.state_matrix(state), [f"column {name!r}" for name in names]


def format_report(report: dict) -> list[str]:
    """Human-readable lines of an encoding report."""
    lines = [
        f"D_stsp {report['d_stsp']:.3f} ({report['generated_steps']} generated vs "
        f"{report['test_steps']} test steps, {report['num_bins']} bins), "
        f"D_H {report['d_h']:.3f} (sigma {report['spectrum_sigma']:g}), "
        f"PE({report['prediction_steps']}) {report['prediction_error']:.4f}",
    ]
    if "training_message" in report:
        lines.append(
            f"training: {report['epochs_completed']} epochs, best epoch "
            f"{report['best_epoch']}, {report['training_message']}"
        )
    if not report.get("selection_met", True):
        lines.append(
            "selection: no evaluated model met the subregion/fixed-point "
            "constraints; the best of all evaluations is reported"
        )
    if "region_shares" not in report:
        lines.append("no symbolic analysis (the free run is not finite)")
        return lines
    lines.append(
        f"subregions used: {report['subregions_used']} of "
        f"{report['subregions_possible']}"
    )
    for symbol, share in report["region_shares"].items():
        lines.append(
            f"  region {symbol}: {100 * share:.1f}% of time, mean dwell "
            f"{report['mean_dwell'][symbol]:.1f} steps"
        )
    lines.append("transition graph (jump chain, P(next | leaving)):")
    for edge in report["jump_graph"]:
        lines.append(f"  {edge['from']} -> {edge['to']}: {edge['probability']:.3f}")
    lines.append("fixed points (z-scored observation coordinates):")
    for point in report["fixed_points"]:
        coordinates = ", ".join(f"{v:.3f}" for v in point["observation"])
        kind = "real" if point["real"] else "virtual"
        lines.append(
            f"  region {point['region']}: ({coordinates}) {kind}, "
            f"{point['unstable_directions']} unstable directions, "
            f"spectral radius {point['spectral_radius']:.4f}"
        )
    lines.append("per-region equations (observation form):")
    for symbol, equations in report["equations"].items():
        lines.append(f"  region {symbol}:")
        lines.extend(f"    {equation}" for equation in equations)
    return lines


def run(args: argparse.Namespace) -> int:
    from symworld.alrnn.checkpoints import json_safe
    from symworld.alrnn.encoding import encode_series
    from symworld.alrnn.training import TrainingConfig

    check_out_folder(args.out)
    if args.lr < TrainingConfig.end_lr:
        raise ValueError(
            f"--lr {args.lr:g} is below the final learning rate "
            f"{TrainingConfig.end_lr:g} it decays to; give at least that"
        )
    if args.test_fraction + args.validation_fraction >= 1.0:
        raise ValueError(
            f"--test-fraction {args.test_fraction:g} and --validation-fraction "
            f"{args.validation_fraction:g} leave no training part (their sum must "
            "be below 1)"
        )
    series = load_series(args.file, args.state, args.drop_nonfinite)
    if args.relu > args.latent or args.relu < 0:
        raise ValueError(
            f"--relu must lie in [0, --latent={args.latent}], got {args.relu}"
        )
    if args.latent < series.shape[1]:
        raise ValueError(
            f"--latent {args.latent} is smaller than the {series.shape[1]} "
            "observed columns"
        )
    config = TrainingConfig.sparse(
        args.interval,
        args.alpha,
        epochs=args.epochs,
        sequence_length=args.sequence_length,
        batch_size=args.batch_size,
        batches_per_epoch=args.batches_per_epoch,
        start_lr=args.lr,
        noise_std=args.noise,
        evaluate_every=min(args.evaluate_every, args.epochs),
        evaluation_steps=10_000,
        selection_dh_weight=args.select_dh_weight,
        selection_subregions=args.select_subregions,
        selection_real_fixed_points=args.select_real_fixed_points,
        selection_unstable_directions=tuple(args.select_unstable),
        seed=args.seed,
    )
    encoding = encode_series(
        series,
        latent=args.latent,
        relu=args.relu,
        config=config,
        validation_fraction=args.validation_fraction,
        test_fraction=args.test_fraction,
        out=args.out,
        plots=not args.no_plots,
    )
    if args.json:
        print(json.dumps(json_safe(encoding.report), indent=1, allow_nan=False))
    elif not is_quiet(args):
        print("\n".join(format_report(encoding.report)))
        print_written(args, f"written to {args.out}")
    return 0
