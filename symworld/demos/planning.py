"""Demo section: swing Pendulum-v1 up with MPPI in equations learned from data."""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from symworld.planning.mppi import MPPI
from symworld.planning.pendulum import (
    ACTIONS,
    SwingUp,
    learn_equations,
    state_from_observation,
    swing_up_returns,
)
from symworld.planning.receding import RandomAgent, run_gym_episode


def run(seed: int) -> dict[str, Any]:
    """Extract the pendulum's equations from 600 random steps, plan one episode with
    MPPI in them, and score it in gymnasium's env beside a random policy."""
    extraction = learn_equations(600, seed=seed, engine="sparse")
    planner = MPPI(
        ACTIONS, horizon=20, num_sequences=128, temperature=1.0, noise_std=0.3
    )
    planned = swing_up_returns(extraction.model, episodes=1, seed=seed, planner=planner)
    env = gymnasium.make("Pendulum-v1")
    random = run_gym_episode(
        env,
        RandomAgent(ACTIONS, seed=seed),
        SwingUp(),
        seed=seed,
        to_state=state_from_observation,
    ).total_reward
    equations = extraction.model.describe()
    lines = ["Pendulum-v1 equations from 600 random-policy transitions (sparse):"]
    lines += [f"  {line}" for line in equations]
    lines.append(
        f"MPPI in these equations, scored in gymnasium: return {planned[0]:.1f} "
        f"(random policy {random:.1f}; -200 or more is a swing-up)"
    )
    return {
        "equations": equations,
        "planned_return": float(planned[0]),
        "random_return": float(random),
        "swung_up": bool(np.asarray(planned[0]) >= -200.0),
        "lines": lines,
    }
