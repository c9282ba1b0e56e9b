"""Transitions for fitting: collected from a functional env or read from a file."""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from symworld.programs.attributes import Schema
from symworld.programs.transition_inputs import check_action_range
from symworld.trajectory import unflatten_tree

logger = logging.getLogger(__name__)

PyTree = Any


class TransitionBatch(NamedTuple):
    """``T`` transitions: ``states`` (pytree, leading axis ``T``), ``actions``
    int32 ``(T,)``, ``next_states`` (pytree, leading axis ``T``)."""

    states: PyTree
    actions: jax.Array
    next_states: PyTree


def random_transitions(
    env: Any, steps: int, seed: int, params: Any = None
) -> TransitionBatch:
    """``steps`` transitions of a uniformly random policy, resetting when an
    episode ends; one compiled ``lax.scan``."""
    params = env.default_params if params is None else params
    num_actions = int(env.num_actions)
    root = jax.random.key(seed)

    def one(state, key):
        key_action, key_step, key_reset = jax.random.split(key, 3)
        action = jax.random.randint(key_action, (), 0, num_actions)
        following, info = env.step(state, action, key_step, params)
        ended = info["terminated"] | info["truncated"]
        fresh = env.reset(key_reset, params)
        carry = jax.tree_util.tree_map(
            lambda a, b: jnp.where(ended, a, b), fresh, following
        )
        return carry, (state, action, following)

    @jax.jit
    def run(key):
        start = env.reset(jax.random.fold_in(key, 0), params)
        keys = jax.random.split(jax.random.fold_in(key, 1), steps)
        _, (states, actions, following) = jax.lax.scan(one, start, keys)
        return states, actions, following

    states, actions, following = run(root)
    return TransitionBatch(states, actions.astype(jnp.int32), following)


def transitions_from_file(
    path: str, schema: Schema, *, drop_nonfinite: bool = False
) -> TransitionBatch:
    """Read a trajectory file and check it belongs to ``schema``'s environment.

    ``drop_nonfinite`` drops rows holding NaN or ±inf instead of failing (see
    :func:`~symworld.trajectory_io.read_trajectory`). Raises ``ValueError`` naming
    the mismatch for data of another environment.
    """
    try:
        from symworld.trajectory_io import read_trajectory
    except ImportError as error:  # pragma: no cover - lands with the file readers
        raise ValueError(
            "reading trajectory files needs symworld.trajectory_io"
        ) from error
    trajectory = read_trajectory(path, drop_nonfinite=drop_nonfinite)
    env_id = trajectory.metadata.get("env_id") or trajectory.metadata.get("env")
    if env_id is not None and env_id != schema.env_id:
        raise ValueError(
            f"{path}: data recorded from {env_id!r}, not {schema.env_id!r}"
        )
    if trajectory.num_transitions == 0:
        raise ValueError(
            f"{path}: no transitions (every episode has a single row; a transition "
            "needs a row and the next one of the same episode)"
        )
    batch = trajectory.transitions()
    try:
        schema.encode_columns(batch.state)
        schema.encode_columns(batch.next_state)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    if len(batch.action) != 1:
        raise ValueError(
            f"{path}: law models need one discrete action column, found "
            f"{sorted(batch.action)}"
        )
    ((column, actions),) = batch.action.items()
    actions = np.asarray(actions)
    if actions.ndim != 1:
        raise ValueError(
            f"{path}: field {column!r}: actions must be integer scalars, got shape "
            f"{actions.shape[1:]} per row"
        )
    fractional = np.round(actions) != actions
    if fractional.any():
        row = int(np.argmax(fractional))  # counted like check_action_range's rows
        value = actions[row].item()
        raise ValueError(
            f"{path}: field {column!r}: row {row} holds action {value!r}, not an "
            "integer (law models take discrete actions)"
        )
    check_action_range(schema, actions, f"{path}: field {column!r}")
    states = unflatten_tree(
        {k: jnp.asarray(v) for k, v in batch.state.items()}, schema.template
    )
    following = unflatten_tree(
        {k: jnp.asarray(v) for k, v in batch.next_state.items()}, schema.template
    )
    states = _cast_like(states, schema.template)
    following = _cast_like(following, schema.template)
    return TransitionBatch(states, jnp.asarray(actions, jnp.int32), following)


def _cast_like(tree: PyTree, like: PyTree) -> PyTree:
    return jax.tree_util.tree_map(
        lambda x, y: jnp.asarray(x).astype(jnp.asarray(y).dtype), tree, like
    )
