"""Optional exploration hints: small, documented facts about an environment that
the *explorer* may use to stay alive, and that the inducer never reads.

The explorer learns everything else from the schema's roles and from what it
sees (see :mod:`symworld.induction.exploration`). Some dangers cannot be
learnt in one life, because the first encounter ends it (a cell that kills on
entry): such facts are hints. Hints of an environment live in their own module,
registered here by gymnasium id and imported only when asked for
(:func:`hints_for`); :mod:`symworld.induction.inducer` imports none of them.
"""

from __future__ import annotations

import dataclasses
import importlib


@dataclasses.dataclass(frozen=True)
class ExplorationHints:
    """What an explorer may be told about an environment.

    - ``hazards``: values of the ``map`` grid the player must never step onto
      (an entry that ends the life).
    - ``kind``: the name of the object table's kind column, when the schema
      does not tag one with role ``entity.kind`` (otherwise inferred).
    - ``rest_actions``: actions that start a rest mode (the player sleeps and
      the environment ignores its actions until it wakes): never tried at
      random, only to restore a vital that nothing else restores, in a sealed
      den or when no creature that hurt the player is near.
    - ``dark``: ``(attribute, level)``: a scalar attribute of the state (light)
      below ``level`` (a fraction of its range, low to high) means that harmful
      creatures come out in numbers: the explorer prepares while it falls
      towards the level (tops up vitals, gathers what seals a den) and spends
      the time below it in a sealed den, resting there.
    - ``source``: where the hints come from, in words (for logs and docs).
    """

    hazards: tuple[int, ...] = ()
    rest_actions: tuple[int, ...] = ()
    kind: str | None = None
    dark: tuple[str, float] | None = None
    source: str = ""


# gymnasium id -> "module:attribute" of its ExplorationHints
REGISTRY: dict[str, str] = {
    "symworld/CrafterOO-v0": "symworld.induction.adapters.crafter_oo:HINTS",
}


def hints_for(env_id: str) -> ExplorationHints:
    """The registered hints of ``env_id`` (empty hints when none are)."""
    target = REGISTRY.get(env_id)
    if target is None:
        return ExplorationHints()
    module, name = target.split(":")
    hints = getattr(importlib.import_module(module), name)
    if not isinstance(hints, ExplorationHints):
        raise TypeError(f"{target} is not an ExplorationHints")
    return hints
