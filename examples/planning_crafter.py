"""Option-level MPC on the Crafter-OO goals, scored in the true game.

For each goal: ``--episodes`` fresh worlds (``--starts fresh``), episodes from the
scenario suite's success starts (``--starts scenario``) or both; the planner
imagines every option in the model (``--model true`` for the true dynamics, or a
fitted law-model directory) and runs the best one; success = the goal's
achievement within ``--max-steps`` steps. A uniform random policy runs from the
same starts.

Run: ``python examples/planning_crafter.py [--model true] [--episodes 10]
[--goals collect_wood,...] [--seed 0] [--starts fresh|scenario|both]``
"""

from __future__ import annotations

import argparse
import logging
import time

from symworld.envs.crafter_oo import CrafterOO
from symworld.planning.crafter.evaluate import evaluate_goal, scenario_starts
from symworld.planning.crafter.tasks import GOALS
from symworld.planning.models import load_planning_model

FIRST_FOUR = "collect_wood,collect_drink,place_table,make_wood_pickaxe"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="true")
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--goals", default=FIRST_FOUR, help="comma-separated, or all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=200)
    parser.add_argument(
        "--starts",
        choices=["fresh", "scenario", "both"],
        default="fresh",
        help="fresh worlds, the scenario suite's success starts, or both",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    goals = list(GOALS) if args.goals == "all" else args.goals.split(",")

    env = CrafterOO()
    model = load_planning_model(args.model)
    kinds = ["scenario", "fresh"] if args.starts == "both" else [args.starts]
    rows = []
    for kind in kinds:
        for goal in goals:
            start = time.perf_counter()
            report = evaluate_goal(
                model,
                goal,
                episodes=args.episodes,
                seed=args.seed,
                max_steps=args.max_steps,
                env=env,
                starts=scenario_starts(goal, args.seed) if kind == "scenario" else None,
            )
            rows.append((kind, report, time.perf_counter() - start))
            print(kind, report, flush=True)

    print(
        f"model: {args.model}; {args.episodes} episodes per goal and start kind; "
        f"success within {args.max_steps} steps"
    )
    print(
        f"{'starts':<9} {'goal':<20} {'success':>8} {'mean steps':>11} "
        f"{'random':>7} {'seconds':>8}"
    )
    for kind, report, seconds in rows:
        steps = "-" if report.mean_steps is None else f"{report.mean_steps:.1f}"
        print(
            f"{kind:<9} {report.goal:<20} {report.success_rate:>8.2f} {steps:>11} "
            f"{report.random_success_rate:>7.2f} {seconds:>8.0f}"
        )


if __name__ == "__main__":
    main()
