"""Action spaces that planners sample from: discrete or a box of reals."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class DiscreteActions(NamedTuple):
    """``n`` actions ``0..n-1``; an action is an int32 scalar."""

    n: int


class BoxActions(NamedTuple):
    """Real actions in ``[low, high]``; an action is a float32 vector ``(A,)``.

    ``low`` and ``high`` are tuples of floats of length ``A``.
    """

    low: tuple[float, ...]
    high: tuple[float, ...]

    @property
    def dim(self) -> int:
        return len(self.low)

    def bounds(self) -> tuple[jax.Array, jax.Array]:
        """``(low, high)`` as float32 arrays ``(A,)``."""
        return jnp.asarray(self.low, jnp.float32), jnp.asarray(self.high, jnp.float32)

    def centre(self) -> jax.Array:
        """float32 ``(A,)``: the middle of the box (the neutral warm start)."""
        low, high = self.bounds()
        return (low + high) / 2

    def centre_plan(self, horizon: int) -> jax.Array:
        """float32 ``(horizon, A)``: the centre action at every step."""
        return jnp.broadcast_to(self.centre(), (horizon, self.dim))


def box(low, high) -> BoxActions:
    """A :class:`BoxActions` from scalars or sequences (e.g. a gymnasium ``Box``)."""
    low = tuple(float(v) for v in np.ravel(low))
    high = tuple(float(v) for v in np.ravel(high))
    if len(low) != len(high) or any(h < lo for lo, h in zip(low, high, strict=True)):
        raise ValueError(f"invalid box bounds low={low}, high={high}")
    return BoxActions(low, high)


def from_gymnasium(space) -> DiscreteActions | BoxActions:
    """The planner space of a gymnasium ``Discrete`` or ``Box`` action space."""
    from gymnasium import spaces

    if isinstance(space, spaces.Discrete):
        if int(space.start) != 0:
            raise ValueError("only Discrete spaces that start at 0 are supported")
        return DiscreteActions(int(space.n))
    if isinstance(space, spaces.Box):
        return box(space.low, space.high)
    raise ValueError(f"unsupported action space {space}; use Discrete or Box")
