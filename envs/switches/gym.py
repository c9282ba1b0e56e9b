"""``symworld/Switches-v0``: the switches world as a gymnasium environment."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from symworld.envs.switches.core import Switches
from symworld.gym_shell import FunctionalGymEnv


class SwitchesEnv(FunctionalGymEnv):
    """Observation ``MultiBinary(3)`` as int8 (toggle, coin, fixed); action
    ``Discrete(2)`` (0 no-op, 1 flip). Truncated after ``max_steps`` (100) steps;
    never terminated."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}
    observation_names = ("toggle", "coin", "fixed")

    def __init__(self, render_mode: str | None = None):
        super().__init__(Switches(), render_mode=render_mode)
        self.observation_space = spaces.MultiBinary(3)
        self.action_space = spaces.Discrete(2)

    def render(self) -> str | None:
        if self.render_mode != "ansi" or self.state is None:
            return None
        bits = np.asarray(self.functional.observation(self.state))
        return "toggle={} coin={} fixed={}".format(*bits.tolist())

    def _info(self, state: Any, step_info: dict[str, Any] | None) -> dict[str, Any]:
        return {"time": int(state.time)}
