"""Exploration hints for Crafter-OO (``symworld/CrafterOO-v0``).

Two facts, which one life cannot learn safely: stepping onto lava ends the life
at once (Crafter's ``Player._move`` sets health to 0 on a lava cell), so the
explorer must never step onto a lava cell; and ``sleep`` starts a mode in which
every action is ignored until energy is full, while a zombie deals 7 damage to
a sleeper, so sleeping is never tried at random (a first try at night is
usually fatal), only when energy is low and no threat is near or in a sealed
den. And the night: the number of zombies a grassy chunk is kept at rises as
``3.5 - 3 * daylight`` (two or more below daylight 0.5), which one life learns
only by living through a first night in the open; the hint names the
``daylight`` attribute and the level 0.5 below which the explorer stays in a
sealed den. Everything else the explorer needs (which
way the player faces, which actions move it, which cells it can walk on, the
object kinds, which vital each action restores, which creatures hurt) it learns
while it explores.
"""

from __future__ import annotations

from symworld.envs.crafter_oo import rules
from symworld.induction.hints import ExplorationHints

HINTS = ExplorationHints(
    hazards=(rules.LAVA,),
    rest_actions=(rules.SLEEP,),
    dark=("daylight", 0.5),
    source=(
        "Crafter-OO: entering lava is fatal; sleeping leaves the player defenceless; "
        "zombies crowd the grass below daylight 0.5"
    ),
)
