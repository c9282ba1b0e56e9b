"""Pendulum-v1 swing-up planned with MPPI in three models, scored in gymnasium.

1. the true dynamics (gymnasium's equations restated in JAX),
2. the EquationModel extracted from 2,000 random-policy transitions,
3. no model: a uniform random policy.

Run: ``python examples/planning_pendulum.py [--episodes 10] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import time

import gymnasium
import numpy as np

from symworld.planning.pendulum import (
    ACTIONS,
    PendulumDynamics,
    SwingUp,
    learn_equations,
    state_from_observation,
    swing_up_returns,
)
from symworld.planning.receding import RandomAgent, run_gym_episode
from symworld.worldmodel import EnvModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", default="sparse")
    args = parser.parse_args()

    start = time.perf_counter()
    extraction = learn_equations(2000, seed=args.seed, engine=args.engine)
    print(f"extracted in {time.perf_counter() - start:.1f} s ({args.engine}):")
    for line in extraction.model.describe():
        print("   ", line)

    rows = []
    for name, model in (
        ("true dynamics", EnvModel(PendulumDynamics())),
        ("learned equations", extraction.model),
    ):
        start = time.perf_counter()
        returns = swing_up_returns(model, episodes=args.episodes, seed=args.seed)
        rows.append((name, returns, time.perf_counter() - start))
    env = gymnasium.make("Pendulum-v1")
    agent = RandomAgent(ACTIONS, seed=args.seed)
    start = time.perf_counter()
    returns = [
        run_gym_episode(
            env, agent, SwingUp(), seed=args.seed + i, to_state=state_from_observation
        ).total_reward
        for i in range(args.episodes)
    ]
    rows.append(("random policy", returns, time.perf_counter() - start))

    print(f"{'model':<20} {'mean return':>12} {'min':>9} {'max':>9} {'seconds':>8}")
    for name, returns, seconds in rows:
        print(
            f"{name:<20} {np.mean(returns):>12.1f} {np.min(returns):>9.1f} "
            f"{np.max(returns):>9.1f} {seconds:>8.1f}"
        )


if __name__ == "__main__":
    main()
