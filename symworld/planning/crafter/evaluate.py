"""Plan for Crafter-OO goals with any world model and score the plans in the game.

:func:`option_agent` builds the option-level model-predictive agent: at each
decision it imagines every option of :data:`PLANNING_OPTIONS` ``num_particles``
times for ``horizon`` steps in the model, runs the best one in the real game until
it finishes, and decides again. :func:`evaluate_goal` runs that agent and a uniform
random policy from the same starts (fresh worlds from seeded keys, or given
states) and reports success within ``max_steps`` steps.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

from symworld.envs.crafter_oo import CrafterOO, rules
from symworld.planning.crafter.options import CrafterOptions
from symworld.planning.crafter.tasks import crafter_task
from symworld.planning.options import OptionSearch, all_programs
from symworld.planning.receding import OptionAgent, RandomAgent, run_functional_episode
from symworld.planning.spaces import DiscreteActions
from symworld.progress import progress
from symworld.worldmodel import WorldModel

logger = logging.getLogger(__name__)

# The options the planner chooses among, for every goal (one compiled search).
PLANNING_OPTIONS = (
    "collect_wood",
    "collect_drink",
    "collect_stone",
    "eat_cow",
    "attack_zombie",
    "place_table",
    "make_wood_pickaxe",
    "make_wood_sword",
    "make_stone_pickaxe",
    "wait",
)
OPTION_STEPS = 30  # the longest one option runs, in the model and in the game


def option_agent(
    model: WorldModel,
    goal: str,
    *,
    seed: int = 0,
    num_particles: int = 4,
    horizon: int = OPTION_STEPS,
) -> OptionAgent:
    """The option-level MPC agent for ``goal`` planning in ``model``."""
    library = CrafterOptions(PLANNING_OPTIONS, max_steps=OPTION_STEPS)
    search = OptionSearch(
        all_programs(library.num_options, 1), horizon, num_particles=num_particles
    )
    return OptionAgent(search, model, library, crafter_task(goal), seed=seed)


class GoalReport(NamedTuple):
    """Success of the planner and of a random policy on one goal.

    ``success_rate`` and ``random_success_rate`` are fractions of ``episodes``;
    ``mean_steps`` is the mean number of steps to success over the successful
    episodes (``None`` if none); ``steps`` holds each planner episode's steps to
    success (``None`` for failures).
    """

    goal: str
    episodes: int
    success_rate: float
    mean_steps: float | None
    random_success_rate: float
    random_mean_steps: float | None
    steps: list


def scenario_starts(goal: str, seed: int = 0) -> list[Any]:
    """The start states of the scenario suite's success variant for ``goal``.

    The suite (:mod:`symworld.evaluation.crafter_scenarios`) builds blank grass
    worlds with the thing under test in front of the player; its *success*
    variants are the starts from which the goal can be reached (the failure
    variants remove the only tree, water or ingredient on the map).
    """
    from symworld.evaluation.crafter_scenarios import scenarios

    starts = [
        scenario.setup(jax.random.key(seed))
        for scenario in scenarios()
        if scenario.mechanic == goal and scenario.variant == "success"
    ]
    if not starts:
        raise ValueError(f"the scenario suite has no success scenario for {goal!r}")
    return starts


def _mean_steps(episodes) -> float | None:
    steps = [e.success_step for e in episodes if e.success]
    return float(np.mean(steps)) if steps else None


def evaluate_goal(
    model: WorldModel,
    goal: str,
    *,
    episodes: int = 10,
    seed: int = 0,
    max_steps: int = 200,
    starts: Sequence[Any] | None = None,
    env: CrafterOO | None = None,
    num_particles: int = 4,
    show_progress: bool = False,
) -> GoalReport:
    """Plan for ``goal`` in ``model`` and act in the true game, ``episodes`` times.

    Episode ``i`` starts from ``starts[i % len(starts)]`` or, without ``starts``,
    from the fresh world ``env.reset(fold_in(key(seed), i))``; the game's own
    randomness uses the same per-episode key for the planner and the random policy.
    """
    env = CrafterOO() if env is None else env
    task = crafter_task(goal)
    planned, random = [], []
    for index in (
        progress(range(episodes), total=episodes, desc=goal)
        if (show_progress)
        else range(episodes)
    ):
        key = jax.random.fold_in(jax.random.key(seed), index)
        start = None if starts is None else starts[index % len(starts)]
        agent = option_agent(
            model, goal, seed=seed + index, num_particles=num_particles
        )
        planned.append(
            run_functional_episode(
                env, agent, task, key=key, max_steps=max_steps, state=start
            )
        )
        logger.info(
            "%s episode %d: success %s at %s (options %s)",
            goal,
            index,
            planned[-1].success,
            planned[-1].success_step,
            agent.chosen,
        )
        baseline = RandomAgent(DiscreteActions(rules.NUM_ACTIONS), seed=seed + index)
        random.append(
            run_functional_episode(
                env, baseline, task, key=key, max_steps=max_steps, state=start
            )
        )
    return GoalReport(
        goal=goal,
        episodes=episodes,
        success_rate=float(np.mean([e.success for e in planned])),
        mean_steps=_mean_steps(planned),
        random_success_rate=float(np.mean([e.success for e in random])),
        random_mean_steps=_mean_steps(random),
        steps=[e.success_step for e in planned],
    )
