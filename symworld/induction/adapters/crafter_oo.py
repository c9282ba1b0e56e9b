"""Exploration hints for Crafter-OO (``symworld/CrafterOO-v0``).

One fact, which one life cannot learn: stepping onto lava ends the life at once
(Crafter's ``Player._move`` sets health to 0 on a lava cell), so the explorer
must never step onto a lava cell. Everything else the explorer needs (which
way the player faces, which actions move it, which cells it can walk on, the
object kinds, which vital each action restores, which creatures hurt) it learns
while it explores.
"""

from __future__ import annotations

from symworld.envs.crafter_oo import rules
from symworld.induction.hints import ExplorationHints

HINTS = ExplorationHints(
    hazards=(rules.LAVA,),
    source="Crafter-OO: entering lava is fatal",
)
