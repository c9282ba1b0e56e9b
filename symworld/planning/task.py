"""Tasks: what a planner is asked to achieve, as functions of world-model states.

A :class:`Task` scores a transition with :meth:`Task.reward` and says when the goal is
reached with :meth:`Task.success`. Planners maximise the sum of rewards over imagined
transitions; once a rollout has reached the goal its later rewards are not counted
(the goal is absorbing), so a plan that reaches the goal early is never penalised for
what happens afterwards.

Tasks are ``equinox`` modules: array fields are traced, so one compiled planner serves
every task of the same class and shape. :class:`PotentialTask` builds the common
shaped form ``reward = potential(next_state) - potential(state)``, which sums to
``potential(s_T) - potential(s_0)`` and therefore does not change which plans are
optimal for the potential's own goal.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

PyTree = Any


class Task(eqx.Module):
    """Abstract task over the states of one world model."""

    @abc.abstractmethod
    def reward(self, state: PyTree, action: PyTree, next_state: PyTree) -> jax.Array:
        """Reward of one transition (float32 scalar)."""

    def success(self, state: PyTree) -> jax.Array:
        """Whether ``state`` satisfies the goal (bool scalar); never, by default."""
        return jnp.bool_(False)


class FunctionTask(Task):
    """A task from plain functions.

    **Arguments:**

    - ``reward_fn``: ``(state, action, next_state) -> float32 scalar``.
    - ``success_fn``: ``state -> bool scalar`` or ``None`` (never succeeds).
    - ``name``: a label for reports.
    """

    reward_fn: Callable = eqx.field(static=True)
    success_fn: Callable | None = eqx.field(static=True, default=None)
    name: str = eqx.field(static=True, default="task")

    def reward(self, state, action, next_state):
        return jnp.asarray(self.reward_fn(state, action, next_state), jnp.float32)

    def success(self, state):
        if self.success_fn is None:
            return jnp.bool_(False)
        return jnp.asarray(self.success_fn(state), bool)


class PotentialTask(Task):
    """Potential-based task: ``reward = potential(s') - potential(s)``.

    Subclasses implement :meth:`potential` (float32 scalar, larger is closer to the
    goal) and :meth:`success`.
    """

    @abc.abstractmethod
    def potential(self, state: PyTree) -> jax.Array:
        """Progress towards the goal (float32 scalar)."""

    def reward(self, state, action, next_state):
        return self.potential(next_state) - self.potential(state)
