"""The cross-entropy method over action sequences, discrete and continuous.

Each iteration samples ``num_sequences`` sequences from the current distribution,
imagines them, and refits the distribution to the ``num_elites`` best, blended with
the previous distribution by ``smoothing`` (the weight kept on the old one).

- :class:`DiscreteCEM`: an independent categorical distribution per step,
  ``probs`` ``(horizon, n)``; the plan is the best sequence seen, and the best
  sequence so far is always one of the candidates (so a good plan is never lost to
  an unlucky sample).
- :class:`ContinuousCEM`: an independent Gaussian per step and action dimension,
  clipped to the box; the plan is the final mean.

Between calls the distribution is shifted by one step (warm start); the new last
step is uniform (discrete) or the box centre with the initial spread (continuous).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from symworld.planning.planner import Planner, PlanResult
from symworld.planning.shooting import shift
from symworld.planning.simulate import evaluate_sequences
from symworld.planning.spaces import BoxActions, DiscreteActions


class DiscreteCEM(Planner):
    """Cross-entropy method for discrete actions (see the module docstring).

    **Arguments:** ``space`` (:class:`DiscreteActions`), ``horizon``,
    ``num_sequences``, ``num_elites``, ``iterations``, ``smoothing`` (weight of the
    old distribution, in [0, 1)), ``num_particles``, ``discount``; ``exploration``:
    the weight of the uniform distribution mixed into the warm start.
    """

    space: DiscreteActions = eqx.field(static=True)
    horizon: int = eqx.field(static=True)
    num_sequences: int = eqx.field(static=True, default=256)
    num_elites: int = eqx.field(static=True, default=25)
    iterations: int = eqx.field(static=True, default=4)
    smoothing: float = eqx.field(static=True, default=0.2)
    num_particles: int = eqx.field(static=True, default=1)
    discount: float = eqx.field(static=True, default=1.0)
    exploration: float = eqx.field(static=True, default=0.2)

    def __check_init__(self):
        if not isinstance(self.space, DiscreteActions):
            raise ValueError("DiscreteCEM needs DiscreteActions; use ContinuousCEM")
        if not 0 < self.num_elites <= self.num_sequences:
            raise ValueError("need 0 < num_elites <= num_sequences")

    def init(self) -> tuple[jax.Array, jax.Array]:
        probs = jnp.full((self.horizon, self.space.n), 1.0 / self.space.n, jnp.float32)
        return probs, jnp.zeros((self.horizon,), jnp.int32)

    def plan(self, model, task, state, carry, key):
        n = self.space.n
        carry_probs, previous = carry

        def iteration(loop, key):
            probs, best_actions, best_value, best_success = loop
            sample_key, rollout_key = jax.random.split(key)
            candidates = jax.random.categorical(
                sample_key,
                jnp.log(probs + 1e-12),
                axis=-1,
                shape=(self.num_sequences, self.horizon),
            ).astype(jnp.int32)
            # The best plan so far (at first: the previous plan, shifted) competes.
            candidates = candidates.at[0].set(best_actions)
            outcome = evaluate_sequences(
                model,
                task,
                rollout_key,
                state,
                candidates,
                self.num_particles,
                self.discount,
            )
            order = jnp.argsort(-outcome.ret)
            elites = candidates[order[: self.num_elites]]
            frequencies = jnp.mean(jax.nn.one_hot(elites, n), axis=0)
            probs = self.smoothing * probs + (1 - self.smoothing) * frequencies
            top = order[0]
            better = outcome.ret[top] > best_value
            best_actions = jnp.where(better, candidates[top], best_actions)
            best_success = jnp.where(better, outcome.success[top], best_success)
            best_value = jnp.where(better, outcome.ret[top], best_value)
            return (probs, best_actions, best_value, best_success), None

        init = (
            carry_probs,
            previous,
            jnp.float32(-jnp.inf),
            jnp.float32(0.0),
        )
        (probs, actions, value, success), _ = jax.lax.scan(
            iteration, init, jax.random.split(key, self.iterations)
        )
        uniform = jnp.full((n,), 1.0 / n, jnp.float32)
        warm = shift(probs, uniform)
        warm = (1 - self.exploration) * warm + self.exploration * uniform
        return PlanResult(
            actions[0], actions, value, success, (warm, shift(actions, actions[-1]))
        )


class ContinuousCEM(Planner):
    """Cross-entropy method for box actions (see the module docstring).

    **Arguments:** ``space`` (:class:`BoxActions`), ``horizon``, ``num_sequences``,
    ``num_elites``, ``iterations``, ``smoothing``, ``num_particles``, ``discount``;
    ``init_std``: the initial standard deviation as a fraction of the box width
    (default 0.5); ``min_std``: the floor, same units.
    """

    space: BoxActions = eqx.field(static=True)
    horizon: int = eqx.field(static=True)
    num_sequences: int = eqx.field(static=True, default=256)
    num_elites: int = eqx.field(static=True, default=25)
    iterations: int = eqx.field(static=True, default=5)
    smoothing: float = eqx.field(static=True, default=0.1)
    num_particles: int = eqx.field(static=True, default=1)
    discount: float = eqx.field(static=True, default=1.0)
    init_std: float = eqx.field(static=True, default=0.5)
    min_std: float = eqx.field(static=True, default=0.02)

    def __check_init__(self):
        if not isinstance(self.space, BoxActions):
            raise ValueError("ContinuousCEM needs BoxActions; use DiscreteCEM")
        if not 0 < self.num_elites <= self.num_sequences:
            raise ValueError("need 0 < num_elites <= num_sequences")

    def init(self) -> jax.Array:
        return self.space.centre_plan(self.horizon)

    def plan(self, model, task, state, carry, key):
        low, high = self.space.bounds()
        width = high - low
        std0 = jnp.broadcast_to(self.init_std * width, carry.shape)

        def iteration(loop, key):
            mean, std = loop
            sample_key, rollout_key = jax.random.split(key)
            noise = jax.random.normal(
                sample_key, (self.num_sequences,) + mean.shape, jnp.float32
            )
            candidates = jnp.clip(mean + std * noise, low, high)
            outcome = evaluate_sequences(
                model,
                task,
                rollout_key,
                state,
                candidates,
                self.num_particles,
                self.discount,
            )
            elites = candidates[jnp.argsort(-outcome.ret)[: self.num_elites]]
            mean = self.smoothing * mean + (1 - self.smoothing) * elites.mean(0)
            std = self.smoothing * std + (1 - self.smoothing) * elites.std(0)
            return (mean, jnp.maximum(std, self.min_std * width)), None

        (mean, _), _ = jax.lax.scan(
            iteration, (carry, std0), jax.random.split(key, self.iterations)
        )
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
            mean[0],
            mean,
            final.ret[0],
            final.success[0],
            shift(mean, self.space.centre()),
        )
