"""The strategy-ranking experiment on Crafter-OO (OneLife's claim, made real).

For each goal, every candidate strategy of
:data:`symworld.planning.crafter.strategies.STRATEGIES` is imagined in a model and
executed in the true game from the same fresh worlds; the script prints the success
rates and Kendall's tau between simulated and true success, beside the true dynamics
as the model and a random policy.

Run: ``python examples/strategy_ranking.py [--model MODEL_DIR|true] [--starts 2]
[--rollouts 16] [--episodes 8] [--seed 0] [--json OUT] [--raw-occupancy]``
"""

from __future__ import annotations

import argparse
import json
import logging
import time

import jax

from symworld.envs.crafter_oo import CrafterOO, rules
from symworld.planning.crafter.options import CrafterOptions
from symworld.planning.crafter.strategies import STRATEGIES, STRATEGY_OPTIONS
from symworld.planning.crafter.tasks import crafter_task
from symworld.planning.models import load_planning_model
from symworld.planning.ranking import rank_strategies
from symworld.worldmodel import EnvModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="true")
    parser.add_argument("--starts", type=int, default=2)
    parser.add_argument("--rollouts", type=int, default=16)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    parser.add_argument(
        "--raw-occupancy",
        action="store_true",
        help="imagine with the law model's own occupant map (not derived from the "
        "positions; see symworld.planning.crafter.occupancy)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    env = CrafterOO()
    truth = EnvModel(env)
    model = (
        truth
        if args.model == "true"
        else load_planning_model(args.model, derive_occupancy=not args.raw_occupancy)
    )
    starts = [
        jax.jit(env.reset)(jax.random.fold_in(jax.random.key(args.seed + 1000), i))
        for i in range(args.starts)
    ]
    library = CrafterOptions(STRATEGY_OPTIONS, max_steps=30)
    start = time.perf_counter()
    report = rank_strategies(
        model,
        env,
        library,
        crafter_task,
        STRATEGIES,
        starts,
        num_rollouts=args.rollouts,
        episodes=args.episodes,
        seed=args.seed,
        reference=truth,
        num_actions=rules.NUM_ACTIONS,
    )
    seconds = time.perf_counter() - start

    print(
        f"model: {args.model}; {args.starts} fresh worlds; {args.rollouts} "
        f"imagined rollouts and {args.episodes} true episodes per start; "
        f"{seconds:.0f} s"
    )
    print(
        f"{'goal':<20} {'strategy':<28} {'model':>6} {'true model':>10} "
        f"{'true env':>8} {'random':>7}"
    )
    for score in report.scores:
        print(
            f"{score.goal:<20} {score.name:<28} {score.simulated:>6.2f} "
            f"{score.reference:>10.2f} {score.true:>8.2f} "
            f"{report.random.get(score.goal, float('nan')):>7.2f}"
        )
    print(
        f"Kendall tau (pooled): model {report.tau:.3f}, "
        f"true model {report.reference_tau:.3f}"
    )
    print(
        f"Kendall tau (mean per goal): model {report.mean_tau:.3f}, "
        f"true model {report.reference_mean_tau:.3f}"
    )
    print("per goal:", {g: round(t, 3) for g, t in report.tau_per_goal.items()})
    print("best strategy agrees:", report.best_agrees)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report._asdict(), handle, indent=1, default=lambda o: o._asdict())


if __name__ == "__main__":
    main()
