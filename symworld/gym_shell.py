"""A thin stateful gymnasium shell around a pure :class:`FunctionalEnv`.

The shell owns one PRNG key and the current state; ``reset`` and ``step`` call the
environment's compiled pure functions and convert to NumPy at the boundary. Seeding
follows gymnasium's contract: ``reset(seed=s)`` re-seeds ``self.np_random`` and
the JAX key; a later ``reset()`` without a seed continues deterministically from it.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import jax
import numpy as np

from symworld.functional import FunctionalEnv


def to_numpy(tree: Any) -> Any:
    """Copy every leaf of a pytree of JAX arrays into a fresh NumPy array."""
    return jax.tree_util.tree_map(lambda leaf: np.array(leaf), tree)


class FunctionalGymEnv(gymnasium.Env):
    """Gymnasium ``Env`` over a functional environment.

    Subclasses set ``observation_space`` and ``action_space`` and may override
    :meth:`_observe` (state -> observation) and :meth:`_info`.

    **Arguments:**

    - ``functional``: the pure environment.
    - ``params``: its parameters (``None`` for the defaults).
    - ``render_mode``: ``None`` or one of ``metadata["render_modes"]``.
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        functional: FunctionalEnv,
        params: Any = None,
        render_mode: str | None = None,
    ):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode={render_mode!r} is not supported; "
                f"choose one of {self.metadata['render_modes']} or None"
            )
        self.functional = functional
        self.params = functional.default_params if params is None else params
        self.render_mode = render_mode
        self._reset = jax.jit(functional.reset)

        def advance(key, state, action, params):
            key, step_key = jax.random.split(key)
            following, step_info = functional.step(state, action, step_key, params)
            return key, following, step_info, functional.observation(following, params)

        # One compiled call per step: key split, dynamics and observation together.
        self._advance = jax.jit(advance)
        self._key: jax.Array | None = None
        self.state: Any = None

    def _observe(self, state: Any) -> Any:
        return to_numpy(self.functional.observation(state, self.params))

    def _info(self, state: Any, step_info: dict[str, Any] | None) -> dict[str, Any]:
        return {}

    def _check_action(self, action: Any) -> Any:
        if not self.action_space.contains(action):
            try:
                coerced = np.asarray(action, dtype=self.action_space.dtype)
            except (TypeError, ValueError):
                coerced = None
            if coerced is None or not self.action_space.contains(
                coerced.reshape(self.action_space.shape)
            ):
                raise ValueError(
                    f"invalid action {action!r}: not in the action space "
                    f"{self.action_space}"
                )
            action = coerced.reshape(self.action_space.shape)
        return action

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        self._key = jax.random.key(int(self.np_random.integers(0, 2**31 - 1)))
        self._key, reset_key = jax.random.split(self._key)
        self.state = self._reset(reset_key, self.params)
        return self._observe(self.state), self._info(self.state, None)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if self.state is None:
            raise RuntimeError("call reset() before step()")
        action = self._check_action(action)
        self._key, self.state, step_info, observation = self._advance(
            self._key, self.state, action, self.params
        )
        step_info, observation = jax.device_get((step_info, observation))
        return (
            to_numpy(observation),
            float(step_info["reward"]),
            bool(step_info["terminated"]),
            bool(step_info["truncated"]),
            self._info(self.state, step_info),
        )
