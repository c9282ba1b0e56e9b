"""Piecewise-linear latent models: PLRNN, shallow PLRNN and the almost-linear RNN.

Every model maps a latent state ``z`` of shape ``(M,)`` (float32) one time step
forward, ``z_t = F(z_{t-1})``, and is read out by the *identity observation model*:
the first ``N`` latent units are the observation, ``x_t = z_t[:N]``. The initial
latent state of a window is inferred from its first observation by a trained linear
map ``L`` of shape ``(M - N, N)``: ``z_0 = [x_0 ; L x_0]``.

- :class:`ALRNN`: ``z_t = A * z_{t-1} + W phi(z_{t-1}) + h`` where ``phi`` rectifies
  only the last ``P`` units. Inside one of its ``2**P`` linear subregions the map is
  affine, ``z_t = (diag(A) + W D) z_{t-1} + h`` with ``D`` the 0/1 diagonal of active
  units (linear units always active). ``W`` is a full matrix, as in the AL-RNN paper;
  the linear self-coupling of unit ``i`` is therefore ``A_i + W_ii``.
- :class:`PLRNN`: the vanilla PLRNN, ``z_t = A * z + W relu(z) + h`` with ``W`` kept
  off-diagonal (its diagonal is masked out, so it gets no gradient).
- :class:`ShallowPLRNN`: ``z_t = A * z + W1 relu(W2 z + h2) + h1`` with ``L`` hidden
  units; ``clipped=True`` uses ``W1 (relu(W2 z + h2) - relu(W2 z))``, bounded.

Initialisation follows the papers: ``A`` is the diagonal of the normalised positive
definite matrix ``K / lambda_max(K)``, ``K = R^T R / M + I`` with ``R ~ N(0, 1)``;
``h = 0``; AL-RNN ``W ~ N(0, 0.01^2)``; PLRNN ``W`` the off-diagonal part of the same
normalised matrix; shallow PLRNN ``W1 ~ U(+-1/sqrt(L))``, ``W2 ~ U(+-1/sqrt(M))``;
``L`` Glorot-uniform.
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax
import jax.numpy as jnp


def normalized_positive_definite(size: int, *, key: jax.Array) -> jax.Array:
    """``K / lambda_max(K)``, ``K = R^T R / size + I``, ``R ~ N(0, 1)``; square.

    Its eigenvalues lie in ``(0, 1]`` (Talathi & Vartak's initialisation).
    """
    r = jax.random.normal(key, (size, size))
    k = r.T @ r / size + jnp.eye(size)
    return k / jnp.max(jnp.linalg.eigvalsh(k))


def glorot_uniform(shape: tuple[int, int], *, key: jax.Array) -> jax.Array:
    """Uniform on ``+-sqrt(6 / (fan_in + fan_out))``; ``shape`` is ``(out, in)``."""
    if shape[0] == 0 or shape[1] == 0:
        return jnp.zeros(shape)
    limit = jnp.sqrt(6.0 / (shape[0] + shape[1]))
    return jax.random.uniform(key, shape, minval=-limit, maxval=limit)


class LatentModel(eqx.Module):
    """A latent map with identity readout of the first ``num_observed`` units.

    Subclasses define :meth:`step` and :meth:`jacobian`. Shapes: latent ``(M,)``,
    observation ``(N,)``, float32.
    """

    observation_map: jax.Array  # L, (M - N, N)

    @property
    @abc.abstractmethod
    def num_latent(self) -> int:
        """``M``, the latent dimension."""

    @property
    def num_observed(self) -> int:
        """``N``, the observed dimension (the first ``N`` latent units)."""
        return self.observation_map.shape[1]

    @abc.abstractmethod
    def step(self, z: jax.Array) -> jax.Array:
        """One step of the latent map: ``(M,) -> (M,)``."""

    def jacobian(self, z: jax.Array) -> jax.Array:
        """``dF/dz`` at ``z``: ``(M, M)``."""
        return jax.jacfwd(self.step)(z)

    def init_state(self, x: jax.Array) -> jax.Array:
        """Latent state from an observation: ``(N,) -> (M,)``, ``[x ; L x]``."""
        return jnp.concatenate([x, self.observation_map @ x])

    def readout(self, z: jax.Array) -> jax.Array:
        """Observation of a latent state: ``(..., M) -> (..., N)``."""
        return z[..., : self.num_observed]

    def generate(self, z0: jax.Array, steps: int) -> jax.Array:
        """Free run of ``steps`` steps from ``z0``: ``(steps, M)`` latent states
        ``z_1 ... z_steps`` (``z0`` not included)."""

        def body(z, _):
            following = self.step(z)
            return following, following

        _, states = jax.lax.scan(body, z0, None, length=steps)
        return states


class ALRNN(LatentModel):
    """Almost-linear RNN: ``M`` latent units, the last ``P`` rectified.

    **Arguments:**

    - ``num_latent``: ``M``.
    - ``num_relu``: ``P`` (``0 <= P <= M``).
    - ``num_observed``: ``N <= M``; the first ``N`` units are the observation.
    - ``key``: PRNG key for the initialisation.

    Fields: ``A`` ``(M,)``, ``W`` ``(M, M)``, ``h`` ``(M,)``, ``observation_map``
    ``(M - N, N)``.
    """

    A: jax.Array
    W: jax.Array
    h: jax.Array
    num_relu: int = eqx.field(static=True)

    def __init__(
        self, num_latent: int, num_relu: int, num_observed: int, *, key: jax.Array
    ):
        if not 0 <= num_relu <= num_latent:
            raise ValueError(f"num_relu must lie in [0, {num_latent}], got {num_relu}")
        if not 0 < num_observed <= num_latent:
            raise ValueError(
                f"num_observed must lie in [1, num_latent={num_latent}], "
                f"got {num_observed}"
            )
        key_a, key_w, key_l = jax.random.split(key, 3)
        self.A = jnp.diag(normalized_positive_definite(num_latent, key=key_a))
        self.W = 0.01 * jax.random.normal(key_w, (num_latent, num_latent))
        self.h = jnp.zeros(num_latent)
        self.observation_map = glorot_uniform(
            (num_latent - num_observed, num_observed), key=key_l
        )
        self.num_relu = num_relu

    @property
    def num_latent(self) -> int:
        return self.A.shape[0]

    @property
    def num_linear(self) -> int:
        """``M - P``, the number of linear units."""
        return self.num_latent - self.num_relu

    def activation(self, z: jax.Array) -> jax.Array:
        """``phi(z)``: the first ``M - P`` units unchanged, the last ``P`` rectified."""
        linear = jnp.arange(self.num_latent) < self.num_linear
        return jnp.where(linear, z, jnp.maximum(z, 0.0))

    def step(self, z: jax.Array) -> jax.Array:
        return self.A * z + self.W @ self.activation(z) + self.h

    def active_units(self, z: jax.Array) -> jax.Array:
        """The diagonal of ``D`` at ``z``: ``(M,)`` float, 1 for linear units and for
        rectified units with ``z_i > 0``."""
        linear = jnp.arange(self.num_latent) < self.num_linear
        return jnp.where(linear | (z > 0), 1.0, 0.0)

    def jacobian(self, z: jax.Array) -> jax.Array:
        return jnp.diag(self.A) + self.W * self.active_units(z)[None, :]


class PLRNN(LatentModel):
    """Vanilla PLRNN ``z_t = A * z + W relu(z) + h`` with off-diagonal ``W``.

    Fields: ``A`` ``(M,)``, ``W`` ``(M, M)`` (its diagonal is ignored), ``h`` ``(M,)``,
    ``observation_map`` ``(M - N, N)``.
    """

    A: jax.Array
    W: jax.Array
    h: jax.Array

    def __init__(self, num_latent: int, num_observed: int, *, key: jax.Array):
        if not 0 < num_observed <= num_latent:
            raise ValueError(
                f"num_observed must lie in [1, num_latent={num_latent}], "
                f"got {num_observed}"
            )
        key_a, key_l = jax.random.split(key)
        matrix = normalized_positive_definite(num_latent, key=key_a)
        self.A = jnp.diag(matrix)
        self.W = matrix * (1.0 - jnp.eye(num_latent))
        self.h = jnp.zeros(num_latent)
        self.observation_map = glorot_uniform(
            (num_latent - num_observed, num_observed), key=key_l
        )

    @property
    def num_latent(self) -> int:
        return self.A.shape[0]

    def coupling(self) -> jax.Array:
        """``W`` with its diagonal zeroed: ``(M, M)``."""
        return self.W * (1.0 - jnp.eye(self.num_latent))

    def step(self, z: jax.Array) -> jax.Array:
        return self.A * z + self.coupling() @ jnp.maximum(z, 0.0) + self.h

    def jacobian(self, z: jax.Array) -> jax.Array:
        return jnp.diag(self.A) + self.coupling() * (z > 0)[None, :]


class ShallowPLRNN(LatentModel):
    """Shallow PLRNN ``z_t = A * z + W1 relu(W2 z + h2) + h1`` with ``L`` hidden units.

    **Arguments:**

    - ``num_latent``: ``M``; ``num_hidden``: ``L``; ``num_observed``: ``N <= M``.
    - ``clipped``: use the bounded form ``W1 (relu(W2 z + h2) - relu(W2 z))``.
    - ``key``: PRNG key.

    Fields: ``A`` ``(M,)``, ``W1`` ``(M, L)``, ``W2`` ``(L, M)``, ``h1`` ``(M,)``,
    ``h2`` ``(L,)``, ``observation_map`` ``(M - N, N)``.
    """

    A: jax.Array
    W1: jax.Array
    W2: jax.Array
    h1: jax.Array
    h2: jax.Array
    clipped: bool = eqx.field(static=True)

    def __init__(
        self,
        num_latent: int,
        num_hidden: int,
        num_observed: int,
        *,
        clipped: bool = False,
        key: jax.Array,
    ):
        if not 0 < num_observed <= num_latent:
            raise ValueError(
                f"num_observed must lie in [1, num_latent={num_latent}], "
                f"got {num_observed}"
            )
        key_a, key_1, key_2, key_h, key_l = jax.random.split(key, 5)
        self.A = jnp.diag(normalized_positive_definite(num_latent, key=key_a))
        bound_1 = 1.0 / jnp.sqrt(num_hidden)
        bound_2 = 1.0 / jnp.sqrt(num_latent)
        self.W1 = jax.random.uniform(
            key_1, (num_latent, num_hidden), minval=-bound_1, maxval=bound_1
        )
        self.W2 = jax.random.uniform(
            key_2, (num_hidden, num_latent), minval=-bound_2, maxval=bound_2
        )
        self.h1 = jnp.zeros(num_latent)
        self.h2 = (
            jax.random.uniform(key_h, (num_hidden,), minval=-bound_1, maxval=bound_1)
            if clipped
            else jnp.zeros(num_hidden)
        )
        self.observation_map = glorot_uniform(
            (num_latent - num_observed, num_observed), key=key_l
        )
        self.clipped = clipped

    @property
    def num_latent(self) -> int:
        return self.A.shape[0]

    def step(self, z: jax.Array) -> jax.Array:
        pre = self.W2 @ z
        hidden = jnp.maximum(pre + self.h2, 0.0)
        if self.clipped:
            hidden = hidden - jnp.maximum(pre, 0.0)
        return self.A * z + self.W1 @ hidden + self.h1

    def jacobian(self, z: jax.Array) -> jax.Array:
        pre = self.W2 @ z
        gate = (pre + self.h2 > 0).astype(z.dtype)
        if self.clipped:
            gate = gate - (pre > 0).astype(z.dtype)
        return jnp.diag(self.A) + (self.W1 * gate[None, :]) @ self.W2


MODEL_KINDS = {"alrnn": ALRNN, "plrnn": PLRNN, "shplrnn": ShallowPLRNN}


def build_model(kind: str, config: dict, *, key: jax.Array) -> LatentModel:
    """A freshly initialised model from a JSON-able ``config`` (``kind`` one of
    :data:`MODEL_KINDS`; config keys are the constructor's keyword arguments)."""
    if kind not in MODEL_KINDS:
        raise ValueError(
            f"unknown model kind {kind!r}; expected one of {sorted(MODEL_KINDS)}"
        )
    return MODEL_KINDS[kind](**config, key=key)
