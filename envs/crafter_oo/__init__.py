"""Crafter-OO: the Crafter 1.8.3 game in JAX with an object-oriented state.

- :mod:`~symworld.envs.crafter_oo.rules`: every number of the game.
- :mod:`~symworld.envs.crafter_oo.state`: the state pytree (``CrafterState``).
- :mod:`~symworld.envs.crafter_oo.core`: ``CrafterOO`` with pure ``reset``/``step``.
"""

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.core import CrafterOO
from symworld.envs.crafter_oo.state import (
    CrafterParams,
    CrafterState,
    ObjectTable,
    PlayerState,
)

__all__ = [
    "CrafterOO",
    "CrafterParams",
    "CrafterState",
    "ObjectTable",
    "PlayerState",
    "rules",
]
