"""``symworld fit laws``: fit a law library to transitions and save the model.

::

    symworld fit laws --env symworld/Switches-v0 --laws switches --steps 2000 \
        --seed 0 --out runs/switches
    symworld fit laws --env symworld/Switches-v0 --laws my_laws.py \
        --trust-law-file my_laws.py --data rollouts.parquet --out runs/mine

``fit`` has one sub-command per model family; this module registers ``laws``.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import jax

from symworld.commands.arguments import (
    add_drop_nonfinite,
    add_force,
    add_seed,
    positive_float,
    positive_int,
    refuse_overwrite,
)
from symworld.commands.out_paths import check_out_folder, remove_outputs
from symworld.commands.output import is_quiet, print_json, print_written

logger = logging.getLogger(__name__)

# what fit laws writes into --out, and what evaluate derives from it there
MODEL_FILES = ("model.json", "evaluation.json", "evaluation.csv")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fit",
        help="fit a world model to transitions",
        description="Fit a world model; choose the model family as a sub-command.",
    )
    families = parser.add_subparsers(dest="family", metavar="FAMILY", required=True)
    laws = families.add_parser(
        "laws",
        help="fit a law library (weights, law probabilities, persistence)",
        description="Fit a law library's weights, learnable probabilities and "
        "persistence defaults by MAP (default), SVI or NUTS, and write "
        "DIR/model.json.",
    )
    laws.add_argument(
        "--env", required=True, help="gymnasium id, e.g. symworld/Switches-v0"
    )
    laws.add_argument(
        "--laws",
        default=None,
        help="law library: a module under symworld.laws (e.g. switches) or a .py "
        "file (needs --trust-law-file); default: the env's library",
    )
    laws.add_argument(
        "--trust-law-file",
        action="append",
        default=[],
        metavar="PATH",
        help="allow importing this law file, or a law module outside "
        "symworld.laws (it is Python code); repeatable",
    )
    source = laws.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--steps", type=positive_int, help="collect this many random-policy steps"
    )
    source.add_argument("--data", help="trajectory file (.csv, .npz, .parquet)")
    add_drop_nonfinite(laws)
    add_seed(laws)
    laws.add_argument("--out", required=True, help="output directory")
    add_force(laws, MODEL_FILES)
    laws.add_argument(
        "--method", choices=["map", "svi", "nuts"], default="map", help="inference"
    )
    laws.add_argument(
        "--iterations",
        type=positive_int,
        default=1000,
        help="optimiser steps (MAP/SVI), at least 1; NUTS does not use it (nor "
        "does its model.json record it)",
    )
    laws.add_argument(
        "--learning-rate",
        type=positive_float,
        default=0.05,
        help="Adam step size (MAP/SVI), > 0; NUTS does not use it",
    )
    laws.add_argument("--json", action="store_true", help="print a JSON summary")
    laws.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from symworld.programs import LawModel
    from symworld.programs.data import random_transitions, transitions_from_file
    from symworld.programs.environments import law_environment
    from symworld.programs.source import library_reference, load_library, save_model

    check_out_folder(args.out)
    refuse_overwrite([Path(args.out) / "model.json"], args.force)
    environment = law_environment(args.env)
    env = environment.env()
    schema = environment.schema(env)
    reference = library_reference(args.laws or environment.laws)
    laws = load_library(reference, args.trust_law_file, env_id=args.env)

    start = time.perf_counter()
    if args.data is not None:
        batch = transitions_from_file(
            args.data, schema, drop_nonfinite=args.drop_nonfinite
        )
    else:
        batch = random_transitions(env, args.steps, args.seed)
    count = int(batch.actions.shape[0])
    # fit runs build's law checks on the batch itself, so no examples here (the
    # laws would be checked twice on the same transitions)
    model = LawModel.build(laws, schema)
    fitted, result = model.fit(
        batch.states,
        batch.actions,
        batch.next_states,
        key=jax.random.key(args.seed),
        method=args.method,
        steps=args.iterations,
        learning_rate=args.learning_rate,
    )
    seconds = time.perf_counter() - start
    info = {
        "method": args.method,
        "transitions": count,
        "source": args.data or f"random policy, {args.steps} steps",
        "seed": args.seed,
        # NUTS samples without an optimiser: record only what the method used
        **(
            {}
            if args.method == "nuts"
            else {"iterations": args.iterations, "learning_rate": args.learning_rate}
        ),
        "final_loss": float(result.losses[-1]) if result.losses.size else None,
        "law_support": {
            law.name: int(count)
            for law, count in zip(fitted.laws, result.law_support, strict=True)
        },
    }
    # model.json holds no timings, so the same command and seed write the same file
    path = save_model(fitted, args.out, reference, info)
    if args.force:
        remove_outputs(args.out, MODEL_FILES, keep=[path])
    logger.info("fitted %d laws in %.2f s", len(laws), seconds)
    summary = {
        "out": str(path),
        "env": args.env,
        **info,
        "seconds": round(seconds, 2),
        "weights": fitted.weight_table(),
        "parameters": fitted.parameter_table(),
    }
    if args.json:
        print_json(summary)
    elif not is_quiet(args):
        print(f"fitted {len(laws)} laws on {count} transitions in {seconds:.1f} s")
        width = max(len(name) for name in summary["weights"])
        support = summary["law_support"]
        for name, weight in summary["weights"].items():
            print(
                f"  {name:<{width}}  weight {weight:8.3f}  "
                f"active on {support[name]} transitions"
            )
        for name, value in summary["parameters"].items():
            print(f"  {name}: {value}")
        print_written(args, f"wrote {path}")
    return 0
