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
    reached0 = task.success(state)

    def one_step(carry, inputs):
        current, ret, reached, steps = carry
        t, action = inputs
        following = model.sample(jax.random.fold_in(key, t), current, action)
        reward = task.reward(current, action, following)
        ret = ret + jnp.where(reached, 0.0, (discount**t) * reward)
        steps = steps + jnp.where(reached, 0, 1)
        reached = reached | task.success(following)
        return (following, ret, reached, steps), None

    init = (state, jnp.float32(0.0), reached0, jnp.int32(0))
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
    count = jax.tree_util.tree_leaves(sequences)[0].shape[0]
    keys = jax.random.split(key, (count, num_particles))

    def per_sequence(keys_row, actions):
        outcomes = jax.vmap(
            lambda k: imagine(model, task, k, state, actions, discount),
            axis_name=ROLLOUT_AXES[1],
        )(keys_row)
        return Outcome(
            jnp.mean(outcomes.ret),
            jnp.mean(outcomes.success.astype(jnp.float32)),
            jnp.mean(outcomes.steps.astype(jnp.float32)),
        )

    return jax.vmap(per_sequence, axis_name=ROLLOUT_AXES[0])(keys, sequences)
