"""``symworld evaluate DIR``: score a fitted model on a scenario suite.

::

    symworld evaluate runs/switches --scenarios switches --trials 5 [--json]

Prints a table (or, with ``--json``, ``{"mean", "std", "scenarios",
"baselines"}``) and writes ``DIR/evaluation.json`` and ``DIR/evaluation.csv``.
``DIR`` must be writable and ``--truth original`` needs its game installed: both
are checked before anything is computed. Should the write fail all the same, the
results are printed first.
"""

from __future__ import annotations

import argparse

from symworld.cli import CommandError
from symworld.commands.arguments import add_seed, positive_int
from symworld.commands.out_paths import check_out_folder
from symworld.commands.output import is_quiet, print_json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="evaluate a fitted law model on a scenario suite",
        description="Rank true next states among distractors and compare sampled "
        "next states with the truth, scenario by scenario, beside the null and "
        "random reference models.",
    )
    parser.add_argument("directory", help="directory holding model.json")
    parser.add_argument(
        "--scenarios", default=None, help="scenario suite (default: the env's suite)"
    )
    parser.add_argument(
        "--trials", type=positive_int, default=5, help="seeded trials (5)"
    )
    add_seed(parser)
    parser.add_argument(
        "--trust-law-file",
        action="append",
        default=[],
        metavar="PATH",
        help="allow importing the model's law file, or its law module outside "
        "symworld.laws (it is Python code)",
    )
    parser.add_argument(
        "--with-true", action="store_true", help="also score the true dynamics"
    )
    parser.add_argument(
        "--truth",
        choices=("env", "original"),
        default="env",
        help="where the true next states come from: the environment (env) or the "
        "original game it re-implements (original; Crafter-OO: crafter 1.8.3, "
        "needs pip install crafter==1.8.3)",
    )
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="also rank a second draw of each model as the truth (self_accuracy, "
        "self_mrr: what the model would score in a world that is the model)",
    )
    parser.add_argument(
        "--discrimination",
        action="store_true",
        help="also rank the truth among the distractors only, without the model's "
        "own sample (discrimination_accuracy, discrimination_mrr)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from symworld.evaluation.baselines import NullModel, RandomModel
    from symworld.evaluation.protocol import evaluate_models
    from symworld.evaluation.report import format_table, write_report
    from symworld.evaluation.scenarios import check_suite_environment, load_suite
    from symworld.programs.source import load_model, model_environment
    from symworld.worldmodel import EnvModel

    environment = model_environment(args.directory)
    check_out_folder(args.directory, "model folder")
    truth = None
    if args.truth == "original":
        try:
            truth = environment.original_game()
        except ImportError as error:
            raise CommandError(str(error)) from error
    suite_name = args.scenarios or environment.scenarios
    check_suite_environment(suite_name, environment.env_id)
    suite = load_suite(suite_name)
    env = environment.env()
    schema = environment.schema(env)
    model = load_model(args.directory, trusted=args.trust_law_file, schema=schema)
    if truth is None:
        truth = env
    models = {
        "laws": model,
        "null": NullModel(schema),
        "random": RandomModel(schema),
    }
    if args.with_true:
        models["true"] = EnvModel(env, schema=schema)
    report = evaluate_models(
        models,
        truth,
        schema,
        suite,
        trials=args.trials,
        seed=args.seed,
        mutators=environment_mutators(environment.env_id),
        primary="laws",
        suite=suite_name,
        self_check=args.self_check,
        discrimination=args.discrimination,
        truth_source=args.truth,
    )
    if args.json:
        print_json(report.to_json())
    elif not is_quiet(args):
        print(format_table(report))
    try:
        write_report(report, args.directory)
    except OSError as error:
        raise CommandError(
            f"{args.directory}: could not write evaluation.json/.csv: {error}"
        ) from None
    return 0


def environment_mutators(env_id: str):
    """The distractor set of an environment (``None``: the default set)."""
    from symworld.evaluation.scenarios import mutators_for

    return mutators_for(env_id)
