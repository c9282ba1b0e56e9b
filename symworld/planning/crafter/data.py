"""Transitions for fitting a Crafter-OO law model that the planner can use.

A uniformly random policy almost never places a table or makes a tool, so a law
model fitted to random-policy steps alone has no evidence for the crafting laws
(their weights shrink to ~0 under the Exponential prior) and cannot imagine the
goals that need them. :func:`program_transitions` records the true game while the
option programs of :mod:`symworld.planning.crafter.strategies` run in it (the same
controllers the planner uses), so the data holds those events;
:func:`random_and_program_trajectory` joins them with random-policy steps into one
:class:`~symworld.trajectory.Trajectory` that ``symworld fit laws --data`` reads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from symworld.planning.options import OptionLibrary, program_begin, program_step
from symworld.planning.ranking import Strategy, pad_programs
from symworld.programs.data import TransitionBatch, random_transitions
from symworld.trajectory import Trajectory, flatten_tree
from symworld.worldmodel import states_equal

logger = logging.getLogger(__name__)
PyTree = Any
ENV_ID = "symworld/CrafterOO-v0"


@eqx.filter_jit
def _run_programs(env, params, library, programs, budgets, starts, keys, horizon):
    """Every (start, program) pair for ``horizon`` steps: states, actions, next
    states with leading axes ``(W, P, horizon)`` and a bool mask of the steps
    taken while the program ran and within its budget."""

    def episode(start, program, budget, key):
        def one(carry, t):
            state, progress = carry
            option_key, step_key = jax.random.split(jax.random.fold_in(key, t))
            action, progress, running = program_step(
                library, program, progress, state, option_key
            )
            following, info = env.step(state, action, step_key, params)
            alive = ~(info["terminated"] | info["truncated"])
            keep = running & (t < budget)
            return (following, progress), (state, action, following, keep, alive)

        init = (start, program_begin(start))
        _, (states, actions, following, keep, alive) = jax.lax.scan(
            one, init, jnp.arange(horizon)
        )
        # Nothing after the game ended (its state would continue a dead episode).
        ended_before = jnp.cumsum(~alive) - (~alive).astype(jnp.int32) > 0
        return states, actions, following, keep & ~ended_before

    def per_start(start, key):
        keys = jax.random.split(key, programs.shape[0])
        return jax.vmap(episode, in_axes=(None, 0, 0, 0))(
            start, programs, budgets, keys
        )

    return jax.vmap(per_start)(starts, keys)


def program_transitions(
    env,
    library: OptionLibrary,
    strategies: Sequence[Strategy],
    num_worlds: int,
    *,
    key: jax.Array,
    params: PyTree = None,
) -> tuple[TransitionBatch, np.ndarray]:
    """Transitions of the true game while each strategy's option program runs.

    World ``w`` is ``env.reset(fold_in(key, w))``; every strategy runs once from
    every world for at most its ``budget`` steps, stopping when its last option
    finishes or the game ends. Returns the kept transitions (``T`` of them, in
    order world, strategy, step) and int64 ``(T,)`` episode numbers
    (``w * len(strategies) + s``), so consecutive transitions of one program run
    share a number.
    """
    params = env.default_params if params is None else params
    programs = jnp.asarray(pad_programs(library, [s.program for s in strategies]))
    budgets = jnp.asarray([s.budget for s in strategies], jnp.int32)
    world_keys = [jax.random.fold_in(key, w) for w in range(num_worlds)]
    starts = jax.tree_util.tree_map(
        lambda *leaves: jnp.stack(leaves),
        *[env.reset(jax.random.fold_in(k, 0), params) for k in world_keys],
    )
    run_keys = jnp.stack([jax.random.fold_in(k, 1) for k in world_keys])
    horizon = int(max(s.budget for s in strategies))
    states, actions, following, keep = _run_programs(
        env, params, library, programs, budgets, starts, run_keys, horizon
    )
    keep = np.asarray(keep).reshape(-1)
    episode = np.repeat(np.arange(num_worlds * len(strategies)), horizon)[keep]

    def take(tree):
        return jax.tree_util.tree_map(
            lambda leaf: np.asarray(leaf).reshape(-1, *leaf.shape[3:])[keep], tree
        )

    batch = TransitionBatch(
        take(states),
        jnp.asarray(np.asarray(actions).reshape(-1)[keep]),
        take(following),
    )
    logger.info(
        "%d program transitions from %d worlds x %d strategies",
        keep.sum(),
        num_worlds,
        len(strategies),
    )
    return batch, episode.astype(np.int64)


def _segments(batch: TransitionBatch, episode: np.ndarray) -> np.ndarray:
    """Segment number per transition: a new segment starts with a new episode
    number or where a state is not the previous transition's next state."""
    continues = np.asarray(
        jax.vmap(states_equal)(
            jax.tree_util.tree_map(lambda leaf: leaf[1:], batch.states),
            jax.tree_util.tree_map(lambda leaf: leaf[:-1], batch.next_states),
        )
    ) & (episode[1:] == episode[:-1])
    return np.concatenate([[0], np.cumsum(~continues)]).astype(np.int64)


def batch_to_trajectory(
    batch: TransitionBatch, episode: np.ndarray, metadata: dict[str, Any]
) -> Trajectory:
    """Rows of a :class:`Trajectory` holding exactly ``batch``'s transitions.

    Consecutive transitions that chain (same ``episode`` number and the state
    equal to the previous next state) share one episode of the file; every other
    break starts a new episode, so :meth:`Trajectory.transitions` gives back the
    batch in order.
    """
    segment = _segments(batch, np.asarray(episode))
    count = len(segment)
    # Row layout: each segment's states, then its last next state.
    last = np.r_[segment[1:] != segment[:-1], True]
    rows_per = np.ones(count, np.int64) + last
    row_of = np.concatenate([[0], np.cumsum(rows_per)[:-1]])
    total = int(rows_per.sum())
    states = flatten_tree(jax.device_get(batch.states))
    following = flatten_tree(jax.device_get(batch.next_states))
    columns = {}
    for name, values in states.items():
        column = np.zeros((total, *values.shape[1:]), values.dtype)
        column[row_of] = values
        column[row_of[last] + 1] = following[name][last]
        columns[name] = column
    actions = np.zeros(total, np.int64)
    actions[row_of] = np.asarray(batch.actions)
    episode_ids = np.repeat(segment, rows_per)
    steps = np.zeros(total, np.int64)
    starts = np.r_[True, episode_ids[1:] != episode_ids[:-1]]
    first_row = np.maximum.accumulate(np.where(starts, np.arange(total), 0))
    steps = np.arange(total) - first_row
    return Trajectory(
        episode=episode_ids,
        step=steps,
        state=columns,
        action={"action": actions},
        reward=np.zeros(total),
        terminated=np.zeros(total, bool),
        truncated=np.zeros(total, bool),
        metadata=metadata,
    )


def random_and_program_trajectory(
    env,
    library: OptionLibrary,
    strategies: Sequence[Strategy],
    *,
    random_steps: int,
    num_worlds: int,
    seed: int,
) -> Trajectory:
    """``random_steps`` random-policy transitions (:func:`random_transitions` with
    ``seed``) followed by the program runs of :func:`program_transitions` from
    ``num_worlds`` worlds (key ``fold_in(key(seed), 1)``), as one trajectory."""
    parts, episodes = [], []
    if random_steps > 0:
        parts.append(random_transitions(env, random_steps, seed))
        episodes.append(np.zeros(random_steps, np.int64))
    if num_worlds > 0:
        batch, episode = program_transitions(
            env,
            library,
            strategies,
            num_worlds,
            key=jax.random.fold_in(jax.random.key(seed), 1),
        )
        parts.append(batch)
        episodes.append(episode + 1)
    if not parts:
        raise ValueError("no transitions: give random_steps or num_worlds > 0")
    joined = TransitionBatch(
        *(
            jax.tree_util.tree_map(
                lambda *leaves: np.concatenate([np.asarray(x) for x in leaves]),
                *[getattr(part, field) for part in parts],
            )
            for field in TransitionBatch._fields
        )
    )
    metadata = {
        "env_id": ENV_ID,
        "seed": seed,
        "source": "symworld.planning.crafter.data",
        "random_steps": random_steps,
        "program_worlds": num_worlds,
        "strategies": [f"{s.goal}/{s.name}" for s in strategies],
    }
    return batch_to_trajectory(joined, np.concatenate(episodes), metadata)


def exact_persistence(
    model: Any, batch: TransitionBatch, prior: tuple[float, float] = (1.0, 1.0)
) -> Any:
    """``model`` with each attribute's persistence at its exact MAP value.

    A MAP fit sets this itself (:func:`symworld.programs.fitting.persistence_mode`
    explains the closed form); this recomputes it over ``batch`` for a model
    fitted otherwise (SVI, NUTS, or a model saved before the closed form).
    Attributes with no uncovered observation keep their current value.
    """
    from symworld.programs.fitting import compile_transitions, persistence_mode

    encoded = jax.vmap(model.schema.encode)(batch.next_states)
    data = compile_transitions(model.layout, batch.states, batch.actions, encoded)
    rho = persistence_mode(data.kept, data.changed, prior, model.persistence)
    return eqx.tree_at(lambda m: m.persistence, model, jnp.asarray(rho))
