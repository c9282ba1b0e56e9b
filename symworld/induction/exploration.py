"""One life of exploration: a single episode, no reset, that seeks novelty.

The policy keeps a count of every (situation, action) pair it has tried and
takes an action of the current situation with the fewest tries (ties broken by
the seeded key), so it works through untried pairs first. A *situation* is read
from the schema, not from an environment's names: the values of the two-valued
sites, which inventory-like counts (role ``inventory*``) are non-zero, and,
where the schema tags a player on a grid, the value of the cell in front of the
player (the facing offsets are measured online from the moves seen so far).

Staying alive: every action carries a *danger*, the mean harm (negative reward,
which is how Crafter-like games report lost health) suffered in the
:data:`DANGER_WINDOW` steps after it was taken;
once an action has been tried a few times, an action whose danger exceeds
:data:`DANGER_RATIO` times the average is avoided (unless every action is), so
actions that tend to precede injury are given up. When health falls to a third of its
domain or below, the policy prefers the action whose observed effect on health
in this situation has been best so far. Whether a living object is within two
cells (roles ``entity.alive`` and ``entity.position``) is part of the
situation.

Travel: once every action of the current situation has been tried, the policy
goes on a straight run with probability :data:`RUN_PROBABILITY` — it repeats one
*moving* action (an action seen to change the player's position in at least a
fifth of its uses) for up to :data:`RUN_LENGTH` steps or until it stops moving —
so that it reaches new places and new situations; after harm it runs away the
same way. The episode ends early only when the
environment terminates (the life is over); truncation by a time limit is
ignored, as one life has no reset.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter, defaultdict
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from symworld.programs.attributes import Schema
from symworld.trajectory import Trajectory, flatten_tree

logger = logging.getLogger(__name__)

PyTree = Any

DANGER_WINDOW = 8  # steps after an action that its danger is measured over
RUN_PROBABILITY = 0.5  # chance of a straight run once a situation is exhausted
RUN_LENGTH = 6  # steps of a straight run
DANGER_RATIO = 2.0  # an action this many times more harmful than average is avoided


@dataclasses.dataclass(frozen=True)
class Exploration:
    """One life: ``T`` transitions (states and next states are pytrees with a
    leading axis ``T``; ``actions`` int32 ``(T,)``; ``rewards`` float32 ``(T,)``),
    whether the life ended (``died``) and the seed."""

    states: PyTree
    actions: np.ndarray
    next_states: PyTree
    rewards: np.ndarray
    died: bool
    seed: int
    env_id: str

    @property
    def num_transitions(self) -> int:
        return int(self.actions.shape[0])

    def to_trajectory(self) -> Trajectory:
        """The life as a one-episode :class:`~symworld.trajectory.Trajectory`."""
        first = flatten_tree(self.states)
        last = flatten_tree(self.next_states)
        state = {k: np.concatenate([first[k], last[k][-1:]], axis=0) for k in first}
        rows = self.num_transitions + 1
        action = np.concatenate([self.actions, [0]]).astype(np.int64)
        terminated = np.zeros(rows, bool)
        terminated[-2] = self.died
        return Trajectory(
            episode=np.zeros(rows, np.int64),
            step=np.arange(rows, dtype=np.int64),
            state=state,
            action={"action": action},
            reward=np.concatenate([self.rewards, [0.0]]).astype(np.float64),
            terminated=terminated,
            truncated=np.zeros(rows, bool),
            metadata={
                "env_id": self.env_id,
                "seed": self.seed,
                "policy": "one-life novelty",
            },
        )


class _Situation:
    """Reads a situation key from an encoded state (see the module docstring)."""

    def __init__(self, schema: Schema):
        self.schema = schema
        offsets = schema.offsets
        self.binary = []
        self.counts = []
        for k, attribute in enumerate(schema.attributes):
            if attribute.size > 32 or attribute.role == "map":
                continue
            if attribute.role.startswith("entity."):
                continue
            sites = list(range(int(offsets[k]), int(offsets[k + 1])))
            if attribute.role.startswith("inventory"):
                self.counts += sites
            elif attribute.domain_size == 2 and attribute.role != "clock":
                self.binary += sites
        self.health = next(
            (
                (int(offsets[k]), a.high)
                for k, a in enumerate(schema.attributes)
                if a.role == "player.health" and a.size == 1
            ),
            None,
        )
        position = [
            (k, a)
            for k, a in enumerate(schema.attributes)
            if a.role == "player.position"
        ]
        facing = [
            (k, a) for k, a in enumerate(schema.attributes) if a.role == "player.facing"
        ]
        grid = [
            (k, a)
            for k, a in enumerate(schema.attributes)
            if a.role == "map" and len(a.shape) == 2
        ]
        self.position = None
        if len(position) == 1 and position[0][1].size == 2:
            self.position = (
                int(offsets[position[0][0]]),
                int(offsets[position[0][0]] + 1),
            )
        elif len(position) == 2:
            self.position = (int(offsets[position[0][0]]), int(offsets[position[1][0]]))
        self.facing = int(offsets[facing[0][0]]) if facing else None
        self.grid = (int(offsets[grid[0][0]]), grid[0][1].shape) if grid else None
        self.steps: dict[int, Counter] = defaultdict(Counter)
        alive = [
            (k, a) for k, a in enumerate(schema.attributes) if a.role == "entity.alive"
        ]
        where = [
            (k, a)
            for k, a in enumerate(schema.attributes)
            if a.role == "entity.position" and len(a.shape) == 2
        ]
        self.objects = None
        if alive and where and self.position is not None:
            self.objects = (
                int(offsets[alive[0][0]]),
                alive[0][1].size,
                int(offsets[where[0][0]]),
            )

    def observe_move(self, before: np.ndarray, after: np.ndarray) -> None:
        if self.position is None or self.facing is None:
            return
        step = (
            after[self.position[0]] - before[self.position[0]],
            after[self.position[1]] - before[self.position[1]],
        )
        if abs(step[0]) + abs(step[1]) == 1:
            self.steps[int(after[self.facing])][step] += 1

    def key(self, encoded: np.ndarray) -> tuple:
        parts: list[Any] = [tuple(int(encoded[s]) for s in self.binary)]
        parts.append(tuple(int(encoded[s] > 0) for s in self.counts))
        if (
            self.position is not None
            and self.facing is not None
            and self.grid is not None
        ):
            facing = int(encoded[self.facing])
            if self.steps[facing]:
                (dx, dy), _ = self.steps[facing].most_common(1)[0]
                start, shape = self.grid
                x = int(np.clip(encoded[self.position[0]] + dx, 0, shape[0] - 1))
                y = int(np.clip(encoded[self.position[1]] + dy, 0, shape[1] - 1))
                parts.append(int(encoded[start + x * shape[1] + y]))
        if self.objects is not None:
            start, count, position = self.objects
            alive = encoded[start : start + count] != 0
            xy = encoded[position : position + 2 * count].reshape(count, 2)
            here = np.array([encoded[self.position[0]], encoded[self.position[1]]])
            near = np.abs(xy - here).max(axis=1) <= 2
            parts.append(bool(np.any(alive & near)))
        return tuple(parts)

    def health_value(self, encoded: np.ndarray) -> int:
        return int(encoded[self.health[0]]) if self.health is not None else 0

    def low_health(self, encoded: np.ndarray) -> bool:
        if self.health is None:
            return False
        site, high = self.health
        return int(encoded[site]) * 3 <= high


def explore(
    env: Any,
    schema: Schema,
    *,
    steps: int = 2000,
    seed: int = 0,
    params: Any = None,
) -> Exploration:
    """Live one life of at most ``steps`` steps with the novelty policy.

    The environment is a :class:`~symworld.functional.FunctionalEnv` whose
    states ``schema`` describes; every random choice derives from ``seed``.
    """
    if steps < 1:
        raise ValueError("steps must be at least 1")
    params = env.default_params if params is None else params
    num_actions = int(env.num_actions)
    root = jax.random.key(seed)
    encode = jax.jit(schema.encode)
    situation = _Situation(schema)
    tries: dict[tuple, np.ndarray] = defaultdict(
        lambda: np.zeros(num_actions, np.int64)
    )
    health_effect: dict[tuple, np.ndarray] = defaultdict(lambda: np.zeros(num_actions))
    rng = np.random.default_rng(np.asarray(jax.random.key_data(root)).ravel().tolist())

    danger_total = np.zeros(num_actions)
    danger_count = np.zeros(num_actions)
    recent: list[int] = []  # the last DANGER_WINDOW actions

    @jax.jit
    def advance(state, action, t):
        key = jax.random.fold_in(jax.random.fold_in(root, 1), t)
        following, info = env.step(state, action, key, params)
        return following, info["reward"], info["terminated"], schema.encode(following)

    uses = np.zeros(num_actions)
    moves = np.zeros(num_actions)
    run_action, run_left = -1, 0
    harmed = False

    state = env.reset(jax.random.fold_in(root, 0), params)
    encoded = np.asarray(encode(state))
    states, actions, following, rewards = [], [], [], []
    died = False
    for t in range(steps):
        key = situation.key(encoded)
        counts = tries[key]
        if situation.low_health(encoded):
            effect = health_effect[key] / np.maximum(counts, 1)
            score = effect * 1000.0 - counts
        else:
            known = danger_count >= 3
            danger = np.where(known, danger_total / np.maximum(danger_count, 1), 0.0)
            average = float(danger[known].mean()) if known.any() else 0.0
            risky = known & (danger > DANGER_RATIO * average) & (average > 0)
            score = -counts.astype(float) - np.where(risky, 1e6, 0.0)
        best = np.flatnonzero(score == score.max())
        action = int(best[rng.integers(best.size)])
        moving = np.flatnonzero((uses >= 3) & (moves >= 0.2 * np.maximum(uses, 1)))
        if run_left > 0:
            action, run_left = run_action, run_left - 1
        elif moving.size and (
            harmed or (counts.min() >= 1 and rng.random() < RUN_PROBABILITY)
        ):
            run_action = int(moving[rng.integers(moving.size)])
            action, run_left = run_action, RUN_LENGTH - 1
        next_state, reward, terminated, next_encoded = advance(
            state, jnp.int32(action), jnp.int32(t)
        )
        next_encoded = np.asarray(next_encoded)
        counts[action] += 1
        harm = max(0.0, -float(reward))
        for taken in recent:
            danger_total[taken] += harm
        recent.append(action)
        if len(recent) > DANGER_WINDOW:
            danger_count[recent.pop(0)] += 1
        if situation.health is not None:
            site = situation.health[0]
            health_effect[key][action] += float(next_encoded[site] - encoded[site])
        situation.observe_move(encoded, next_encoded)
        uses[action] += 1
        if situation.position is not None:
            moved = any(encoded[i] != next_encoded[i] for i in situation.position)
            moves[action] += moved
            if run_left > 0 and not moved:
                run_left = 0
        harmed = harm > 0
        states.append(state)
        actions.append(action)
        following.append(next_state)
        rewards.append(float(reward))
        state, encoded = next_state, next_encoded
        if bool(terminated):
            died = True
            logger.info("the life ended at step %d", t + 1)
            break
    stack = lambda items: jax.tree_util.tree_map(lambda *xs: np.stack(xs), *items)  # noqa: E731
    logger.info(
        "explored %d steps; %d situations, %d (situation, action) pairs tried",
        len(actions),
        len(tries),
        int(sum((c > 0).sum() for c in tries.values())),
    )
    return Exploration(
        states=stack(states),
        actions=np.asarray(actions, np.int32),
        next_states=stack(following),
        rewards=np.asarray(rewards, np.float32),
        died=died,
        seed=seed,
        env_id=schema.env_id,
    )
