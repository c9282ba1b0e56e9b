"""Collect trajectories from gymnasium environments.

:func:`collect` runs a policy in a gymnasium env id, ``Env`` instance or vector env
and records every episode as rows of a :class:`~symworld.trajectory.Trajectory`.
Observations become named state columns (:func:`observation_names`), actions named
action columns. Collection is reproducible: ``env.reset(seed=seed)`` starts the first
episode, later episodes continue the env's own seeded generator, and the random
policy draws from ``action_space.seed(seed)``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

import gymnasium
import jax
import numpy as np
from gymnasium import spaces

from symworld.progress import progress
from symworld.trajectory import Trajectory, flatten_tree

logger = logging.getLogger(__name__)

Policy = Callable[[Any], Any]

# Readable names for the observation components of gymnasium's classic-control envs.
OBSERVATION_NAMES: dict[str, list[str]] = {
    "Pendulum": ["cos_theta", "sin_theta", "theta_dot"],
    "CartPole": ["x", "x_dot", "theta", "theta_dot"],
    "MountainCar": ["position", "velocity"],
    "MountainCarContinuous": ["position", "velocity"],
    "Acrobot": [
        "cos_theta1",
        "sin_theta1",
        "cos_theta2",
        "sin_theta2",
        "theta1_dot",
        "theta2_dot",
    ],
}


class RandomPolicy:
    """Uniform random actions from ``action_space``, seeded once with ``seed``."""

    def __init__(self, action_space: spaces.Space, seed: int):
        self.action_space = action_space
        self.action_space.seed(seed)

    def __call__(self, observation: Any) -> Any:
        return self.action_space.sample()


def observation_names(
    env_name: str | None, space: spaces.Space, declared: Any = None
) -> list[str] | None:
    """Column names for a flat (1-D) observation, or ``None`` for structured ones.

    ``declared`` is the env's own ``observation_names`` attribute, when it has one;
    otherwise gymnasium's classic-control envs get readable names and other vector
    observations ``obs.0``, ``obs.1``, ...
    """
    shape = getattr(space, "shape", None)
    if shape is None or len(shape) != 1 or isinstance(space, spaces.Dict):
        return None
    if declared is not None and len(declared) == shape[0]:
        return list(declared)
    known = OBSERVATION_NAMES.get((env_name or "").split("/")[-1].split("-v")[0])
    if known is not None and len(known) == space.shape[0]:
        return list(known)
    return [f"obs.{index}" for index in range(space.shape[0])]


def _name_of(env: Any) -> str | None:
    spec = getattr(env, "spec", None)
    return None if spec is None else spec.id


def _observation_columns(observation: Any, names: list[str] | None) -> dict[str, Any]:
    if names is not None:
        values = np.asarray(observation)
        return {name: values[index] for index, name in enumerate(names)}
    if isinstance(observation, (dict, tuple, list)):
        return flatten_tree(observation)
    return {"obs": np.asarray(observation)}


def _action_columns(action: Any, space: spaces.Space) -> dict[str, Any]:
    if isinstance(space, spaces.Box) and space.shape in ((1,), ()):
        return {"action": np.asarray(action, dtype=space.dtype).reshape(())}
    if isinstance(space, spaces.Box) and len(space.shape) == 1:
        values = np.asarray(action, dtype=space.dtype)
        return {f"action.{index}": values[index] for index in range(space.shape[0])}
    if isinstance(space, spaces.Discrete):
        return {"action": np.int64(action)}
    return {
        ("action" if name == "value" else f"action.{name}"): value
        for name, value in flatten_tree(action).items()
    }


class _EpisodeRecorder:
    """Rows of one episode, built step by step."""

    def __init__(self, first_observation: dict[str, Any]):
        self.states = [first_observation]
        self.actions: list[dict[str, Any]] = []
        self.rewards: list[float] = []
        self.terminated: list[bool] = []
        self.truncated: list[bool] = []

    def add(self, action, reward, terminated, truncated, next_observation) -> None:
        self.actions.append(action)
        self.rewards.append(float(reward))
        self.terminated.append(bool(terminated))
        self.truncated.append(bool(truncated))
        self.states.append(next_observation)

    @property
    def transitions(self) -> int:
        return len(self.actions)


def _to_trajectory(
    episodes: list[_EpisodeRecorder], metadata: dict[str, Any]
) -> Trajectory:
    rows = sum(len(e.states) for e in episodes)
    if rows == 0:
        raise ValueError("no steps were collected")
    template_action = next((e.actions[0] for e in episodes if e.actions), None)
    state_names = list(episodes[0].states[0])
    state = {n: [] for n in state_names}
    action = {n: [] for n in (template_action or {})}
    episode_ids, steps, rewards, terminated, truncated = [], [], [], [], []
    for number, recorded in enumerate(episodes):
        for index, observation in enumerate(recorded.states):
            for name in state_names:
                state[name].append(observation[name])
            episode_ids.append(number)
            steps.append(index)
            last = index == recorded.transitions
            for name in action:
                value = template_action[name]
                action[name].append(
                    np.zeros_like(value) if last else recorded.actions[index][name]
                )
            rewards.append(0.0 if last else recorded.rewards[index])
            terminated.append(False if last else recorded.terminated[index])
            truncated.append(False if last else recorded.truncated[index])
    return Trajectory(
        episode=np.asarray(episode_ids, dtype=np.int64),
        step=np.asarray(steps, dtype=np.int64),
        state={n: np.stack(v) for n, v in state.items()},
        action={n: np.stack(v) for n, v in action.items()},
        reward=np.asarray(rewards, dtype=np.float64),
        terminated=np.asarray(terminated, dtype=bool),
        truncated=np.asarray(truncated, dtype=bool),
        metadata=metadata,
    )


def collect(
    env: str | gymnasium.Env | gymnasium.vector.VectorEnv,
    *,
    steps: int | None = None,
    episodes: int | None = None,
    seed: int = 0,
    policy: Policy | None = None,
    env_kwargs: dict[str, Any] | None = None,
    record: str = "observation",
) -> Trajectory:
    """Run ``policy`` in ``env`` and record the trajectory.

    **Arguments:**

    - ``env``: a gymnasium id (made with ``gymnasium.make(env, **env_kwargs)``), an
      ``Env``, or a ``VectorEnv``.
    - ``steps``: number of transitions to record (the last episode may be cut short;
      its final row then has no transition). A vector env records whole vector
      steps, so it stops at the first count ``>= steps`` (at most ``num_envs - 1``
      more).
    - ``episodes``: alternatively, the number of complete episodes to record.
    - ``seed``: seeds ``reset`` and the default random policy.
    - ``policy``: a callable from observation to action (for a vector env: batched
      observations to batched actions); default uniform random actions.
    - ``record``: ``"observation"`` (default) records what the policy sees;
      ``"state"`` records the full state of a symworld functional env
      (``env.unwrapped.state``, flattened to columns such as ``player.pos``), which
      is what ``fit laws --data`` and ``induce --data`` read. Single envs only.

    **Returns:** the :class:`Trajectory`; ``metadata`` holds ``env_id`` and ``seed``.
    """
    if (steps is None) == (episodes is None):
        raise ValueError("give exactly one of steps= or episodes=")
    if (steps is not None and steps < 1) or (episodes is not None and episodes < 1):
        raise ValueError("steps and episodes must be at least 1")
    if record not in ("observation", "state"):
        raise ValueError(f"record must be 'observation' or 'state', got {record!r}")
    made = isinstance(env, str)
    if made:
        env_id = env
        try:
            env = gymnasium.make(env_id, **(env_kwargs or {}))
        except gymnasium.error.Error as error:
            raise ValueError(f"cannot make environment {env_id!r}: {error}") from None
    try:
        if isinstance(env, gymnasium.vector.VectorEnv):
            if record == "state":
                raise ValueError("record='state' needs a single env, not a vector env")
            return _collect_vector(env, steps, episodes, seed, policy)
        return _collect_single(env, steps, episodes, seed, policy, record)
    finally:
        if made:
            env.close()


def _state_columns(env: Any) -> dict[str, Any]:
    """The flattened functional state of a symworld gymnasium shell."""
    state = getattr(env.unwrapped, "state", None)
    if state is None or not hasattr(env.unwrapped, "functional"):
        raise ValueError(
            f"record='state' needs a symworld functional env; {_name_of(env)} has "
            "no functional state"
        )
    return flatten_tree(jax.tree_util.tree_map(np.array, state))


def _collect_single(env, steps, episodes, seed, policy, record) -> Trajectory:
    name = _name_of(env)
    declared = getattr(env.unwrapped, "observation_names", None)
    names = observation_names(name, env.observation_space, declared)
    policy = policy or RandomPolicy(env.action_space, seed)
    observation, _ = env.reset(seed=seed)

    def columns(observation):
        if record == "state":
            return _state_columns(env)
        return _observation_columns(observation, names)

    recorded = [_EpisodeRecorder(columns(observation))]
    total = steps if steps is not None else None
    done_episodes = 0
    bar = progress(itertools.count(), total=total, desc=f"collect {name or 'env'}")
    for count in bar:
        if steps is not None and count >= steps:
            break
        action = policy(observation)
        observation, reward, terminated, truncated, _ = env.step(action)
        recorded[-1].add(
            _action_columns(action, env.action_space),
            reward,
            terminated,
            truncated,
            columns(observation),
        )
        if terminated or truncated:
            done_episodes += 1
            if episodes is not None and done_episodes >= episodes:
                break
            observation, _ = env.reset()
            if steps is not None and count + 1 >= steps:
                break
            recorded.append(_EpisodeRecorder(columns(observation)))
    metadata = {
        "env_id": name,
        "seed": seed,
        "source": "symworld.rollouts.collect",
        "record": record,
    }
    logger.info(
        "collected %d transitions in %d episodes from %s",
        sum(e.transitions for e in recorded),
        len(recorded),
        name,
    )
    return _to_trajectory(recorded, metadata)


def _collect_vector(env, steps, episodes, seed, policy) -> Trajectory:
    count = env.num_envs
    name = _name_of(env)
    single_obs_space = env.single_observation_space
    first = getattr(env, "envs", [None])[0]
    declared = getattr(getattr(first, "unwrapped", None), "observation_names", None)
    names = observation_names(name, single_obs_space, declared)
    mode = env.metadata.get("autoreset_mode", gymnasium.vector.AutoresetMode.NEXT_STEP)
    mode = gymnasium.vector.AutoresetMode(mode)
    policy = policy or RandomPolicy(env.action_space, seed)
    observations, _ = env.reset(seed=seed)

    def row(batch, index):
        return _observation_columns(_index(batch, index), names)

    open_episodes = [_EpisodeRecorder(row(observations, i)) for i in range(count)]
    finished: list[tuple[int, int, _EpisodeRecorder]] = []
    starts = [(0, i) for i in range(count)]
    restarting = np.zeros(count, dtype=bool)
    recorded = 0
    for tick in progress(itertools.count(), desc=f"collect {name}"):
        if steps is not None and recorded >= steps:
            break
        if episodes is not None and len(finished) >= episodes:
            break
        actions = policy(observations)
        observations, rewards, terminated, truncated, infos = env.step(actions)
        for i in range(count):
            if restarting[i]:
                open_episodes[i] = _EpisodeRecorder(row(observations, i))
                starts[i] = (tick + 1, i)
                restarting[i] = False
                continue
            ended = bool(terminated[i] or truncated[i])
            if ended and mode == gymnasium.vector.AutoresetMode.SAME_STEP:
                final = row(infos["final_obs"], i)
            else:
                final = row(observations, i)
            open_episodes[i].add(
                _action_columns(_index(actions, i), env.single_action_space),
                rewards[i],
                terminated[i],
                truncated[i],
                final,
            )
            recorded += 1
            if ended:
                finished.append((*starts[i], open_episodes[i]))
                if mode == gymnasium.vector.AutoresetMode.SAME_STEP:
                    open_episodes[i] = _EpisodeRecorder(row(observations, i))
                    starts[i] = (tick + 1, i)
                elif mode == gymnasium.vector.AutoresetMode.NEXT_STEP:
                    restarting[i] = True
                else:
                    raise ValueError(
                        "vector envs with autoreset disabled are not supported; use "
                        "NEXT_STEP or SAME_STEP"
                    )
    if episodes is not None:
        finished.sort(key=lambda item: (item[0], item[1]))
        chosen = [recorder for _, _, recorder in finished[:episodes]]
    else:
        pending = [
            (*starts[i], open_episodes[i]) for i in range(count) if not restarting[i]
        ]
        everything = sorted(finished + pending, key=lambda item: (item[0], item[1]))
        chosen = [recorder for _, _, recorder in everything]
    metadata = {
        "env_id": name,
        "seed": seed,
        "num_envs": count,
        "source": "symworld.rollouts.collect",
    }
    return _to_trajectory(chosen, metadata)


def _index(batch: Any, index: int) -> Any:
    if isinstance(batch, dict):
        return {key: _index(value, index) for key, value in batch.items()}
    if isinstance(batch, tuple):
        return tuple(_index(value, index) for value in batch)
    return np.asarray(batch)[index]
