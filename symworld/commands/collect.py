"""``symworld collect ENV --steps N --seed S --out FILE``: record rollouts to a file.

For an environment with a law schema (``symworld/Switches-v0``,
``symworld/CrafterOO-v0``) the file holds the environment's full state by default
(``--record state``), so ``fit laws --data FILE`` and ``induce --data FILE`` read it;
that state has per-row arrays and a ``time`` attribute, so it needs ``.npz`` or
``.parquet``. Other environments record their observations.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from symworld.commands.arguments import (
    add_force,
    add_seed,
    positive_int,
    refuse_csv_state,
    refuse_overwrite,
)
from symworld.commands.out_paths import check_out_file
from symworld.commands.output import count_of, print_json, print_written
from symworld.rollouts import collect
from symworld.trajectory_io import SUFFIXES, write_trajectory


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "collect",
        help="collect random-policy rollouts from a gymnasium env into a file",
        description="Run a uniform random policy in a gymnasium environment and write "
        f"the trajectory ({', '.join(SUFFIXES)}, chosen by the --out suffix). For "
        "environments with a law schema (symworld/Switches-v0, symworld/CrafterOO-v0) "
        "the full state is recorded, which fit laws --data and induce --data read; "
        "write it as .npz or .parquet.",
    )
    parser.add_argument(
        "env", help="gymnasium id, e.g. Pendulum-v1 or symworld/Switches-v0"
    )
    amount = parser.add_mutually_exclusive_group(required=True)
    amount.add_argument("--steps", type=positive_int, help="number of transitions")
    amount.add_argument(
        "--episodes", type=positive_int, help="number of complete episodes"
    )
    add_seed(parser)
    parser.add_argument(
        "--out", required=True, help="output file (.csv, .npz, .parquet)"
    )
    parser.add_argument(
        "--record",
        choices=["auto", "observation", "state"],
        default="auto",
        help="what each row holds: the observation or the env's full state "
        "(default auto: the state for environments with a law schema, for fit "
        "laws --data and induce --data; the observation otherwise)",
    )
    add_force(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(func=run)


def _record(env_id: str, asked: str, out: Path) -> str:
    """What to record; refuses CSV for a law environment's state, which CSV cannot
    hold, before anything is collected. Another environment's ``--record state``
    is left to :func:`~symworld.rollouts.collect`, which says first whether it has
    a functional state at all (whatever the suffix)."""
    from symworld.programs.environments import ENVIRONMENTS

    record = asked
    if asked == "auto":
        record = "state" if env_id in ENVIRONMENTS else "observation"
    if record == "state" and env_id in ENVIRONMENTS:
        try:
            refuse_csv_state(env_id, out)
        except ValueError as error:
            raise ValueError(
                f"{error}, or pass --record observation for a CSV of observations"
            ) from None
    return record


def run(args: argparse.Namespace) -> int:
    out = check_out_file(args.out)
    refuse_overwrite([out], args.force)
    record = _record(args.env, args.record, out)
    trajectory = collect(
        args.env,
        steps=args.steps,
        episodes=args.episodes,
        seed=args.seed,
        record=record,
    )
    path = write_trajectory(trajectory, out)
    summary = {
        "env": args.env,
        "out": str(path),
        "record": record,
        "episodes": trajectory.num_episodes,
        "transitions": trajectory.num_transitions,
        "state": list(trajectory.state),
        "action": list(trajectory.action),
    }
    if args.json:
        print_json(summary)
    else:
        print_written(
            args,
            f"wrote {count_of(summary['transitions'], 'transitions')} in "
            f"{count_of(summary['episodes'], 'episodes')} of {args.env} ({record}s) "
            f"to {path}",
        )
    return 0
