"""``symworld induce``: learn a law library from one life of exploration.

::

    symworld induce --env symworld/Switches-v0 --steps 500 --seed 0 --out laws.py
    symworld induce --env symworld/CrafterOO-v0 --data life.parquet --out laws.py

Writes the law module ``FILE.py`` and its fitted weights ``FILE_model/model.json``
(``--weights DIR`` to choose). Then::

    symworld fit laws --env ENV --laws FILE.py --trust-law-file FILE.py \
        --steps N --out DIR
    symworld evaluate FILE_model --trust-law-file FILE.py
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from symworld.commands.arguments import (
    add_drop_nonfinite,
    add_force,
    add_seed,
    positive_int,
    refuse_csv_state,
    refuse_overwrite,
)
from symworld.commands.fit import MODEL_FILES
from symworld.commands.out_paths import (
    check_out_file,
    check_out_folder,
    remove_outputs,
)
from symworld.commands.output import format_table, is_quiet, print_json, print_written


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "induce",
        help="induce a law library from exploration (program search, no LLM)",
        description="Explore one life with a novelty-seeking policy (or read a "
        "trajectory file), search a typed grammar for laws that explain the "
        "observed changes, keep those that pay for themselves, and write a "
        "readable law module plus fitted weights.",
    )
    parser.add_argument(
        "--env", required=True, help="gymnasium id, e.g. symworld/Switches-v0"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--steps",
        type=positive_int,
        default=None,
        help="explore one life of this many steps (default 2000)",
    )
    source.add_argument("--data", help="trajectory file (.csv, .npz, .parquet)")
    add_drop_nonfinite(parser)
    add_seed(parser)
    parser.add_argument("--out", required=True, help="law module to write (FILE.py)")
    add_force(parser, MODEL_FILES)
    parser.add_argument(
        "--weights",
        default=None,
        help="directory for the fitted weights (default FILE_model)",
    )
    parser.add_argument(
        "--save-trajectory",
        default=None,
        metavar="PATH",
        help="also write the explored life as a trajectory file",
    )
    parser.add_argument(
        "--min-support",
        type=positive_int,
        default=3,
        help="changes a law must explain, at least 1 (default 3)",
    )
    parser.add_argument(
        "--min-precision",
        type=float,
        default=0.95,
        help="precision of a deterministic law, in (0, 1] (default 0.95)",
    )
    parser.add_argument(
        "--iterations",
        type=positive_int,
        default=500,
        help="optimiser steps of the law-model fit (default 500)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from symworld.atomic import atomic_open
    from symworld.induction import InductionSettings, SearchSettings, explore, induce
    from symworld.programs.data import transitions_from_file
    from symworld.programs.environments import law_environment
    from symworld.programs.source import library_reference, save_model

    out = Path(args.out)
    if out.suffix != ".py":
        raise ValueError(f"--out must name a .py law module, got {out}")
    steps = 2000 if args.steps is None and args.data is None else args.steps
    if not 0.0 < args.min_precision <= 1.0:
        raise ValueError(f"--min-precision must be in (0, 1], got {args.min_precision}")
    weights_dir = (
        Path(args.weights) if args.weights else out.with_name(out.stem + "_model")
    )
    weights_flag = "--weights" if args.weights else "--out"
    check_out_file(out)
    check_out_folder(weights_dir, weights_flag)
    refuse_overwrite([out], args.force)
    refuse_overwrite([weights_dir / "model.json"], args.force, weights_flag)
    if args.save_trajectory and args.data is not None:
        raise ValueError(
            "--save-trajectory keeps an explored life; with --data nothing is "
            "explored (the file given is the trajectory)"
        )
    if args.save_trajectory:
        check_out_file(args.save_trajectory, "--save-trajectory")
        refuse_overwrite([args.save_trajectory], args.force, "--save-trajectory")
        refuse_csv_state(args.env, args.save_trajectory, "--save-trajectory")
    environment = law_environment(args.env)
    env = environment.env()
    schema = environment.schema(env)
    start = time.perf_counter()
    if args.data is not None:
        batch = transitions_from_file(
            args.data, schema, drop_nonfinite=args.drop_nonfinite
        )
        states, actions, next_states = batch.states, batch.actions, batch.next_states
        origin = f"the trajectory file {Path(args.data).name}"
        died = None
    else:
        life = explore(env, schema, steps=steps, seed=args.seed)
        states, actions, next_states = life.states, life.actions, life.next_states
        origin = (
            f"one life of {life.num_transitions} exploration steps (seed {args.seed})"
        )
        died = life.died
    settings = InductionSettings(
        search=SearchSettings(
            min_support=args.min_support, min_precision=args.min_precision
        ),
        fit_steps=args.iterations,
    )
    result = induce(
        schema,
        states,
        actions,
        next_states,
        num_actions=int(env.num_actions),
        seed=args.seed,
        settings=settings,
        source=origin,
    )
    if args.save_trajectory:  # written with the other outputs, once induction worked
        from symworld.trajectory_io import write_trajectory

        write_trajectory(life.to_trajectory(), args.save_trajectory)
    with atomic_open(out) as stream:
        stream.write(result.module)
    seconds = time.perf_counter() - start
    info = {
        "method": "map",
        "transitions": int(len(actions)),
        "source": origin,
        "seed": args.seed,
        "iterations": args.iterations,
        "induced_by": "symworld induce",
        "penalised_log_likelihood": round(result.fitted.score, 3),
    }
    path = save_model(
        result.fitted.model, weights_dir, library_reference(str(out)), info
    )
    if args.force:
        remove_outputs(weights_dir, MODEL_FILES, keep=[path])
    summary = {
        "out": str(out),
        "weights": str(path),
        "env": args.env,
        "transitions": int(len(actions)),
        "died": died,
        "features": result.num_features,
        "candidates": result.num_candidates,
        "seconds": round(seconds, 2),
        "penalised_log_likelihood": result.fitted.score,
        "laws": [law._asdict() for law in result.laws],
        "parameters": result.fitted.model.parameter_table(),
    }
    if args.json:
        print_json(summary)
    elif not is_quiet(args):
        print(
            f"induced {len(result.laws)} laws from {len(actions)} transitions "
            f"in {seconds:.1f} s"
        )
        rows = [
            (
                law.name,
                law.matched,
                law.explained,
                f"{law.gain:.1f}",
                "" if law.weight is None else f"{law.weight:.3f}",
            )
            for law in result.laws
        ]
        print(
            format_table(("law", "matched", "explained", "gain (nats)", "weight"), rows)
        )
        print_written(args, f"wrote {out} and {path}")
    return 0
