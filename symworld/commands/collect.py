"""``symworld collect ENV --steps N --seed S --out FILE``: record rollouts to a file."""

from __future__ import annotations

import argparse

from symworld.commands.output import print_json
from symworld.rollouts import collect
from symworld.trajectory_io import SUFFIXES, write_trajectory


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "collect",
        help="collect random-policy rollouts from a gymnasium env into a file",
        description="Run a uniform random policy in a gymnasium environment and write "
        f"the trajectory ({', '.join(SUFFIXES)}, chosen by the --out suffix).",
    )
    parser.add_argument(
        "env", help="gymnasium id, e.g. Pendulum-v1 or symworld/Switches-v0"
    )
    amount = parser.add_mutually_exclusive_group(required=True)
    amount.add_argument("--steps", type=int, help="number of transitions")
    amount.add_argument("--episodes", type=int, help="number of complete episodes")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    parser.add_argument(
        "--out", required=True, help="output file (.csv, .npz, .parquet)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    trajectory = collect(
        args.env, steps=args.steps, episodes=args.episodes, seed=args.seed
    )
    path = write_trajectory(trajectory, args.out)
    summary = {
        "env": args.env,
        "out": str(path),
        "episodes": trajectory.num_episodes,
        "transitions": trajectory.num_transitions,
        "state": list(trajectory.state),
        "action": list(trajectory.action),
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"wrote {summary['transitions']} transitions in {summary['episodes']} "
            f"episodes of {args.env} to {path}"
        )
    return 0
