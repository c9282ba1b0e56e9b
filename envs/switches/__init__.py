"""Switches: three binary switches, the smallest mixed deterministic/stochastic world.

- ``toggle`` flips when the action is 1 and stays otherwise (deterministic);
- ``coin`` takes a fresh fair random value every step (p = 0.5);
- ``fixed`` never changes.

See :mod:`symworld.envs.switches.core` for the pure dynamics and
:mod:`symworld.envs.switches.gym` for the gymnasium ``symworld/Switches-v0``.
"""

from symworld.envs.switches.core import Switches, SwitchesParams, SwitchesState

__all__ = ["Switches", "SwitchesParams", "SwitchesState"]
