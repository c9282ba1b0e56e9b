"""Imagined returns: roll action sequences through a world model and score them.

Every function here is pure and traceable, written for ``vmap`` over candidate
sequences and particles. Step ``t`` of a rollout draws with
``jax.random.fold_in(key, t)``, the convention of
:meth:`symworld.worldmodel.WorldModel.rollout`, so the states imagined here are the
states ``model.rollout`` returns for the same key. Rewards are accumulated inside the
scan, so no trajectory of (possibly large) states is ever stored. The potential of a
:class:`~symworld.planning.task.PotentialTask` rides in the scan's carry, so each
imagined state's potential is computed once, not twice (same rewards).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from symworld.planning.task import PotentialTask, Task
from symworld.worldmodel import WorldModel

ROLLOUT_AXES = ("rollout",)
"""The ``axis_name`` of :func:`evaluate_sequences`' one ``vmap`` over every
(sequence, particle) rollout, as a tuple, for models that decide per batch (a law
model's ``sample(..., batch_axis=ROLLOUT_AXES)`` runs its focused laws)."""

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


def _carries_potential(task: Task) -> bool:
    """Whether ``task``'s reward is its own potential's change, so the rollout can
    carry the potential of the current state instead of recomputing it."""
    return (
        isinstance(task, PotentialTask)
        and type(task).reward is PotentialTask.reward  # not overridden
    )


def _start(task: Task, state: PyTree) -> tuple:
    """The scan's carry at ``state``: ``(state, potential, ret, reached, steps)``;
    ``potential`` is float32 (0 for a task that does not carry one)."""
    potential = task.potential(state) if _carries_potential(task) else 0.0
    return (
        state,
        jnp.float32(potential),
        jnp.float32(0.0),
        task.success(state),
        jnp.int32(0),
    )


def _step(model, task, key, discount, carry, t, action):
    """One imagined step of one rollout: ``carry`` as in :func:`_start`, and step
    ``t`` draws with ``jax.random.fold_in(key, t)``."""
    current, potential, ret, reached, steps = carry
    following = model.sample(jax.random.fold_in(key, t), current, action)
    if _carries_potential(task):
        # = task.reward(current, action, following), the same arithmetic.
        following_potential = task.potential(following)
        reward = following_potential - potential
    else:
        following_potential = potential
        reward = task.reward(current, action, following)
    ret = ret + jnp.where(reached, 0.0, (discount**t) * reward)
    steps = steps + jnp.where(reached, 0, 1)
    reached = reached | task.success(following)
    return following, following_potential, ret, reached, steps


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

    (_, _, ret, reached, steps), _ = jax.lax.scan(
        one_step, _start(task, state), (jnp.arange(horizon), actions)
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
    float32. The ``vmap`` over rollouts is named :data:`ROLLOUT_AXES`.
    """
    count, horizon = jax.tree_util.tree_leaves(sequences)[0].shape[:2]
    rollouts = count * num_particles
    keys = jax.random.split(key, (count, num_particles))
    keys = keys.reshape(rollouts, *keys.shape[2:])  # raw uint32 keys: (..., 2)

    # The scan is outermost and one vmap over all rollouts (sequence-major, the
    # particles of a sequence side by side) runs inside its step. vmap of a scan
    # re-batches the traced step (a fixpoint over the carry, once per vmap level,
    # each batching both branches of a law model's focus ``cond`` twice), which
    # took most of the tracing time of a law model's rollouts; and a second vmap
    # level would batch whatever the first level's custom batching rules (the
    # environment's batch-level object loop, issue #8) produce, a ``while_loop``
    # with a batched predicate that selects the whole state every turn. Every
    # rollout draws and computes as in :func:`imagine`.
    def one_step(carry, inputs):
        t, actions = inputs
        carry = jax.vmap(
            lambda k, c, a: _step(model, task, k, discount, c, t, a),
            axis_name=ROLLOUT_AXES[0],
        )(keys, carry, actions)
        return carry, None

    def per_rollout(x):
        x = jnp.asarray(x)
        return jnp.broadcast_to(x, (rollouts, *x.shape))

    init = jax.tree_util.tree_map(per_rollout, _start(task, state))
    time_major = jax.tree_util.tree_map(
        lambda x: jnp.repeat(jnp.swapaxes(x, 0, 1), num_particles, axis=1), sequences
    )
    (_, _, ret, reached, steps), _ = jax.lax.scan(
        one_step, init, (jnp.arange(horizon), time_major)
    )

    def mean_over_particles(x):
        return jnp.mean(x.astype(jnp.float32).reshape(count, num_particles), axis=1)

    return Outcome(*map(mean_over_particles, (ret, reached, steps)))
