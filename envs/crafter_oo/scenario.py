"""Build hand-made Crafter-OO states (scenarios), with validation.

Every helper takes a state and returns a new one (states are immutable); bad input
raises ``ValueError`` naming the argument at fault, and nothing is changed.

Example — a table next to the player, two wood, a cow two cells to the right::

    from symworld.envs.crafter_oo import scenario as sc

    state = sc.blank_state("grass")
    state = sc.paint(state, "table", (31, 32))
    state = sc.set_inventory(state, wood=2)
    state, slot = sc.add_object(state, "cow", (34, 32))
    state = sc.set_player(state, facing="right")
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.state import (
    EMPTY,
    PLAYER_OCCUPANT,
    CrafterState,
    daylight_table,
    empty_objects,
    initial_player,
    occupancy,
)
from symworld.envs.crafter_oo.views import DIRECTION_NAMES

KIND_IDS = {"cow": rules.COW, "zombie": rules.ZOMBIE, "skeleton": rules.SKELETON}
KIND_IDS.update(arrow=rules.ARROW, plant=rules.PLANT)


def _host(state: CrafterState) -> CrafterState:
    return jax.tree.map(lambda leaf: np.array(leaf), jax.device_get(state))


def _device(state: CrafterState) -> CrafterState:
    return jax.tree.map(jnp.asarray, state)


def _material_id(material: str | int) -> int:
    if isinstance(material, str):
        if material not in rules.MATERIAL_IDS:
            raise ValueError(
                f"unknown material {material!r}; choose one of {list(rules.MATERIALS)}"
            )
        return rules.MATERIAL_IDS[material]
    if not 1 <= int(material) <= len(rules.MATERIALS):
        raise ValueError(f"material id {material} is not in 1..{len(rules.MATERIALS)}")
    return int(material)


def _cell(pos, what: str = "pos") -> tuple[int, int]:
    try:
        x, y = (int(v) for v in pos)
    except (TypeError, ValueError):
        raise ValueError(
            f"{what} must be an (x, y) pair of integers, got {pos!r}"
        ) from None
    if not (0 <= x < rules.AREA[0] and 0 <= y < rules.AREA[1]):
        raise ValueError(f"{what} {(x, y)} is outside the 64 x 64 map")
    return x, y


def _direction(facing) -> int:
    if isinstance(facing, str):
        if facing not in DIRECTION_NAMES:
            raise ValueError(f"facing must be one of {DIRECTION_NAMES}, got {facing!r}")
        return DIRECTION_NAMES.index(facing)
    pairs = [tuple(int(v) for v in d) for d in rules.DIRECTIONS]
    if tuple(facing) not in pairs:
        raise ValueError(f"facing must be a unit step like (0, 1), got {facing!r}")
    return pairs.index(tuple(facing))


def blank_state(
    material: str = "grass",
    *,
    step: int = 0,
    capacity: int = rules.OBJECT_CAPACITY,
) -> CrafterState:
    """A map of one material, no objects, the player at (32, 32) facing down."""
    fill = _material_id(material)
    player = initial_player()
    objects = empty_objects(capacity)
    seen = np.zeros(rules.NUM_CHUNKS, bool)
    seen[
        rules.START[0] // rules.CHUNK_SIZE[0], rules.START[1] // rules.CHUNK_SIZE[1]
    ] = True
    state = CrafterState(
        material=jnp.full(rules.AREA, fill, jnp.uint8),
        occupant=occupancy(player.pos, objects),
        chunk_seen=jnp.asarray(seen),
        player=player,
        objects=objects,
        step=jnp.int32(0),
        daylight=jnp.float32(daylight_table()[0]),
        last_health=jnp.int32(rules.INITIAL_INVENTORY[rules.HEALTH]),
        next_order=jnp.int32(0),
        overflow=jnp.int32(0),
    )
    return set_step(state, step)


def paint(
    state: CrafterState, material: str | int, *cells: tuple[int, int]
) -> CrafterState:
    """Set ``material`` on each cell ``(x, y)``; ``paint_rect`` paints a rectangle."""
    fill = _material_id(material)
    if not cells:
        raise ValueError("paint needs at least one (x, y) cell")
    checked = [_cell(cell, "cell") for cell in cells]
    host = _host(state)
    for x, y in checked:
        host.material[x, y] = fill
    return _device(host)


def paint_rect(
    state: CrafterState,
    material: str | int,
    corner: tuple[int, int],
    size: tuple[int, int],
) -> CrafterState:
    """Set ``material`` on the ``size = (width, height)`` rectangle at ``corner``."""
    x0, y0 = _cell(corner, "corner")
    width, height = (int(v) for v in size)
    if width < 1 or height < 1:
        raise ValueError(f"size must be positive, got {size!r}")
    _cell((x0 + width - 1, y0 + height - 1), "far corner")
    cells = [(x, y) for x in range(x0, x0 + width) for y in range(y0, y0 + height)]
    return paint(state, material, *cells)


def add_object(
    state: CrafterState,
    kind: str,
    pos: tuple[int, int],
    *,
    health: int | None = None,
    cooldown: int = 0,
    reload: int = 0,
    grown: int = 0,
    facing: str | tuple[int, int] = "down",
) -> tuple[CrafterState, int]:
    """Add a cow, zombie, skeleton, arrow or plant on an empty cell.

    The object gets the next creation stamp (it updates after every existing
    object). **Returns:** ``(state, slot)``.
    """
    if kind not in KIND_IDS:
        raise ValueError(
            f"unknown object kind {kind!r}; choose one of {list(KIND_IDS)}"
        )
    x, y = _cell(pos)
    kind_id = KIND_IDS[kind]
    health = rules.INITIAL_HEALTH[kind_id] if health is None else int(health)
    for name, value in (
        ("health", health),
        ("cooldown", cooldown),
        ("reload", reload),
        ("grown", grown),
    ):
        if int(value) < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    host = _host(state)
    if host.occupant[x, y] != EMPTY:
        raise ValueError(f"cell {(x, y)} already holds an object")
    free = np.flatnonzero(~host.objects.alive)
    if free.size == 0:
        raise ValueError(f"the object table is full ({host.objects.alive.size} slots)")
    slot = int(free[0])
    table = host.objects
    table.alive[slot] = True
    table.kind[slot] = kind_id
    table.pos[slot] = (x, y)
    table.health[slot] = health
    table.cooldown[slot] = cooldown
    table.reload[slot] = reload
    table.grown[slot] = grown
    table.facing[slot] = _direction(facing)
    table.order[slot] = int(host.next_order)
    host = dataclasses.replace(host, next_order=np.int32(int(host.next_order) + 1))
    host.occupant[x, y] = slot
    host.chunk_seen[x // rules.CHUNK_SIZE[0], y // rules.CHUNK_SIZE[1]] = True
    return _device(host), slot


def remove_object(state: CrafterState, where: int | tuple[int, int]) -> CrafterState:
    """Remove the object in slot ``where`` (int) or on cell ``where`` (x, y)."""
    host = _host(state)
    if isinstance(where, (int, np.integer)):
        slot = int(where)
        if not (0 <= slot < host.objects.alive.size) or not host.objects.alive[slot]:
            raise ValueError(f"slot {slot} holds no living object")
    else:
        x, y = _cell(where, "cell")
        slot = int(host.occupant[x, y])
        if slot == PLAYER_OCCUPANT:
            raise ValueError(f"cell {(x, y)} holds the player, who cannot be removed")
        if slot == EMPTY:
            raise ValueError(f"cell {(x, y)} holds no object")
    x, y = host.objects.pos[slot]
    host.objects.alive[slot] = False
    host.occupant[x, y] = EMPTY
    return _device(host)


def set_inventory(state: CrafterState, **counts: int) -> CrafterState:
    """Set inventory counts by the original's item names (each in [0, 9])."""
    host = _host(state)
    for name, value in counts.items():
        if name not in rules.ITEM_IDS:
            raise ValueError(f"unknown item {name!r}; choose from {list(rules.ITEMS)}")
        if not rules.ITEM_MIN <= int(value) <= rules.ITEM_MAX:
            raise ValueError(f"{name} must be in [0, 9], got {value}")
        host.player.inventory[rules.ITEM_IDS[name]] = int(value)
    health = host.player.inventory[rules.HEALTH]
    player = dataclasses.replace(host.player, last_health=np.int32(health))
    return _device(
        dataclasses.replace(host, player=player, last_health=np.int32(health))
    )


def set_achievements(state: CrafterState, **counts: int) -> CrafterState:
    """Set achievement counts by the original's names (each >= 0)."""
    host = _host(state)
    for name, value in counts.items():
        if name not in rules.ACHIEVEMENT_IDS:
            raise ValueError(f"unknown achievement {name!r}")
        if int(value) < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
        host.player.achievements[rules.ACHIEVEMENT_IDS[name]] = int(value)
    return _device(host)


def _half_units(name: str, value: float) -> int:
    doubled = float(value) * 2
    if doubled != round(doubled):
        raise ValueError(f"{name} must be a multiple of 0.5, got {value}")
    return int(round(doubled))


def set_player(
    state: CrafterState,
    *,
    pos: tuple[int, int] | None = None,
    facing: str | tuple[int, int] | None = None,
    sleeping: bool | None = None,
    hunger: float | None = None,
    thirst: float | None = None,
    fatigue: int | None = None,
    recover: float | None = None,
) -> CrafterState:
    """Set the player's position, facing, sleep and counters (original units:
    hunger, thirst and recover in steps of 0.5, fatigue an integer)."""
    host = _host(state)
    player = host.player
    changes = {}
    if pos is not None:
        x, y = _cell(pos)
        if host.occupant[x, y] >= 0:
            raise ValueError(f"cell {(x, y)} already holds an object")
        old = player.pos
        host.occupant[old[0], old[1]] = EMPTY
        host.occupant[x, y] = PLAYER_OCCUPANT
        host.chunk_seen[x // rules.CHUNK_SIZE[0], y // rules.CHUNK_SIZE[1]] = True
        changes["pos"] = np.array([x, y], np.int32)
    if facing is not None:
        changes["facing"] = np.int32(_direction(facing))
    if sleeping is not None:
        changes["sleeping"] = np.bool_(sleeping)
    for name, value in (("hunger", hunger), ("thirst", thirst), ("recover", recover)):
        if value is not None:
            changes[name] = np.int32(_half_units(name, value))
    if fatigue is not None:
        if int(fatigue) != fatigue:
            raise ValueError(f"fatigue must be an integer, got {fatigue}")
        changes["fatigue"] = np.int32(fatigue)
    host = dataclasses.replace(host, player=dataclasses.replace(player, **changes))
    return _device(host)


def set_step(state: CrafterState, step: int) -> CrafterState:
    """Set the step counter (and the daylight that goes with it)."""
    if int(step) < 0:
        raise ValueError(f"step must be >= 0, got {step}")
    daylight = np.float32(rules.daylight_of(int(step)))
    return dataclasses.replace(
        state, step=jnp.int32(step), daylight=jnp.float32(daylight)
    )


def mark_chunks_seen(
    state: CrafterState, chunks: Iterable[tuple[int, int]]
) -> CrafterState:
    """Mark chunks (cx, cy) as having held an object, so they get balanced."""
    host = _host(state)
    for cx, cy in chunks:
        if not (0 <= cx < rules.NUM_CHUNKS[0] and 0 <= cy < rules.NUM_CHUNKS[1]):
            raise ValueError(f"chunk {(cx, cy)} is outside the 6 x 6 chunk grid")
        host.chunk_seen[cx, cy] = True
    return _device(host)
