"""A batched Crafter-OO: ``gymnasium.make_vec("symworld/CrafterOO-v0", n)``.

All ``n`` games advance in one compiled ``jit(vmap(step))`` call. Autoreset mode is
``NEXT_STEP`` (declared in ``metadata``): the step after an episode ends ignores
that game's action and returns the first observation of a fresh world with reward
0 and ``terminated = truncated = False``. Fresh worlds are generated inside the same
compiled call, only for the games that need one, in chunks of
:data:`RESET_CHUNK` worlds.

``info`` is batched the gymnasium way: ``info["inventory"]["wood"]`` is an
``int32[n]`` array with the mask ``info["inventory"]["_wood"]``, and
``info["_inventory"]`` masks the whole entry.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from symworld.envs.crafter_oo import grid, rules
from symworld.envs.crafter_oo import render as render_lib
from symworld.envs.crafter_oo.core import CrafterOO, step_batch
from symworld.envs.crafter_oo.gym import observation_space
from symworld.envs.crafter_oo.observation import observe

RESET_CHUNK = 8  # worlds generated per round when games need a reset


def _replace_rows(batch, rows, index):
    """Write ``rows`` (leading axis k) into ``batch`` at ``index`` (k,), dropping
    out-of-range indices."""
    return jax.tree.map(lambda b, r: b.at[index].set(r, mode="drop"), batch, rows)


def make_batched_functions(env: CrafterOO, num_envs: int, full: bool):
    """The compiled ``reset(keys)`` and ``step(states, actions, key, needs_reset)``."""
    reset, step = batched_functions(env, num_envs, full)
    return jax.jit(reset), jax.jit(step)


def batched_functions(env: CrafterOO, num_envs: int, full: bool):
    """Pure (not yet compiled) batched ``reset`` and autoresetting ``step``.

    ``step(states, actions int32[n], key, needs_reset bool[n])`` returns
    ``(states, observation, reward, terminated, truncated, extras)``; games flagged
    in ``needs_reset`` get a fresh world instead of their step (NEXT_STEP).
    """
    reset_one = env.reset

    def reset(keys):
        states = jax.vmap(reset_one)(keys)
        return states, jax.vmap(lambda s: observe(s, full))(states)

    def step(states, actions, key, needs_reset):
        step_key, reset_key = jax.random.split(key)
        keys = jax.random.split(step_key, num_envs)
        stepped, info = step_batch(states, actions, keys, env.default_params)

        # Fresh worlds for the games whose episode ended on the previous step.
        rank = grid.prefix_sum(needs_reset) - 1
        total = needs_reset.sum()

        def generate(loop):
            start, batch = loop
            chunk_keys = jax.random.split(
                jax.random.fold_in(reset_key, start), RESET_CHUNK
            )
            fresh = jax.vmap(reset_one)(chunk_keys)
            wanted = start + jnp.arange(RESET_CHUNK)
            # The game that gets the k-th fresh world is the one of rank start + k.
            target = jnp.full(RESET_CHUNK, num_envs, jnp.int32)
            hit = needs_reset & (rank >= start) & (rank < start + RESET_CHUNK)
            target = target.at[jnp.where(hit, rank - start, RESET_CHUNK)].set(
                jnp.arange(num_envs, dtype=jnp.int32), mode="drop"
            )
            target = jnp.where(wanted < total, target, num_envs)
            return start + RESET_CHUNK, _replace_rows(batch, fresh, target)

        _, states = jax.lax.while_loop(
            lambda loop: loop[0] < total, generate, (jnp.int32(0), stepped)
        )
        zero = jnp.zeros_like(info["reward"])
        reward = jnp.where(needs_reset, zero, info["reward"])
        terminated = info["terminated"] & ~needs_reset
        truncated = info["truncated"] & ~needs_reset
        observation = jax.vmap(lambda s: observe(s, full))(states)
        extras = {
            "inventory": states.player.inventory,
            "achievements": states.player.achievements,
            "discount": jnp.where(needs_reset, 1.0, info["discount"]),
            "overflow": states.overflow,
        }
        return states, observation, reward, terminated, truncated, extras

    return reset, step


class CrafterOOVectorEnv(gymnasium.vector.VectorEnv):
    """``num_envs`` Crafter-OO games stepped together (see module docstring).

    **Arguments:**

    - ``num_envs``: number of games.
    - ``observation_mode``: ``"local"`` or ``"full"`` (as :class:`CrafterOOEnv`).
    - ``render_mode``: ``None``, ``"ansi"`` or ``"rgb_array"`` (renders game 0).
    - ``capacity``: object table slots.
    """

    metadata = {
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "render_modes": ["ansi", "rgb_array"],
        "render_fps": 10,
    }

    def __init__(
        self,
        num_envs: int = 1,
        observation_mode: str = "local",
        render_mode: str | None = None,
        capacity: int = rules.OBJECT_CAPACITY,
        **kwargs: Any,
    ):
        if int(num_envs) < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode={render_mode!r} is not supported; "
                f"choose one of {self.metadata['render_modes']} or None"
            )
        self.num_envs = int(num_envs)
        self.render_mode = render_mode
        self.functional = CrafterOO(capacity)
        self.single_observation_space = observation_space(observation_mode, capacity)
        self.single_action_space = gymnasium.spaces.Discrete(rules.NUM_ACTIONS)
        self.observation_space = batch_space(
            self.single_observation_space, self.num_envs
        )
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._reset_fn, self._step_fn = make_batched_functions(
            self.functional, self.num_envs, observation_mode == "full"
        )
        self._key: jax.Array | None = None
        self._needs_reset = np.zeros(self.num_envs, bool)
        self.states = None

    def reset(
        self,
        *,
        seed: int | list[int] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        if isinstance(seed, (list, tuple, np.ndarray)):
            raise ValueError(
                "CrafterOOVectorEnv takes one integer seed for all games "
                "(each game gets its own key derived from it)"
            )
        super().reset(seed=seed)
        if seed is not None or self._key is None:
            self._key = jax.random.key(int(self.np_random.integers(0, 2**31 - 1)))
        self._key, reset_key = jax.random.split(self._key)
        self.states, observation = self._reset_fn(
            jax.random.split(reset_key, self.num_envs)
        )
        self._needs_reset = np.zeros(self.num_envs, bool)
        return _host(observation), {}

    def step(self, actions: Any):
        if self.states is None:
            raise RuntimeError("call reset() before step()")
        actions = np.asarray(actions)
        if (
            actions.shape != (self.num_envs,)
            or not np.issubdtype(actions.dtype, np.integer)
            or np.issubdtype(actions.dtype, np.bool_)
            or actions.min() < 0
            or actions.max() >= rules.NUM_ACTIONS
        ):
            raise ValueError(
                f"invalid actions: expected {self.num_envs} integers in "
                f"[0, {rules.NUM_ACTIONS}), got {actions!r}"
            )
        self._key, step_key = jax.random.split(self._key)
        self.states, observation, reward, terminated, truncated, extras = self._step_fn(
            self.states, jnp.asarray(actions, jnp.int32), step_key, self._needs_reset
        )
        reward, terminated, truncated, extras = jax.device_get(
            (reward, terminated, truncated, extras)
        )
        terminated = np.asarray(terminated, bool)
        truncated = np.asarray(truncated, bool)
        self._needs_reset = terminated | truncated
        return (
            _host(observation),
            np.asarray(reward, np.float32),
            terminated,
            truncated,
            self._batched_info(extras),
        )

    def _batched_info(self, extras: dict[str, np.ndarray]) -> dict[str, Any]:
        every = np.ones(self.num_envs, bool)
        inventory = {}
        for index, name in enumerate(rules.ITEMS):
            inventory[name] = np.asarray(extras["inventory"][:, index])
            inventory[f"_{name}"] = every
        achievements = {}
        for index, name in enumerate(rules.ACHIEVEMENTS):
            achievements[name] = np.asarray(extras["achievements"][:, index])
            achievements[f"_{name}"] = every
        return {
            "inventory": inventory,
            "_inventory": every,
            "achievements": achievements,
            "_achievements": every,
            "discount": np.asarray(extras["discount"], np.float32),
            "_discount": every,
            "overflow": np.asarray(extras["overflow"]),
            "_overflow": every,
        }

    def render(self) -> str | np.ndarray | None:
        if self.render_mode is None or self.states is None:
            return None
        first = jax.device_get(jax.tree.map(lambda leaf: leaf[0], self.states))
        if self.render_mode == "ansi":
            return render_lib.render_text(first)
        return render_lib.render_rgb(first)

    def close_extras(self, **kwargs: Any) -> None:
        self.states = None


def _host(tree: dict[str, Any]) -> dict[str, np.ndarray]:
    return {name: np.array(value) for name, value in jax.device_get(tree).items()}
