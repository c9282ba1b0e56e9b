"""Demo section: a short Crafter-OO rollout, summarised."""

from __future__ import annotations

import logging
from typing import Any

import jax
import numpy as np

logger = logging.getLogger(__name__)

STEPS = 200


def run(seed: int = 0) -> dict[str, Any]:
    """Generate a world, play ``STEPS`` random actions, report what happened."""
    from symworld.envs.crafter_oo import CrafterOO, rules
    from symworld.envs.crafter_oo.render import render_text
    from symworld.envs.crafter_oo.views import Cow, Skeleton, World, Zombie

    env = CrafterOO()
    step = jax.jit(env.step)
    key = jax.random.key(seed)
    key, reset_key = jax.random.split(key)
    state = jax.jit(env.reset)(reset_key)
    start = World(state)
    counts = start.material_counts()
    creatures = {c.__name__.lower(): start.count(c) for c in (Cow, Zombie, Skeleton)}

    rng = np.random.default_rng(seed)
    total_reward, ended = 0.0, "still playing"
    steps = 0
    while steps < STEPS:
        steps += 1
        key, step_key = jax.random.split(key)
        state, info = step(state, int(rng.integers(0, rules.NUM_ACTIONS)), step_key)
        total_reward += float(info["reward"])
        if bool(info["terminated"]):
            ended = "died"
            break
    end = World(state)
    unlocked = sorted(n for n, c in end.player.achievements.items() if c > 0)
    alive = {c.__name__.lower(): end.count(c) for c in (Cow, Zombie, Skeleton)}
    lines = [
        "world: "
        + ", ".join(
            f"{name} {counts[name]}" for name in ("grass", "water", "stone", "tree")
        )
        + f"; creatures at start {creatures}",
        f"{steps} random steps ({ended}): return {total_reward:.1f}, "
        f"health {end.player.health}, achievements {unlocked or 'none'}",
        f"objects alive at the end {alive}, overflow {int(state.overflow)}",
        "local view at the end:",
        *render_text(jax.device_get(state)).splitlines(),
    ]
    return {
        "steps": steps,
        "return": total_reward,
        "achievements": unlocked,
        "creatures_start": creatures,
        "creatures_end": alive,
        "lines": lines,
    }
