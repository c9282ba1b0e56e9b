"""``symworld demo``: run every capability on built-in defaults and print one report."""

from __future__ import annotations

import argparse

from symworld.commands.arguments import add_seed
from symworld.commands.output import print_json
from symworld.demo import run_demo


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run every capability on built-in defaults and print a report",
        description="Collect rollouts, fit and evaluate world models, extract "
        "equations, encode dynamics and plan, each on small built-in defaults.",
    )
    add_seed(parser)
    parser.add_argument(
        "--only",
        nargs="*",
        metavar="WORD",
        help="run only sections whose title has WORD",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = run_demo(seed=args.seed, only=args.only)
    if args.json:
        print_json(report)
        return 0
    print("symworld demo")
    for title, summary in report.items():
        print(f"\n== {title} ({summary['seconds']:.1f} s)")
        for line in summary.get("lines", []):
            print(f"   {line}")
    return 0
