"""Receding-horizon control: act in a real environment, replan, repeat.

Agents turn a real state into an action by planning in a world model:

- :class:`PlannerAgent` replans with a :class:`~symworld.planning.planner.Planner`
  every ``replan_every`` steps and executes the plan's next action in between;
- :class:`OptionAgent` runs one option of an :class:`OptionLibrary` in the real
  environment until it finishes, then searches again (option-level MPC);
- :class:`ProgramAgent` executes a fixed option program open-loop at the option
  level (a *strategy*), without any planning;
- :class:`RandomAgent` acts uniformly at random (the baseline).

Episode runners drive an agent in a real environment and score it with the task:
:func:`run_functional_episode` for a :class:`~symworld.functional.FunctionalEnv`
(the state is the env's own state), :func:`run_gym_episode` for a gymnasium env
(a ``to_state`` function maps each observation to the model's state).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from symworld.planning.options import (
    OptionLibrary,
    OptionSearch,
    ProgramState,
    program_begin,
    program_step,
    search_options,
)
from symworld.planning.planner import Planner, plan
from symworld.planning.shooting import sample_uniform
from symworld.planning.spaces import BoxActions, DiscreteActions
from symworld.planning.task import Task
from symworld.worldmodel import WorldModel

logger = logging.getLogger(__name__)
PyTree = Any


class Episode(NamedTuple):
    """One episode in a real environment.

    - ``total_reward``: the environment's summed reward.
    - ``task_return``: the task's summed reward (until the goal).
    - ``steps``: steps taken.
    - ``success``: the task's goal was reached.
    - ``success_step``: the step at which it was first reached (``None`` if never).
    - ``actions``: the actions taken, as a list.
    """

    total_reward: float
    task_return: float
    steps: int
    success: bool
    success_step: int | None
    actions: list


class PlannerAgent:
    """Replan with ``planner`` in ``model`` every ``replan_every`` real steps."""

    def __init__(
        self,
        planner: Planner,
        model: WorldModel,
        task: Task,
        *,
        seed: int = 0,
        replan_every: int = 1,
    ):
        self.planner, self.model, self.task = planner, model, task
        self.replan_every = int(replan_every)
        self.seed = seed
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        self.key = jax.random.key(self.seed if seed is None else seed)
        self.carry = self.planner.init()
        self.queue: list = []
        self.last = None

    def act(self, state: PyTree) -> Any:
        if not self.queue:
            self.key, key = jax.random.split(self.key)
            result = plan(
                self.planner, self.model, self.task, state, self.carry, key=key
            )
            self.last = result
            actions = np.asarray(result.actions)
            self.queue = list(actions[: self.replan_every])
            # The warm start must skip the steps executed without replanning.
            carry = result.carry
            for _ in range(len(self.queue) - 1):
                carry = jax.tree_util.tree_map(
                    lambda leaf: jnp.concatenate([leaf[1:], leaf[-1:]], axis=0), carry
                )
            self.carry = carry
        return self.queue.pop(0)


@eqx.filter_jit
def _program_step(library, program, progress, state, key):
    return program_step(library, program, progress, state, key)


class OptionAgent:
    """Option-level model-predictive control.

    Runs the first option of the best program found by ``search`` until the option
    finishes (its ``done`` rule or ``library.max_steps``), then searches again from
    the real state.
    """

    def __init__(
        self,
        search: OptionSearch,
        model: WorldModel,
        library: OptionLibrary,
        task: Task,
        *,
        seed: int = 0,
    ):
        self.search, self.model, self.library, self.task = search, model, library, task
        self.seed = seed
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        self.key = jax.random.key(self.seed if seed is None else seed)
        self.program: jax.Array | None = None
        self.progress: ProgramState | None = None
        self.chosen: list[str] = []

    def _replan(self, state):
        self.key, key = jax.random.split(self.key)
        result = search_options(
            self.search, self.model, self.library, self.task, state, key=key
        )
        option = int(result.option)
        self.chosen.append(self.library.names[option])
        logger.debug(
            "option search: %s (value %.3f, success %.2f)",
            self.library.names[option],
            float(result.value),
            float(result.success),
        )
        self.program = jnp.asarray([option], jnp.int32)
        self.progress = program_begin(state)

    def act(self, state: PyTree) -> Any:
        if self.program is None:
            self._replan(state)
        self.key, key = jax.random.split(self.key)
        action, progress, running = _program_step(
            self.library, self.program, self.progress, state, key
        )
        if not bool(running):
            self._replan(state)
            action, progress, _ = _program_step(
                self.library, self.program, self.progress, state, key
            )
        self.progress = progress
        return np.asarray(action)


class ProgramAgent:
    """Execute a fixed option program (a strategy) in the real environment."""

    def __init__(self, library: OptionLibrary, program, *, seed: int = 0):
        self.library = library
        self.program_array = jnp.asarray(np.asarray(program, np.int32))
        self.seed = seed
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        self.key = jax.random.key(self.seed if seed is None else seed)
        self.progress: ProgramState | None = None

    def act(self, state: PyTree) -> Any:
        if self.progress is None:
            self.progress = program_begin(state)
        self.key, key = jax.random.split(self.key)
        action, self.progress, _ = _program_step(
            self.library, self.program_array, self.progress, state, key
        )
        return np.asarray(action)


class RandomAgent:
    """Uniformly random actions of ``space`` from a seeded key."""

    def __init__(self, space: DiscreteActions | BoxActions, *, seed: int = 0):
        self.space = space
        self.seed = seed
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        self.key = jax.random.key(self.seed if seed is None else seed)

    def act(self, state: PyTree) -> Any:
        self.key, key = jax.random.split(self.key)
        return np.asarray(sample_uniform(key, self.space, ()))


@eqx.filter_jit
def _env_step(env, state, action, key, params):
    next_state, info = env.step(state, action, key, params)
    return next_state, info


@eqx.filter_jit
def _env_reset(env, key, params):
    return env.reset(key, params)


@eqx.filter_jit
def _task_step(task, state, action, next_state):
    return task.reward(state, action, next_state), task.success(next_state)


def run_functional_episode(
    env,
    agent,
    task: Task,
    *,
    key: jax.Array,
    max_steps: int,
    state: PyTree = None,
    params: PyTree = None,
    stop_on_success: bool = True,
) -> Episode:
    """Run ``agent`` in a functional env for at most ``max_steps`` steps.

    The episode starts from ``state`` (or ``env.reset(key)``) and ends at
    termination, truncation, ``max_steps`` or (with ``stop_on_success``) the goal.
    """
    params = env.default_params if params is None else params
    reset_key, key = jax.random.split(key)
    if state is None:
        state = _env_reset(env, reset_key, params)
    agent.reset()
    total = task_return = 0.0
    success_step = None
    actions = []
    steps = 0
    if bool(task.success(state)):
        return Episode(0.0, 0.0, 0, True, 0, [])
    for steps in range(1, max_steps + 1):
        action = agent.act(state)
        actions.append(action.tolist() if hasattr(action, "tolist") else action)
        key, step_key = jax.random.split(key)
        next_state, info = _env_step(env, state, jnp.asarray(action), step_key, params)
        reward, reached = _task_step(task, state, jnp.asarray(action), next_state)
        total += float(info["reward"])
        task_return += float(reward)
        state = next_state
        if bool(reached) and success_step is None:
            success_step = steps
            if stop_on_success:
                break
        if bool(info["terminated"]) or bool(info["truncated"]):
            break
    return Episode(
        total, task_return, steps, success_step is not None, success_step, actions
    )


def run_gym_episode(
    env,
    agent,
    task: Task,
    *,
    seed: int,
    max_steps: int | None = None,
    to_state: Callable[[Any], PyTree] = jnp.asarray,
    stop_on_success: bool = False,
) -> Episode:
    """Run ``agent`` in a gymnasium ``env`` from ``env.reset(seed=seed)``.

    ``to_state`` maps an observation to the model's state. The episode ends at
    termination, truncation, ``max_steps`` or (with ``stop_on_success``) the goal.
    """
    observation, _ = env.reset(seed=seed)
    agent.reset(seed)
    state = to_state(observation)
    total = task_return = 0.0
    success_step = None
    actions = []
    steps = 0
    while max_steps is None or steps < max_steps:
        action = agent.act(state)
        actions.append(action.tolist() if hasattr(action, "tolist") else action)
        observation, reward, terminated, truncated, _ = env.step(action)
        steps += 1
        next_state = to_state(observation)
        task_reward, reached = _task_step(task, state, jnp.asarray(action), next_state)
        total += float(reward)
        task_return += float(task_reward)
        state = next_state
        if bool(reached) and success_step is None:
            success_step = steps
            if stop_on_success:
                break
        if terminated or truncated:
            break
    return Episode(
        total, task_return, steps, success_step is not None, success_step, actions
    )
