"""Distractor next states: seeded, plausible-but-wrong edits of the true next state.

A mutator reads the schema's attribute *roles* (``Attribute.role``) to find what
to edit, so the same mutators serve every environment whose schema tags its
attributes:

====================  =====================================================
role                  meaning
====================  =====================================================
``player.health``     the player's health (scalar)
``player.position``   the player's coordinates (one scalar attribute per axis)
``inventory.*``       inventory counts (``inventory.material``, ``.tool``, ...)
``entity.alive``      the object table's alive mask (birth and death)
``entity.health``     object health column
``entity.position``   object coordinate columns
``map``               the material map
anything else         a generic attribute (edited by :class:`AttributeMutator`)
====================  =====================================================

Every mutator works on encoded states (int32 ``(N,)``) and draws from the
``numpy.random.Generator`` it is given; it returns ``None`` when it cannot make a
distractor for this transition. Mutations start from the *true next state*, so a
distractor differs from the truth exactly in the mechanic it tests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from symworld.programs.attributes import Attribute, Schema


def _attributes(schema: Schema, role: str) -> list[tuple[int, Attribute]]:
    """Attributes whose role equals ``role`` or starts with ``role + '.'``."""
    return [
        (k, a)
        for k, a in enumerate(schema.attributes)
        if a.role == role or a.role.startswith(role + ".")
    ]


def _alive_rows(schema: Schema, state: np.ndarray, size: int) -> np.ndarray:
    """Rows of the object table that are alive in ``state`` (all if no mask)."""
    offsets = schema.offsets
    for k, attribute in _attributes(schema, "entity.alive"):
        if attribute.size == size:
            return np.nonzero(state[offsets[k] : offsets[k + 1]] != 0)[0]
    return np.arange(size)


@dataclasses.dataclass(frozen=True)
class Mutator:
    """Base class. ``actions``: the actions on which the mutator applies (``None``:
    all). Subclasses implement :meth:`edit`."""

    name: str
    category: str
    actions: tuple[int, ...] | None = None

    def __call__(
        self,
        rng: np.random.Generator,
        schema: Schema,
        previous: np.ndarray,
        action: int,
        truth: np.ndarray,
    ) -> np.ndarray | None:
        if self.actions is not None and int(action) not in self.actions:
            return None
        candidate = self.edit(rng, schema, previous, action, np.array(truth, copy=True))
        if candidate is None or np.array_equal(candidate, truth):
            return None
        return candidate

    def edit(self, rng, schema, previous, action, candidate):  # pragma: no cover
        raise NotImplementedError


def _other_value(rng: np.random.Generator, attribute: Attribute, value: int) -> int:
    if attribute.domain_size < 2:
        return value
    draw = int(rng.integers(attribute.low, attribute.high))
    return draw + 1 if draw >= value else draw


@dataclasses.dataclass(frozen=True)
class AttributeMutator(Mutator):
    """Give one site of an attribute with role ``role`` another in-domain value."""

    role: str = ""

    def edit(self, rng, schema, previous, action, candidate):
        choices = _attributes(schema, self.role)
        if not choices:
            return None
        k, attribute = choices[int(rng.integers(len(choices)))]
        start = int(schema.offsets[k])
        site = start + int(rng.integers(attribute.size))
        candidate[site] = _other_value(rng, attribute, int(candidate[site]))
        return candidate


@dataclasses.dataclass(frozen=True)
class ShiftMutator(Mutator):
    """Add a nonzero offset in ``-spread..spread`` to one site of role ``role``
    (clipped to the domain); with ``alive_only`` only living objects' rows."""

    role: str = ""
    spread: int = 3
    alive_only: bool = False
    minimum: int = 1

    def edit(self, rng, schema, previous, action, candidate):
        choices = _attributes(schema, self.role)
        if not choices:
            return None
        k, attribute = choices[int(rng.integers(len(choices)))]
        rows = (
            _alive_rows(schema, candidate, attribute.size)
            if self.alive_only
            else np.arange(attribute.size)
        )
        if rows.size == 0:
            return None
        site = int(schema.offsets[k]) + int(rows[int(rng.integers(rows.size))])
        magnitudes = np.arange(self.minimum, self.spread + 1)
        offset = int(rng.choice(magnitudes)) * int(rng.choice([-1, 1]))
        value = int(np.clip(candidate[site] + offset, attribute.low, attribute.high))
        if value == candidate[site]:
            value = int(
                np.clip(candidate[site] - offset, attribute.low, attribute.high)
            )
        candidate[site] = value
        return candidate


@dataclasses.dataclass(frozen=True)
class EntityHealthMutator(ShiftMutator):
    """A living object's health changes by 1-3."""

    role: str = "entity.health"
    alive_only: bool = True


@dataclasses.dataclass(frozen=True)
class EntityPositionMutator(ShiftMutator):
    """A living object jumps 2-4 tiles along one axis."""

    role: str = "entity.position"
    alive_only: bool = True
    minimum: int = 2
    spread: int = 4


@dataclasses.dataclass(frozen=True)
class PlayerHealthMutator(ShiftMutator):
    """The player's health changes by 1-3."""

    role: str = "player.health"


@dataclasses.dataclass(frozen=True)
class PlayerMovedMutator(ShiftMutator):
    """The player moves one tile although the mechanic does not move it."""

    role: str = "player.position"
    spread: int = 1


@dataclasses.dataclass(frozen=True)
class InventoryMutator(ShiftMutator):
    """One inventory count changes by 1-3."""

    role: str = "inventory"


@dataclasses.dataclass(frozen=True)
class GainMutator(Mutator):
    """+1 of an item of role ``role`` that the true step did not increase (an
    illegal material for a collection, a wrong tool for crafting)."""

    role: str = "inventory.material"

    def edit(self, rng, schema, previous, action, candidate):
        options = []
        for k, attribute in _attributes(schema, self.role):
            for site in range(int(schema.offsets[k]), int(schema.offsets[k + 1])):
                gained = candidate[site] > previous[site]
                if not gained and candidate[site] < attribute.high:
                    options.append(site)
        if not options:
            return None
        site = options[int(rng.integers(len(options)))]
        candidate[site] += 1
        return candidate


@dataclasses.dataclass(frozen=True)
class MapTileMutator(Mutator):
    """One map tile takes another material: a tile the true step changed if any,
    else a tile within ``radius`` of the player (or anywhere)."""

    role: str = "map"
    radius: int = 2

    def edit(self, rng, schema, previous, action, candidate):
        choices = _attributes(schema, self.role)
        if not choices:
            return None
        k, attribute = choices[0]
        start, stop = int(schema.offsets[k]), int(schema.offsets[k + 1])
        changed = np.nonzero(candidate[start:stop] != previous[start:stop])[0]
        if changed.size:
            local = int(changed[int(rng.integers(changed.size))])
        else:
            local = _near_player(rng, schema, candidate, attribute, self.radius)
        site = start + local
        candidate[site] = _other_value(rng, attribute, int(candidate[site]))
        return candidate


def _near_player(
    rng: np.random.Generator,
    schema: Schema,
    state: np.ndarray,
    attribute: Attribute,
    radius: int,
) -> int:
    position = _attributes(schema, "player.position")
    if len(attribute.shape) != 2 or len(position) != 2:
        return int(rng.integers(attribute.size))
    offsets = schema.offsets
    x = int(state[offsets[position[0][0]]])
    y = int(state[offsets[position[1][0]]])
    dx, dy = (int(v) for v in rng.integers(-radius, radius + 1, size=2))
    i = int(np.clip(x + dx, 0, attribute.shape[0] - 1))
    j = int(np.clip(y + dy, 0, attribute.shape[1] - 1))
    return int(np.ravel_multi_index((i, j), attribute.shape))


@dataclasses.dataclass(frozen=True)
class SpawnDespawnMutator(Mutator):
    """One object is born (a dead slot comes alive) or dies (a living one is
    removed)."""

    role: str = "entity.alive"

    def edit(self, rng, schema, previous, action, candidate):
        choices = _attributes(schema, self.role)
        if not choices:
            return None
        k, attribute = choices[0]
        site = int(schema.offsets[k]) + int(rng.integers(attribute.size))
        candidate[site] = 1 - candidate[site]
        return candidate


def default_mutators(
    *,
    collect_actions: Sequence[int] | None = None,
    craft_actions: Sequence[int] | None = None,
    still_actions: Sequence[int] | None = None,
) -> tuple[Mutator, ...]:
    """The standard distractor set. Action lists restrict the mechanic-specific
    mutators (illegal material on collection, wrong tool on crafting, player moved
    on non-moving actions); ``None`` applies them to every action."""

    def actions(values):
        return None if values is None else tuple(int(v) for v in values)

    return (
        EntityHealthMutator("entity_health", "combat"),
        EntityPositionMutator("entity_position", "physics"),
        PlayerHealthMutator("player_health", "combat"),
        InventoryMutator("inventory", "ego"),
        GainMutator("illegal_material", "collection", actions(collect_actions)),
        GainMutator(
            "wrong_tool", "crafting", actions(craft_actions), role="inventory.tool"
        ),
        PlayerMovedMutator("player_moved", "physics", actions(still_actions)),
        MapTileMutator("map_tile", "placement"),
        SpawnDespawnMutator("spawn_despawn", "lifecycle"),
        AttributeMutator("switch", "generic", role="switch"),
    )
