"""The trained latent map as a :class:`~symworld.worldmodel.WorldModel`.

The state is the latent vector ``z`` ``(M,)`` float32; the dynamics are autonomous, so
the action is accepted and ignored: :meth:`ALRNNModel.rollout` takes
``actions=None`` with ``steps=T`` (or any actions with a leading axis ``T``, such as
``jnp.zeros((T, 0))``). With ``noise_std = 0`` the transition is the
deterministic map (``log_prob`` is 0 for the exact successor and ``-inf`` otherwise);
with ``noise_std > 0`` it is ``z' ~ N(F(z), noise_std^2 I)``, the Gaussian process
noise under which the model was trained.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from symworld.alrnn.models import LatentModel
from symworld.worldmodel import PyTree, WorldModel


def _check_shape(label: str, value: jax.Array, size: int) -> None:
    if value.shape != (size,):
        raise ValueError(f"{label} must have shape ({size},), got shape {value.shape}")


class ALRNNModel(WorldModel):
    """A :class:`~symworld.alrnn.models.LatentModel` as a world model.

    **Arguments:**

    - ``latent_model``: the trained model (AL-RNN, PLRNN or shallow PLRNN).
    - ``noise_std``: Gaussian transition noise (latent units); 0 for deterministic.

    The map is action-free: roll out ``T`` latent states ``(T, M)`` with
    ``rollout(key, z, None, steps=T)`` (actions, if given, are ignored) and ``B``
    of them with ``batch_rollout(model, key, zs, None, steps=T)``.
    """

    latent_model: LatentModel
    noise_std: float = eqx.field(static=True)

    def __init__(self, latent_model: LatentModel, noise_std: float = 0.0):
        if not (math.isfinite(noise_std) and noise_std >= 0):
            raise ValueError(f"noise_std must be finite and >= 0, got {noise_std}")
        self.latent_model = latent_model
        self.noise_std = float(noise_std)

    def initial_state(self, observation: jax.Array) -> jax.Array:
        """Latent state ``(M,)`` inferred from one observation ``(N,)``."""
        observation = jnp.asarray(observation, jnp.float32)
        _check_shape("observation", observation, self.latent_model.num_observed)
        return self.latent_model.init_state(observation)

    def observe(self, state: jax.Array) -> jax.Array:
        """The observation ``(..., N)`` of latent states ``(..., M)``."""
        return self.latent_model.readout(state)

    def sample(self, key: jax.Array, state: PyTree, action: PyTree) -> PyTree:
        mean = self._step(state)
        if self.noise_std == 0.0:
            return mean
        return mean + self.noise_std * jax.random.normal(key, mean.shape, mean.dtype)

    def _step(self, state: jax.Array) -> jax.Array:
        if jnp.shape(state) != (self.latent_model.num_latent,):
            raise ValueError(
                f"state must be a latent vector of shape "
                f"({self.latent_model.num_latent},), got shape {jnp.shape(state)}; "
                "map an observation to one with initial_state"
            )
        return self.latent_model.step(state)

    def log_prob(self, state: PyTree, action: PyTree, next_state: PyTree) -> jax.Array:
        mean = self._step(state)
        if self.noise_std == 0.0:
            exact = jnp.all(next_state == mean)
            return jnp.where(exact, 0.0, -jnp.inf).astype(jnp.float32)
        residual = (next_state - mean) / self.noise_std
        dimension = mean.shape[0]
        return (
            -0.5 * jnp.sum(residual**2)
            - dimension * jnp.log(self.noise_std)
            - 0.5 * dimension * jnp.log(2 * jnp.pi)
        ).astype(jnp.float32)
