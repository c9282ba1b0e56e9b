"""The planner interface and the compiled entry point :func:`plan`.

A planner is an ``equinox`` module whose fields are all static configuration
(horizon, population, ...). :func:`plan` is one ``eqx.filter_jit``-compiled function
of ``(planner, model, task, state, carry, key)``: the model and the task are
*arguments*, so their arrays are traced and a receding-horizon loop that replans
every step compiles once per (planner, model class, task class, shapes) and never
again. ``carry`` is the planner's warm start (for example the previous plan shifted
by one step), returned in :class:`PlanResult` for the next call.
"""

from __future__ import annotations

import abc
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from symworld.planning.task import Task
from symworld.worldmodel import WorldModel

PyTree = Any

# Number of times :func:`plan` has been traced (compiled), for tests and logs.
TRACE_COUNT = {"plan": 0}


class PlanResult(NamedTuple):
    """One planning call.

    - ``action``: the action to take now (int32 scalar or float32 ``(A,)``).
    - ``actions``: the chosen plan, leading axis ``horizon``.
    - ``value``: float32, its estimated return (mean over particles).
    - ``success``: float32, the estimated probability that it reaches the goal.
    - ``carry``: the warm start for the next call.
    """

    action: jax.Array
    actions: jax.Array
    value: jax.Array
    success: jax.Array
    carry: PyTree


class Planner(eqx.Module):
    """Abstract planner over action sequences of length ``horizon``."""

    @abc.abstractmethod
    def init(self) -> PyTree:
        """The carry of the first call."""

    @abc.abstractmethod
    def plan(
        self,
        model: WorldModel,
        task: Task,
        state: PyTree,
        carry: PyTree,
        key: jax.Array,
    ) -> PlanResult:
        """Choose an action for ``state`` (traceable; call through :func:`plan`)."""


@eqx.filter_jit
def _plan(planner, model, task, state, carry, key):
    TRACE_COUNT["plan"] += 1
    return planner.plan(model, task, state, carry, key)


def plan(
    planner: Planner,
    model: WorldModel,
    task: Task,
    state: PyTree,
    carry: PyTree = None,
    *,
    key: jax.Array,
) -> PlanResult:
    """Plan from ``state`` with ``model`` for ``task``; compiled once per signature.

    ``carry`` ``None`` means ``planner.init()``. ``key`` is a JAX PRNG key
    (``jax.random.key(seed)``); an integer seed is refused with that advice.
    """
    if not (
        isinstance(key, jax.Array)
        and (
            jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)
            or (key.dtype == jnp.uint32 and key.shape == (2,))
        )
    ):
        raise TypeError(
            f"key must be a JAX PRNG key such as jax.random.key(seed), got {key!r}"
        )
    if carry is None:
        carry = planner.init()
    return _plan(planner, model, task, state, carry, key)
