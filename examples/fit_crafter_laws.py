"""Fit the hand-written Crafter-OO law library on data the planner can learn from.

Records ``--random-steps`` random-policy transitions plus every strategy program of
:mod:`symworld.planning.crafter.strategies` run in the true game from
``--worlds`` fresh worlds (so that placing a table and making tools occur in the
data), writes them to ``OUT/transitions.npz`` (a trajectory file) and fits the
full library with ``symworld fit laws --data OUT/transitions.npz --out OUT``.
Everything follows from ``--seed``; the model directory is the repo's own format
(``model.json``, no pickle). Run::

    python examples/fit_crafter_laws.py --out runs/crafter-laws \
        --random-steps 5000 --worlds 4 --seed 0 --iterations 500

then plan with it: ``python examples/planning_crafter.py --model runs/crafter-laws``.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from symworld.cli import main as symworld
from symworld.envs.crafter_oo import CrafterOO
from symworld.planning.crafter.data import random_and_program_trajectory
from symworld.planning.crafter.evaluate import OPTION_STEPS
from symworld.planning.crafter.options import CrafterOptions
from symworld.planning.crafter.strategies import STRATEGIES, STRATEGY_OPTIONS
from symworld.programs.source import load_model
from symworld.trajectory_io import write_trajectory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="model directory to write")
    parser.add_argument("--random-steps", type=int, default=5000)
    parser.add_argument("--worlds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=500)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    trajectory = random_and_program_trajectory(
        CrafterOO(),
        CrafterOptions(STRATEGY_OPTIONS, max_steps=OPTION_STEPS),
        STRATEGIES,
        random_steps=args.random_steps,
        num_worlds=args.worlds,
        seed=args.seed,
    )
    data = write_trajectory(trajectory, out / "transitions.npz")
    print(
        f"recorded {len(trajectory.transitions().episode)} transitions in "
        f"{time.perf_counter() - start:.0f} s -> {data}",
        flush=True,
    )
    symworld(
        [
            "fit",
            "laws",
            "--env",
            "symworld/CrafterOO-v0",
            "--laws",
            "crafter_oo",
            "--data",
            str(data),
            "--seed",
            str(args.seed),
            "--iterations",
            str(args.iterations),
            "--out",
            str(out),
            "--force",  # a rerun replaces the model written before
        ]
    )
    # The MAP fit sets each persistence default to its closed-form mode
    # (symworld.programs.fitting.persistence_mode).
    model = load_model(out)
    for name, value in model.persistence_table().items():
        print(f"  persistence {name:<22} {value:.7f}")


if __name__ == "__main__":
    main()
