"""``symworld/CrafterOO-v0``: Crafter-OO as a gymnasium environment.

Observations are the symbolic dict of :mod:`observation` (``observation_mode=
"local"``, or ``"full"`` for the whole state too). ``info`` carries the original's
keys: ``inventory`` and ``achievements`` as ``{name: int}`` dicts with crafter's
names, ``discount``, ``player_pos``, ``reward``, plus ``overflow``.
``reset(options={"state": state})`` starts from a given :class:`CrafterState`
(e.g. one built with :mod:`scenario`).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from gymnasium import spaces

from symworld.envs.crafter_oo import render as render_lib
from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.core import CrafterOO
from symworld.envs.crafter_oo.observation import observe
from symworld.envs.crafter_oo.state import CrafterState
from symworld.gym_shell import FunctionalGymEnv


def observation_space(mode: str = "local", capacity: int = rules.OBJECT_CAPACITY):
    """The ``Dict`` space of one observation (``mode`` "local" or "full")."""
    if mode not in ("local", "full"):
        raise ValueError(f"observation_mode must be 'local' or 'full', got {mode!r}")
    view = rules.LOCAL_VIEW
    entries = {
        "material": spaces.Box(0, rules.NUM_MATERIALS - 1, view, np.uint8),
        "objects": spaces.Box(0, rules.NUM_KINDS - 1, view, np.uint8),
        "inventory": spaces.Box(0, rules.ITEM_MAX, (rules.NUM_ITEMS,), np.int32),
        "vitals": spaces.Box(0, rules.ITEM_MAX, (4,), np.int32),
        "facing": spaces.Box(0, 3, (), np.int32),
        "sleeping": spaces.Box(0, 1, (), np.int32),
        "daylight": spaces.Box(0.0, 1.0, (1,), np.float32),
    }
    if mode == "full":
        big = np.iinfo(np.int32).max
        n = capacity
        entries.update(
            map_material=spaces.Box(0, rules.NUM_MATERIALS - 1, rules.AREA, np.uint8),
            map_objects=spaces.Box(0, rules.NUM_KINDS - 1, rules.AREA, np.uint8),
            player_pos=spaces.Box(0, rules.AREA[0] - 1, (2,), np.int32),
            step=spaces.Box(0, big, (), np.int32),
            achievements=spaces.Box(0, big, (rules.NUM_ACHIEVEMENTS,), np.int32),
            object_alive=spaces.Box(0, 1, (n,), np.int8),
            object_kind=spaces.Box(0, rules.NUM_KINDS - 1, (n,), np.int8),
            object_pos=spaces.Box(0, rules.AREA[0] - 1, (n, 2), np.int32),
            object_health=spaces.Box(0, big, (n,), np.int32),
            object_cooldown=spaces.Box(0, big, (n,), np.int32),
            object_reload=spaces.Box(0, big, (n,), np.int32),
            object_grown=spaces.Box(0, big, (n,), np.int32),
            object_facing=spaces.Box(0, 3, (n,), np.int32),
        )
    return spaces.Dict(entries)


def named_info(inventory: np.ndarray, achievements: np.ndarray) -> dict[str, Any]:
    """``inventory``/``achievements`` arrays -> the original's ``{name: int}`` dicts."""
    return {
        "inventory": {
            name: int(value) for name, value in zip(rules.ITEMS, inventory, strict=True)
        },
        "achievements": {
            name: int(value)
            for name, value in zip(rules.ACHIEVEMENTS, achievements, strict=True)
        },
    }


class CrafterOOEnv(FunctionalGymEnv):
    """Crafter-OO as a gymnasium ``Env``.

    **Arguments:**

    - ``render_mode``: ``None``, ``"ansi"`` (text map) or ``"rgb_array"``.
    - ``observation_mode``: ``"local"`` (9 x 7 view, inventory, vitals, facing,
      sleeping, daylight) or ``"full"`` (also the whole map and object table).
    - ``render_view``: ``"local"`` (9 x 7 around the player) or ``"full"``.
    - ``capacity``: object table slots.

    Truncates at 10 000 steps itself (``truncated=True``), so it is registered
    without a ``TimeLimit``.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 10}

    def __init__(
        self,
        render_mode: str | None = None,
        observation_mode: str = "local",
        render_view: str = "local",
        capacity: int = rules.OBJECT_CAPACITY,
    ):
        super().__init__(CrafterOO(capacity), render_mode=render_mode)
        self.observation_space = observation_space(observation_mode, capacity)
        self.action_space = spaces.Discrete(rules.NUM_ACTIONS)
        self.observation_mode = observation_mode
        self.render_view = render_view
        full = observation_mode == "full"
        functional = self.functional

        def reset_observe(key, params):
            state = functional.reset(key, params)
            return state, observe(state, full)

        def step_observe(state, action, key, params):
            state, info = functional.step(state, action, key, params)
            return state, info, observe(state, full)

        self._reset_observe = jax.jit(reset_observe)
        self._step_observe = jax.jit(step_observe)
        self._observe_only = jax.jit(lambda state: observe(state, full))

    def _check_action(self, action: Any) -> int:
        return check_action(action)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super(FunctionalGymEnv, self).reset(seed=seed)
        if seed is not None or self._key is None:
            self._key = jax.random.key(int(self.np_random.integers(0, 2**31 - 1)))
        self._key, reset_key = jax.random.split(self._key)
        start = (options or {}).get("state")
        if start is not None:
            if not isinstance(start, CrafterState):
                raise TypeError(
                    "options['state'] must be a CrafterState, got "
                    f"{type(start).__name__}"
                )
            self.state = start
            obs = self._observe_only(start)
        else:
            self.state, obs = self._reset_observe(reset_key, self.params)
        player = self.state.player
        info = named_info(np.asarray(player.inventory), np.asarray(player.achievements))
        info["player_pos"] = np.array(player.pos)
        return _to_numpy(obs), info

    def step(
        self, action: Any
    ) -> tuple[dict[str, np.ndarray], float, bool, bool, dict]:
        if self.state is None:
            raise RuntimeError("call reset() before step()")
        action = self._check_action(action)
        self._key, step_key = jax.random.split(self._key)
        self.state, step_info, obs = self._step_observe(
            self.state, np.int32(action), step_key, self.params
        )
        step_info = jax.device_get(step_info)
        info = named_info(step_info["inventory"], step_info["achievements"])
        reward = float(step_info["reward"])
        info.update(
            discount=float(step_info["discount"]),
            player_pos=np.array(self.state.player.pos),
            reward=reward,
            overflow=int(step_info["overflow"]),
        )
        return (
            _to_numpy(obs),
            reward,
            bool(step_info["terminated"]),
            bool(step_info["truncated"]),
            info,
        )

    def render(self) -> str | np.ndarray | None:
        if self.render_mode is None or self.state is None:
            return None
        state = jax.device_get(self.state)
        if self.render_mode == "ansi":
            return render_lib.render_text(state, self.render_view)
        return render_lib.render_rgb(state, self.render_view)

    def close(self) -> None:
        self.state = None


def check_action(action: Any) -> int:
    """``action`` as an int in [0, 17), or a ``ValueError`` naming what is wrong."""
    value = np.asarray(action)
    if value.shape != () or not (
        np.issubdtype(value.dtype, np.integer)
        and not np.issubdtype(value.dtype, np.bool_)
    ):
        raise ValueError(
            f"invalid action {action!r}: expected one integer in "
            f"[0, {rules.NUM_ACTIONS})"
            f" ({', '.join(f'{i} {n}' for i, n in enumerate(rules.ACTIONS))})"
        )
    if not 0 <= int(value) < rules.NUM_ACTIONS:
        raise ValueError(
            f"invalid action {int(value)}: Crafter has {rules.NUM_ACTIONS} actions, "
            f"0..{rules.NUM_ACTIONS - 1}"
        )
    return int(value)


def _to_numpy(tree: Any) -> Any:
    return {name: np.array(value) for name, value in jax.device_get(tree).items()}
