"""Strategy ranking: do rollouts in a model pick the strategies that work?

A *strategy* is a fixed option program for a goal (for example: fight the zombie
bare-handed, or first make a sword). For every goal, each candidate strategy is

1. imagined ``num_rollouts`` times in the model under test from the same start
   states, giving a *simulated* success rate (success within the goal's step
   budget), and
2. executed ``episodes`` times in the true environment from the same starts (the
   real game loop, with its own randomness), giving the *true* success rate.

The rank agreement between the simulated and the true success rates is Kendall's
tau-b (``scipy.stats.kendalltau``), per goal and pooled over all (goal, strategy)
pairs. Reference columns come from the same run: the true dynamics used as the
model (the agreement a perfect model reaches under sampling noise) and a uniform
random policy's true success rate per goal.

Every strategy of every goal is imagined in one compiled call per start (programs
padded with ``-1`` to a common length, tasks stacked); the simulated horizon is the
largest budget and each rollout's success counts only if it came within its own
goal's budget.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from scipy import stats

from symworld.planning.options import OptionLibrary, run_program
from symworld.planning.receding import ProgramAgent, RandomAgent, run_functional_episode
from symworld.planning.spaces import DiscreteActions
from symworld.planning.task import Task
from symworld.worldmodel import WorldModel

logger = logging.getLogger(__name__)
PyTree = Any


class Strategy(NamedTuple):
    """A candidate way to reach ``goal``: the option names of ``program``, run in
    order within ``budget`` primitive steps."""

    goal: str
    name: str
    program: tuple[str, ...]
    budget: int


class StrategyScore(NamedTuple):
    """Success rates of one strategy (fractions in [0, 1]; ``None`` if not run)."""

    goal: str
    name: str
    simulated: float
    reference: float | None
    true: float


class RankingReport(NamedTuple):
    """The strategy-ranking experiment.

    - ``scores``: one :class:`StrategyScore` per strategy.
    - ``tau``: pooled Kendall tau-b between simulated and true success (``nan``
      when either side is constant).
    - ``tau_per_goal``: ``{goal: tau}``.
    - ``mean_tau``: mean of the defined per-goal taus (``nan`` if none).
    - ``reference_tau``, ``reference_mean_tau``: the same for the reference model.
    - ``best_agrees``: ``{goal: bool}``, the strategy ranked first in simulation is
      (one of) the best in the true environment.
    - ``random``: ``{goal: float}``, a random policy's true success rate.
    """

    scores: list[StrategyScore]
    tau: float
    tau_per_goal: dict[str, float]
    mean_tau: float
    reference_tau: float | None
    reference_mean_tau: float | None
    best_agrees: dict[str, bool]
    random: dict[str, float]


def pad_programs(library: OptionLibrary, programs: Sequence[Sequence[str]]):
    """int32 ``(P, K)`` programs from option names, padded with ``-1``."""
    length = max(len(program) for program in programs)
    rows = [
        list(library.program(program)) + [-1] * (length - len(program))
        for program in programs
    ]
    return np.asarray(rows, np.int32)


@eqx.filter_jit
def _simulate(model, library, tasks, programs, budgets, state, key, horizon, count):

    def one(task, program, budget, key):
        def particle(key):
            outcome = run_program(model, library, task, key, state, program, horizon)
            return outcome.success & (outcome.steps <= budget)

        return jnp.mean(jax.vmap(particle)(jax.random.split(key, count)))

    keys = jax.random.split(key, programs.shape[0])
    return jax.vmap(one)(tasks, programs, budgets, keys)


def simulate_strategies(
    model: WorldModel,
    library: OptionLibrary,
    tasks: Sequence[Task],
    strategies: Sequence[Strategy],
    starts: Sequence[PyTree],
    *,
    num_rollouts: int,
    key: jax.Array,
) -> np.ndarray:
    """Simulated success rate of each strategy (float ``(S,)``), averaged over the
    starts; ``tasks[i]`` scores ``strategies[i]``."""
    programs = jnp.asarray(pad_programs(library, [s.program for s in strategies]))
    budgets = jnp.asarray([s.budget for s in strategies], jnp.int32)
    stacked = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *tasks)
    horizon = max(s.budget for s in strategies)
    rates = [
        np.asarray(
            _simulate(
                model,
                library,
                stacked,
                programs,
                budgets,
                start,
                jax.random.fold_in(key, index),
                horizon,
                num_rollouts,
            )
        )
        for index, start in enumerate(starts)
    ]
    return np.mean(rates, axis=0)


def execute_strategies(
    env,
    library: OptionLibrary,
    tasks: Sequence[Task],
    strategies: Sequence[Strategy],
    starts: Sequence[PyTree],
    *,
    episodes: int,
    key: jax.Array,
) -> np.ndarray:
    """True success rate of each strategy (float ``(S,)``): ``episodes`` runs of
    the program in the real game loop from each start, within its budget."""
    rates = []
    for index, (task, strategy) in enumerate(zip(tasks, strategies, strict=True)):
        program = library.program(strategy.program)
        successes = []
        for start_index, start in enumerate(starts):
            for episode in range(episodes):
                agent = ProgramAgent(library, program, seed=episode)
                run = run_functional_episode(
                    env,
                    agent,
                    task,
                    state=start,
                    max_steps=strategy.budget,
                    key=jax.random.fold_in(
                        key, (index * len(starts) + start_index) * episodes + episode
                    ),
                )
                successes.append(run.success)
        rates.append(float(np.mean(successes)))
        logger.info("true env: %s / %s: %.2f", strategy.goal, strategy.name, rates[-1])
    return np.asarray(rates)


def random_success(
    env,
    num_actions: int,
    task: Task,
    starts: Sequence[PyTree],
    *,
    budget: int,
    episodes: int,
    key: jax.Array,
) -> float:
    """A uniform random policy's success rate within ``budget`` steps."""
    successes = []
    for start_index, start in enumerate(starts):
        for episode in range(episodes):
            agent = RandomAgent(DiscreteActions(num_actions), seed=episode)
            run = run_functional_episode(
                env,
                agent,
                task,
                state=start,
                max_steps=budget,
                key=jax.random.fold_in(key, start_index * episodes + episode),
            )
            successes.append(run.success)
    return float(np.mean(successes))


def kendall_tau(simulated: Sequence[float], true: Sequence[float]) -> float:
    """Kendall's tau-b; ``nan`` when fewer than two items or a constant side."""
    simulated, true = np.asarray(simulated, float), np.asarray(true, float)
    if len(simulated) < 2 or np.ptp(simulated) == 0 or np.ptp(true) == 0:
        return math.nan
    return float(stats.kendalltau(simulated, true).statistic)


def _taus(goals, simulated, true):
    per_goal = {}
    for goal in dict.fromkeys(goals):
        rows = [i for i, g in enumerate(goals) if g == goal]
        per_goal[goal] = kendall_tau(simulated[rows], true[rows])
    defined = [t for t in per_goal.values() if not math.isnan(t)]
    mean = float(np.mean(defined)) if defined else math.nan
    return kendall_tau(simulated, true), per_goal, mean


def rank_strategies(
    model: WorldModel,
    env,
    library: OptionLibrary,
    make_task,
    strategies: Sequence[Strategy],
    starts: Sequence[PyTree],
    *,
    num_rollouts: int = 16,
    episodes: int = 8,
    seed: int = 0,
    reference: WorldModel | None = None,
    num_actions: int | None = None,
) -> RankingReport:
    """Run the experiment of the module docstring.

    ``make_task(goal) -> Task``, called once per goal; tasks of different goals
    must share one pytree structure (same class and static fields: they are
    stacked and imagined in one call); ``reference``: a second model (usually the true
    dynamics) ranked the same way; ``num_actions``: run the random baseline with
    that many discrete actions (``None``: skip it).
    """
    key = jax.random.key(seed)
    sim_key, ref_key, true_key, random_key = jax.random.split(key, 4)
    by_goal = {
        goal: make_task(goal) for goal in dict.fromkeys(s.goal for s in strategies)
    }
    tasks = [by_goal[s.goal] for s in strategies]
    goals = [s.goal for s in strategies]
    simulated = simulate_strategies(
        model,
        library,
        tasks,
        strategies,
        starts,
        num_rollouts=num_rollouts,
        key=sim_key,
    )
    referenced = None
    if reference is not None:
        referenced = simulate_strategies(
            reference,
            library,
            tasks,
            strategies,
            starts,
            num_rollouts=num_rollouts,
            key=ref_key,
        )
    true = execute_strategies(
        env, library, tasks, strategies, starts, episodes=episodes, key=true_key
    )
    tau, per_goal, mean_tau = _taus(goals, simulated, true)
    reference_tau = reference_mean = None
    if referenced is not None:
        reference_tau, _, reference_mean = _taus(goals, referenced, true)
    best = {}
    for goal in dict.fromkeys(goals):
        rows = [i for i, g in enumerate(goals) if g == goal]
        first = rows[int(np.argmax(simulated[rows]))]
        best[goal] = bool(true[first] >= np.max(true[rows]))
    randoms = {}
    if num_actions is not None:
        for goal in dict.fromkeys(goals):
            budget = max(s.budget for s in strategies if s.goal == goal)
            randoms[goal] = random_success(
                env,
                num_actions,
                make_task(goal),
                starts,
                budget=budget,
                episodes=episodes,
                key=jax.random.fold_in(random_key, len(randoms)),
            )
    scores = [
        StrategyScore(
            s.goal,
            s.name,
            float(simulated[i]),
            None if referenced is None else float(referenced[i]),
            float(true[i]),
        )
        for i, s in enumerate(strategies)
    ]
    return RankingReport(
        scores, tau, per_goal, mean_tau, reference_tau, reference_mean, best, randoms
    )
