"""Random shooting: imagine many random action sequences, keep the best."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from symworld.planning.planner import Planner, PlanResult
from symworld.planning.simulate import evaluate_sequences
from symworld.planning.spaces import BoxActions, DiscreteActions


def sample_uniform(
    key: jax.Array, space: DiscreteActions | BoxActions, shape: tuple[int, ...]
) -> jax.Array:
    """Uniform actions of ``space``: int32 ``shape`` or float32 ``shape + (A,)``."""
    if isinstance(space, DiscreteActions):
        return jax.random.randint(key, shape, 0, space.n, dtype=jnp.int32)
    low, high = space.bounds()
    return jax.random.uniform(key, shape + (space.dim,), jnp.float32, low, high)


def shift(actions: jax.Array, fill: jax.Array) -> jax.Array:
    """Drop the first step of a plan and append ``fill`` (one action) at the end."""
    return jnp.concatenate([actions[1:], fill[None]], axis=0)


class RandomShooting(Planner):
    """Random shooting (model-predictive control with uniform proposals).

    ``num_sequences`` uniform sequences of length ``horizon`` plus the previous
    plan shifted by one step (its last action held) are each imagined
    ``num_particles`` times; the one with the highest mean return is chosen.

    **Arguments:**

    - ``space``: :class:`DiscreteActions` or :class:`BoxActions`.
    - ``horizon``: steps per sequence.
    - ``num_sequences``: candidates per call.
    - ``num_particles``: imagined rollouts per candidate (for stochastic models).
    - ``discount``: per-step discount of rewards.
    """

    space: DiscreteActions | BoxActions = eqx.field(static=True)
    horizon: int = eqx.field(static=True)
    num_sequences: int = eqx.field(static=True, default=256)
    num_particles: int = eqx.field(static=True, default=1)
    discount: float = eqx.field(static=True, default=1.0)

    def init(self) -> jax.Array:
        return sample_uniform(jax.random.key(0), self.space, (self.horizon,))

    def plan(self, model, task, state, carry, key):
        sample_key, rollout_key = jax.random.split(key)
        candidates = sample_uniform(
            sample_key, self.space, (self.num_sequences, self.horizon)
        )
        candidates = jnp.concatenate([carry[None], candidates], axis=0)
        outcome = evaluate_sequences(
            model,
            task,
            rollout_key,
            state,
            candidates,
            self.num_particles,
            self.discount,
        )
        best = jnp.argmax(outcome.ret)
        actions = candidates[best]
        return PlanResult(
            actions[0],
            actions,
            outcome.ret[best],
            outcome.success[best],
            shift(actions, actions[-1]),
        )
