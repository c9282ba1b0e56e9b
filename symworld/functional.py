"""The pure functional environment protocol that symworld's JAX environments follow.

A functional environment is a pair of pure functions over pytree states, compiled once
and vmapped freely:

- ``reset(key, params) -> state``
- ``step(state, action, key, params) -> (next_state, info)``

``info`` is a dict of arrays that holds at least ``"reward"`` (float32 scalar),
``"terminated"`` and ``"truncated"`` (bool scalars). ``observation(state, params)``
gives what an agent sees. Gymnasium shells (``symworld.envs.*.gym``) and the
:class:`symworld.worldmodel.EnvModel` oracle are written against this protocol only.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import jax

PyTree = Any


@runtime_checkable
class FunctionalEnv(Protocol):
    """Pure JAX environment: static shapes, explicit keys, no hidden state.

    **Attributes:**

    - ``default_params``: the environment's dynamic parameters (a pytree); may vary
      under ``vmap``.
    - ``num_actions``: the size of a discrete action space, or ``None`` for continuous
      actions.
    """

    default_params: PyTree

    def reset(self, key: jax.Array, params: PyTree = None) -> PyTree:
        """Sample an initial state."""
        ...

    def step(
        self, state: PyTree, action: jax.Array, key: jax.Array, params: PyTree = None
    ) -> tuple[PyTree, dict[str, jax.Array]]:
        """Advance one step; ``info`` has ``reward``, ``terminated``, ``truncated``."""
        ...

    def observation(self, state: PyTree, params: PyTree = None) -> PyTree:
        """What an agent sees of ``state``."""
        ...
