"""Imagined returns: roll action sequences through a world model and score them.

Every function here is pure and traceable, written for ``vmap`` over candidate
sequences and particles. Step ``t`` of a rollout draws with
``jax.random.fold_in(key, t)``, the convention of
:meth:`symworld.worldmodel.WorldModel.rollout`, so the states imagined here are the
states ``model.rollout`` returns for the same key. Rewards are accumulated inside the
scan, so no trajectory of (possibly large) states is ever stored.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from symworld.planning.task import Task
from symworld.worldmodel import WorldModel

ROLLOUT_AXES = ("sequence", "particle")
"""The ``axis_name`` of :func:`evaluate_sequences`' ``vmap`` over sequences and of
its ``vmap`` over particles, for models that decide per batch (a law model's
``sample(..., batch_axis=ROLLOUT_AXES)`` runs its focused laws)."""

PyTree = Any


class Outcome(NamedTuple):
    """What one imagined rollout achieved.

    - ``ret``: float32, discounted sum of rewards up to (and including) the step that
      reached the goal.
    - ``success``: bool, the goal was reached within the horizon.
    - ``steps``: int32, steps taken until the goal (the horizon if never reached).
    """

    ret: jax.Array
    success: jax.Array
    steps: jax.Array


def _step(model, task, key, discount, carry, t, action):
    """One imagined step of one rollout: ``carry`` is ``(state, ret, reached,
    steps)``, and step ``t`` draws with ``jax.random.fold_in(key, t)``."""
    current, ret, reached, steps = carry
    following = model.sample(jax.random.fold_in(key, t), current, action)
    reward = task.reward(current, action, following)
    ret = ret + jnp.where(reached, 0.0, (discount**t) * reward)
    steps = steps + jnp.where(reached, 0, 1)
    reached = reached | task.success(following)
    return following, ret, reached, steps


def imagine(
    model: WorldModel,
    task: Task,
    key: jax.Array,
    state: PyTree,
    actions: PyTree,
    discount: float = 1.0,
) -> Outcome:
    """Roll ``actions`` (leading axis ``T``) from ``state`` and score the rollout.

    A rollout that starts at the goal scores 0 with ``success`` True and 0 steps.
    """
    horizon = jax.tree_util.tree_leaves(actions)[0].shape[0]

    def one_step(carry, inputs):
        t, action = inputs
        return _step(model, task, key, discount, carry, t, action), None

    init = (state, jnp.float32(0.0), task.success(state), jnp.int32(0))
    (_, ret, reached, steps), _ = jax.lax.scan(
        one_step, init, (jnp.arange(horizon), actions)
    )
    return Outcome(ret.astype(jnp.float32), reached, steps)


def evaluate_sequences(
    model: WorldModel,
    task: Task,
    key: jax.Array,
    state: PyTree,
    sequences: PyTree,
    num_particles: int = 1,
    discount: float = 1.0,
) -> Outcome:
    """Mean outcome of ``N`` action sequences (leading axes ``(N, T)``).

    Each sequence is imagined ``num_particles`` times with independent keys; the
    result holds per-sequence means: ``ret`` ``(N,)`` float32, ``success`` ``(N,)``
    float32 (the fraction of particles that reached the goal), ``steps`` ``(N,)``
    float32. The two ``vmap`` axes are named :data:`ROLLOUT_AXES`.
    """
    count, horizon = jax.tree_util.tree_leaves(sequences)[0].shape[:2]
    keys = jax.random.split(key, (count, num_particles))

    # The scan is outermost and the two vmaps run inside its step: vmap of a
    # scan re-batches the traced step (a fixpoint over the carry, once per vmap
    # level, each batching both branches of a law model's focus ``cond`` twice),
    # which took most of the tracing time of a law model's rollouts (issue #8).
    # Every rollout draws and computes as in :func:`imagine`.
    def one_step(carry, inputs):
        t, actions = inputs
        per_particle = jax.vmap(
            lambda k, c, a: _step(model, task, k, discount, c, t, a),
            in_axes=(0, 0, None),
            axis_name=ROLLOUT_AXES[1],
        )
        carry = jax.vmap(per_particle, axis_name=ROLLOUT_AXES[0])(keys, carry, actions)
        return carry, None

    def broadcast(x):
        x = jnp.asarray(x)
        return jnp.broadcast_to(x, (count, num_particles, *x.shape))

    init = jax.tree_util.tree_map(
        broadcast, (state, jnp.float32(0.0), task.success(state), jnp.int32(0))
    )
    time_major = jax.tree_util.tree_map(lambda x: jnp.swapaxes(x, 0, 1), sequences)
    (_, ret, reached, steps), _ = jax.lax.scan(
        one_step, init, (jnp.arange(horizon), time_major)
    )
    return Outcome(
        jnp.mean(ret.astype(jnp.float32), axis=1),
        jnp.mean(reached.astype(jnp.float32), axis=1),
        jnp.mean(steps.astype(jnp.float32), axis=1),
    )
