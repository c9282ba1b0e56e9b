"""Read-only object-oriented views of a Crafter-OO state.

``World(state)`` copies the state to the host once and answers questions in the
game's own words::

    world = World(state)
    world.player.inventory["wood"]
    world.facing()            # Tile in front of the player
    world.at(10, 12).object   # Cow(...), Zombie(...), ... or None
    for obj in world.objects():   # living objects in update (creation) order
        print(obj)

The views are frozen dataclasses; changing a state goes through
:mod:`scenario` (or the game itself).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import jax
import numpy as np

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.state import EMPTY, PLAYER_OCCUPANT, CrafterState

DIRECTION_NAMES = ("left", "right", "up", "down")


@dataclasses.dataclass(frozen=True)
class Player:
    """The player. Counters are in the original's units (0.5 steps)."""

    pos: tuple[int, int]
    facing: tuple[int, int]
    sleeping: bool
    inventory: dict[str, int]
    achievements: dict[str, int]
    hunger: float
    thirst: float
    fatigue: float
    recover: float

    @property
    def health(self) -> int:
        return self.inventory["health"]

    @property
    def facing_name(self) -> str:
        return DIRECTION_NAMES[[tuple(d) for d in rules.DIRECTIONS].index(self.facing)]


@dataclasses.dataclass(frozen=True)
class GameObject:
    """A non-player object: its table ``slot``, ``pos`` (x, y), ``health`` and
    creation stamp ``order`` (objects update in increasing order)."""

    slot: int
    pos: tuple[int, int]
    health: int
    order: int


@dataclasses.dataclass(frozen=True)
class Cow(GameObject):
    pass


@dataclasses.dataclass(frozen=True)
class Zombie(GameObject):
    cooldown: int = 0


@dataclasses.dataclass(frozen=True)
class Skeleton(GameObject):
    reload: int = 0


@dataclasses.dataclass(frozen=True)
class Arrow(GameObject):
    facing: tuple[int, int] = (0, 1)


@dataclasses.dataclass(frozen=True)
class Plant(GameObject):
    grown: int = 0

    @property
    def ripe(self) -> bool:
        return self.grown > rules.PLANT_RIPE_AFTER


CLASSES = {
    rules.COW: Cow,
    rules.ZOMBIE: Zombie,
    rules.SKELETON: Skeleton,
    rules.ARROW: Arrow,
    rules.PLANT: Plant,
}


@dataclasses.dataclass(frozen=True)
class Tile:
    """One cell: ``pos``, ``material`` name (``None`` off the map) and the object on
    it (a view, the :class:`Player`, or ``None``)."""

    pos: tuple[int, int]
    material: str | None
    object: GameObject | Player | None


class World:
    """Read-only view of one (unbatched) :class:`CrafterState`."""

    def __init__(self, state: CrafterState):
        if np.ndim(state.step) != 0:
            raise ValueError(
                "World views one game; index a batched state first, e.g. "
                "jax.tree.map(lambda leaf: leaf[0], states)"
            )
        self.state = jax.device_get(state)

    @property
    def step(self) -> int:
        return int(self.state.step)

    @property
    def daylight(self) -> float:
        return float(self.state.daylight)

    @property
    def player(self) -> Player:
        p = self.state.player
        return Player(
            pos=(int(p.pos[0]), int(p.pos[1])),
            facing=tuple(int(v) for v in rules.DIRECTIONS[int(p.facing)]),
            sleeping=bool(p.sleeping),
            inventory={
                n: int(v) for n, v in zip(rules.ITEMS, p.inventory, strict=True)
            },
            achievements={
                n: int(v)
                for n, v in zip(rules.ACHIEVEMENTS, p.achievements, strict=True)
            },
            hunger=int(p.hunger) / 2,
            thirst=int(p.thirst) / 2,
            fatigue=float(int(p.fatigue)),
            recover=int(p.recover) / 2,
        )

    def object(self, slot: int) -> GameObject:
        """The view of the living object in ``slot``."""
        table = self.state.objects
        if not (0 <= slot < len(table.alive)) or not table.alive[slot]:
            raise KeyError(f"slot {slot} holds no living object")
        kind = int(table.kind[slot])
        common = {
            "slot": int(slot),
            "pos": (int(table.pos[slot, 0]), int(table.pos[slot, 1])),
            "health": int(table.health[slot]),
            "order": int(table.order[slot]),
        }
        if kind == rules.ZOMBIE:
            return Zombie(**common, cooldown=int(table.cooldown[slot]))
        if kind == rules.SKELETON:
            return Skeleton(**common, reload=int(table.reload[slot]))
        if kind == rules.ARROW:
            facing = tuple(int(v) for v in rules.DIRECTIONS[int(table.facing[slot])])
            return Arrow(**common, facing=facing)
        if kind == rules.PLANT:
            return Plant(**common, grown=int(table.grown[slot]))
        return Cow(**common)

    def objects(self, kind: type[GameObject] | None = None) -> Iterator[GameObject]:
        """Living objects in creation (= update) order, optionally of one class."""
        table = self.state.objects
        slots = np.flatnonzero(table.alive)
        for slot in slots[np.argsort(table.order[slots], kind="stable")]:
            view = self.object(int(slot))
            if kind is None or isinstance(view, kind):
                yield view

    def count(self, kind: type[GameObject]) -> int:
        """Number of living objects of a class."""
        return sum(1 for _ in self.objects(kind))

    def at(self, x: int, y: int) -> Tile:
        """What is on cell ``(x, y)`` (off the map: material and object ``None``)."""
        if not (0 <= x < rules.AREA[0] and 0 <= y < rules.AREA[1]):
            return Tile((x, y), None, None)
        material = rules.MATERIALS[int(self.state.material[x, y]) - 1]
        occupant = int(self.state.occupant[x, y])
        if occupant == PLAYER_OCCUPANT:
            thing = self.player
        elif occupant == EMPTY:
            thing = None
        else:
            thing = self.object(occupant)
        return Tile((x, y), material, thing)

    def facing(self) -> Tile:
        """The tile the player faces (the target of ``do`` and ``place``)."""
        player = self.player
        return self.at(
            player.pos[0] + player.facing[0], player.pos[1] + player.facing[1]
        )

    def material_counts(self) -> dict[str, int]:
        """Cells of each material on the map."""
        counts = np.bincount(self.state.material.ravel(), minlength=rules.NUM_MATERIALS)
        return {name: int(counts[i + 1]) for i, name in enumerate(rules.MATERIALS)}
