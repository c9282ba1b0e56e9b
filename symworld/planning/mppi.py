"""Model-predictive path integral control (MPPI) for box actions.

Around the current mean plan ``U`` ``(horizon, A)``, ``num_sequences`` perturbed
plans ``U + noise_std * eps`` (clipped to the box) are imagined; the new mean is
their average weighted by ``softmax(returns / temperature)``. With ``temperature``
going to 0 this becomes random shooting around ``U``; large values average
uniformly. Returns are centred on the best one before the softmax, so the weights
are exact in float32 for any return scale.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from symworld.planning.planner import Planner, PlanResult
from symworld.planning.shooting import shift
from symworld.planning.simulate import evaluate_sequences
from symworld.planning.spaces import BoxActions


class MPPI(Planner):
    """MPPI (see the module docstring).

    **Arguments:**

    - ``space``: :class:`BoxActions`.
    - ``horizon``, ``num_sequences``, ``num_particles``, ``discount``.
    - ``temperature``: lambda, in units of return.
    - ``noise_std``: the perturbation's standard deviation as a fraction of the box
      width.
    - ``iterations``: weighted updates per call (1 is classic MPPI).
    """

    space: BoxActions = eqx.field(static=True)
    horizon: int = eqx.field(static=True)
    num_sequences: int = eqx.field(static=True, default=256)
    temperature: float = eqx.field(static=True, default=1.0)
    noise_std: float = eqx.field(static=True, default=0.25)
    iterations: int = eqx.field(static=True, default=1)
    num_particles: int = eqx.field(static=True, default=1)
    discount: float = eqx.field(static=True, default=1.0)

    def __check_init__(self):
        if not isinstance(self.space, BoxActions):
            raise ValueError("MPPI needs BoxActions")
        if not self.temperature > 0:
            raise ValueError("temperature must be positive")

    def init(self) -> jax.Array:
        return self.space.centre_plan(self.horizon)

    def plan(self, model, task, state, carry, key):
        low, high = self.space.bounds()
        std = self.noise_std * (high - low)

        def iteration(mean, key):
            sample_key, rollout_key = jax.random.split(key)
            noise = jax.random.normal(
                sample_key, (self.num_sequences,) + mean.shape, jnp.float32
            )
            candidates = jnp.clip(mean + std * noise, low, high)
            candidates = candidates.at[0].set(mean)  # keep the current plan
            outcome = evaluate_sequences(
                model,
                task,
                rollout_key,
                state,
                candidates,
                self.num_particles,
                self.discount,
            )
            weights = jax.nn.softmax(
                (outcome.ret - jnp.max(outcome.ret)) / self.temperature
            )
            return jnp.tensordot(weights, candidates, axes=1), None

        mean, _ = jax.lax.scan(iteration, carry, jax.random.split(key, self.iterations))
        final = evaluate_sequences(
            model,
            task,
            jax.random.fold_in(key, self.iterations),
            state,
            mean[None],
            self.num_particles,
            self.discount,
        )
        return PlanResult(
            mean[0], mean, final.ret[0], final.success[0], shift(mean, mean[-1])
        )
