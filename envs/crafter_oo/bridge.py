"""Bridge between Crafter-OO states and the original game (``crafter==1.8.3``).

- :func:`from_crafter` builds a :class:`~symworld.envs.crafter_oo.state.CrafterState`
  from a running ``crafter.Env``.
- :func:`to_crafter` writes a state into a ``crafter.Env`` so the same situation can be
  played in both games.
- :func:`state_to_snapshot` / :func:`snapshot_to_state` convert between our state and
  a :class:`~symworld.envs.crafter_oo.crafter_snapshot.CrafterSnapshot`, the neutral
  record that tests compare field by field.

Correspondence (crafter -> ours):

======================================  =============================================
crafter                                 Crafter-OO
======================================  =============================================
``world._mat_map`` (uint8, ``[x, y]``)  ``material`` (same ids)
``world._objects`` order                ``objects.order`` (rank in creation order);
                                        slot ``k`` holds the ``k``-th object
``world._chunks`` keys                  ``chunk_seen[x // 12, y // 12]``
player ``pos`` / ``facing``             ``player.pos`` / ``player.facing`` (index of
                                        ``rules.DIRECTIONS``)
player ``inventory``, ``achievements``  ``player.inventory``, ``player.achievements``
                                        (``rules.ITEMS`` / ``rules.ACHIEVEMENTS`` order)
``_hunger``, ``_thirst``, ``_recover``  ``player.hunger`` etc. in half-units (x 2)
``_fatigue``                            ``player.fatigue`` (whole units)
player ``_last_health``                 ``player.last_health``
env ``_last_health``                    ``last_health``
env ``_step``, ``world.daylight``       ``step``, ``daylight`` (float32)
zombie ``cooldown``, skeleton           ``objects.cooldown``, ``objects.reload``,
``reload``, plant ``grown``, arrow      ``objects.grown``, ``objects.facing``
``facing``, ``inventory['health']``     ``objects.health``
======================================  =============================================

Crafter's random generator has no counterpart (the random streams necessarily differ);
:func:`to_crafter` seeds it from its ``seed`` argument. Crafter's ``_unlocked`` set is
derived from the achievement counts (a name is unlocked once its count is positive).
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.crafter_snapshot import (
    CrafterObject,
    CrafterSnapshot,
    new_crafter_env,
    read_crafter,
    write_crafter,
)
from symworld.envs.crafter_oo.state import (
    CrafterState,
    ObjectTable,
    PlayerState,
    occupancy,
)

__all__ = [
    "from_crafter",
    "snapshot_differences",
    "snapshot_to_state",
    "state_to_snapshot",
    "to_crafter",
]

_KIND_BY_NAME = {
    "cow": rules.COW,
    "zombie": rules.ZOMBIE,
    "skeleton": rules.SKELETON,
    "arrow": rules.ARROW,
    "plant": rules.PLANT,
}
_NAME_BY_KIND = {kind: name for name, kind in _KIND_BY_NAME.items()}
_DIRECTIONS = [tuple(int(v) for v in d) for d in rules.DIRECTIONS]


def _direction_index(direction: tuple[int, int], what: str) -> int:
    try:
        return _DIRECTIONS.index(tuple(int(v) for v in direction))
    except ValueError:
        raise ValueError(
            f"{what} has direction {direction}, not one of {_DIRECTIONS}"
        ) from None


def _half_units(value: float, what: str) -> int:
    doubled = 2 * value
    if doubled != int(doubled):
        raise ValueError(f"{what} = {value} is not a multiple of 0.5")
    return int(doubled)


def snapshot_to_state(
    snapshot: CrafterSnapshot, *, capacity: int = rules.OBJECT_CAPACITY
) -> CrafterState:
    """Our state for a crafter snapshot; objects fill slots ``0..n-1`` in order.

    Raises ``ValueError`` if the snapshot holds more objects than ``capacity`` or a
    value our state cannot represent exactly.
    """
    records = snapshot.objects
    if len(records) > capacity:
        raise ValueError(
            f"crafter world holds {len(records)} objects, capacity is {capacity}"
        )
    n = len(records)
    alive = np.zeros(capacity, bool)
    kind = np.zeros(capacity, np.int8)
    pos = np.zeros((capacity, 2), np.int32)
    health = np.zeros(capacity, np.int32)
    cooldown = np.zeros(capacity, np.int32)
    reload = np.zeros(capacity, np.int32)
    grown = np.zeros(capacity, np.int32)
    facing = np.zeros(capacity, np.int32)
    order = np.zeros(capacity, np.int32)
    for slot, record in enumerate(records):
        k = _KIND_BY_NAME[record.kind]
        alive[slot] = True
        kind[slot] = k
        pos[slot] = record.pos
        health[slot] = record.health
        order[slot] = slot
        if k == rules.ZOMBIE:
            cooldown[slot] = record.timer
        elif k == rules.SKELETON:
            reload[slot] = record.timer
        elif k == rules.PLANT:
            grown[slot] = record.timer
        elif k == rules.ARROW:
            facing[slot] = _direction_index(record.facing, f"arrow {slot}")
    objects = ObjectTable(
        alive=jnp.asarray(alive),
        kind=jnp.asarray(kind),
        pos=jnp.asarray(pos),
        health=jnp.asarray(health),
        cooldown=jnp.asarray(cooldown),
        reload=jnp.asarray(reload),
        grown=jnp.asarray(grown),
        facing=jnp.asarray(facing),
        order=jnp.asarray(order),
    )
    player = PlayerState(
        pos=jnp.asarray(snapshot.player_pos, jnp.int32),
        facing=jnp.int32(_direction_index(snapshot.facing, "player")),
        sleeping=jnp.bool_(snapshot.sleeping),
        inventory=jnp.asarray(
            [snapshot.inventory[name] for name in rules.ITEMS], jnp.int32
        ),
        achievements=jnp.asarray(
            [snapshot.achievements[name] for name in rules.ACHIEVEMENTS], jnp.int32
        ),
        hunger=jnp.int32(_half_units(snapshot.hunger, "hunger")),
        thirst=jnp.int32(_half_units(snapshot.thirst, "thirst")),
        fatigue=jnp.int32(int(snapshot.fatigue)),
        recover=jnp.int32(_half_units(snapshot.recover, "recover")),
        last_health=jnp.int32(snapshot.player_last_health),
    )
    chunk_seen = np.zeros(rules.NUM_CHUNKS, bool)
    for cx, cy in snapshot.chunks:
        chunk_seen[cx, cy] = True
    return CrafterState(
        material=jnp.asarray(np.asarray(snapshot.material, np.uint8)),
        occupant=occupancy(player.pos, objects),
        chunk_seen=jnp.asarray(chunk_seen),
        player=player,
        objects=objects,
        step=jnp.int32(snapshot.step),
        daylight=jnp.float32(snapshot.daylight),
        last_health=jnp.int32(snapshot.env_last_health),
        next_order=jnp.int32(n),
        overflow=jnp.int32(0),
    )


def creation_order(objects: ObjectTable) -> np.ndarray:
    """The slots of the living objects of a (host) object table in creation order
    (stable in the slot for equal stamps): the order in which :func:`to_crafter` adds
    them to crafter's world after the player. int ``(n,)``."""
    alive = np.asarray(objects.alive, bool)
    order = np.asarray(objects.order)
    slots = np.flatnonzero(alive)
    return slots[np.argsort(order[slots], kind="stable")]


def state_to_snapshot(state: CrafterState) -> CrafterSnapshot:
    """The crafter snapshot of one (unbatched) state; objects in creation order.

    Chunk keys are listed in row-major chunk order (crafter's own key order is not
    part of our state; it only decides which random number each chunk draws).
    """
    objects = state.objects
    kind = np.asarray(objects.kind)
    pos = np.asarray(objects.pos)
    health = np.asarray(objects.health)
    cooldown = np.asarray(objects.cooldown)
    reload = np.asarray(objects.reload)
    grown = np.asarray(objects.grown)
    facing = np.asarray(objects.facing)
    slots = creation_order(objects)
    records = []
    for slot in slots:
        k = int(kind[slot])
        if k not in _NAME_BY_KIND:
            raise ValueError(f"object slot {slot} is alive with unknown kind {k}")
        timer = {
            rules.ZOMBIE: cooldown[slot],
            rules.SKELETON: reload[slot],
            rules.PLANT: grown[slot],
        }.get(k, 0)
        records.append(
            CrafterObject(
                kind=_NAME_BY_KIND[k],
                pos=(int(pos[slot, 0]), int(pos[slot, 1])),
                health=int(health[slot]),
                timer=int(timer),
                facing=_DIRECTIONS[int(facing[slot])] if k == rules.ARROW else (0, 0),
            )
        )
    player = state.player
    inventory = np.asarray(player.inventory)
    achievements = np.asarray(player.achievements)
    chunk_seen = np.asarray(state.chunk_seen)
    return CrafterSnapshot(
        material=np.asarray(state.material, np.uint8).copy(),
        player_pos=(int(player.pos[0]), int(player.pos[1])),
        facing=_DIRECTIONS[int(player.facing)],
        sleeping=bool(player.sleeping),
        inventory={name: int(inventory[i]) for i, name in enumerate(rules.ITEMS)},
        achievements={
            name: int(achievements[i]) for i, name in enumerate(rules.ACHIEVEMENTS)
        },
        hunger=int(player.hunger) / 2,
        thirst=int(player.thirst) / 2,
        fatigue=float(int(player.fatigue)),
        recover=int(player.recover) / 2,
        player_last_health=int(player.last_health),
        env_last_health=int(state.last_health),
        step=int(state.step),
        daylight=float(state.daylight),
        objects=records,
        chunks=[
            (int(cx), int(cy)) for cx, cy in zip(*np.nonzero(chunk_seen), strict=True)
        ],
    )


def from_crafter(env, *, capacity: int = rules.OBJECT_CAPACITY) -> CrafterState:
    """Our state for the situation a running (reset) ``crafter.Env`` is in.

    **Arguments:**

    - ``env``: a ``crafter.Env`` after ``reset()`` (or after :func:`to_crafter`).
    - ``capacity``: object-table capacity of the returned state.

    **Returns:** an unbatched ``CrafterState`` with the objects in crafter's creation
    (= update) order in slots ``0..n-1``. ``daylight`` is crafter's float64 value
    rounded to float32.
    """
    return snapshot_to_state(read_crafter(env), capacity=capacity)


def to_crafter(state: CrafterState, env=None, *, seed: int = 0, render: bool = False):
    """Write an (unbatched) state into a ``crafter.Env``; returns the env.

    **Arguments:**

    - ``state``: the situation to play.
    - ``env``: a ``crafter.Env`` to overwrite; ``None`` creates one (with image
      rendering skipped unless ``render``, see
      :func:`~symworld.envs.crafter_oo.crafter_snapshot.new_crafter_env`).
    - ``seed``: seed of crafter's random generator after the write.

    The env then steps from exactly this situation: ``env.step(action)`` applies
    crafter's rules to it. Crafter's daylight is recomputed from ``state.step`` in
    float64.
    """
    if env is None:
        env = new_crafter_env(render=render)
    write_crafter(state_to_snapshot(state), env, seed=seed)
    return env


def snapshot_differences(a: CrafterSnapshot, b: CrafterSnapshot) -> list[str]:
    """Names of the fields in which two snapshots differ (daylight to float32)."""
    left, right = a.comparable(), b.comparable()
    left["daylight"] = float(np.float32(left["daylight"]))
    right["daylight"] = float(np.float32(right["daylight"]))
    return [f.name for f in dataclasses.fields(a) if left[f.name] != right[f.name]]
