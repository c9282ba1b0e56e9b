"""A plain record of a running ``crafter.Env`` (crafter 1.8.3): read it, write it back.

This module knows crafter's internals and nothing of Crafter-OO. The bridge
(:mod:`symworld.envs.crafter_oo.bridge`) converts a :class:`CrafterSnapshot` to and from
our JAX state; tests compare snapshots field by field.

What crafter keeps, and where (all read here, all written back by
:func:`write_crafter`):

- ``env._world._mat_map``: ``uint8[64, 64]`` material ids indexed ``[x, y]`` (0 = none,
  1 water ... 12 furnace, the order of crafter's ``data.yaml``).
- ``env._world._objects``: every object in creation order (``None`` where one was
  removed); the player is always the first. Creation order is the update order.
- ``env._world._chunks``: a ``defaultdict(set)`` keyed by 12x12 chunk bounds; a key
  exists once any object has been in that chunk and is never deleted. Balancing visits
  exactly these keys.
- The player's ``facing``, ``sleeping``, ``inventory``, ``achievements``, the counters
  ``_hunger``, ``_thirst``, ``_fatigue``, ``_recover`` (multiples of 0.5) and
  ``_last_health`` (the wake-when-hurt reference); the env's ``_step``,
  ``_last_health`` (the reward reference) and ``_unlocked`` (names whose count is
  positive, derivable from the achievements).
- Per object: health (``inventory['health']``), a zombie's ``cooldown``, a skeleton's
  ``reload``, an arrow's ``facing`` and a plant's ``grown``.

Not recorded: crafter's random-number generator (its stream cannot be reproduced by a
JAX key) and its episode counter and seed.
"""

from __future__ import annotations

import dataclasses

import numpy as np

OBJECT_KINDS: tuple[str, ...] = ("cow", "zombie", "skeleton", "arrow", "plant")
"""Names of crafter's non-player object classes, lower case."""

CHUNK_SIZE = 12
"""Side of crafter's balancing chunks, in cells."""


@dataclasses.dataclass
class CrafterObject:
    """One non-player crafter object.

    **Fields:**

    - ``kind``: one of :data:`OBJECT_KINDS`.
    - ``pos``: ``(x, y)`` cell.
    - ``health``: integer health (arrows: 0; plants: 1 until damaged).
    - ``timer``: a zombie's ``cooldown``, a skeleton's ``reload``, a plant's ``grown``;
      0 for cows and arrows.
    - ``facing``: an arrow's direction ``(dx, dy)``; ``(0, 0)`` for other kinds.
    """

    kind: str
    pos: tuple[int, int]
    health: int
    timer: int = 0
    facing: tuple[int, int] = (0, 0)


@dataclasses.dataclass
class CrafterSnapshot:
    """Everything crafter's dynamics depend on, except its random generator.

    **Fields:**

    - ``material``: ``uint8[64, 64]`` crafter material ids, indexed ``[x, y]``.
    - ``player_pos``: ``(x, y)``; ``facing``: ``(dx, dy)``; ``sleeping``: bool.
    - ``inventory``: the 16 item counts by name; ``achievements``: the 22 counts by
      name.
    - ``hunger``, ``thirst``, ``fatigue``, ``recover``: the player's counters (floats,
      multiples of 0.5).
    - ``player_last_health``: the player's wake-when-hurt reference.
    - ``env_last_health``: the env's reward reference (health after the last step).
    - ``step``: steps taken in this episode; ``daylight``: crafter's value for ``step``.
    - ``objects``: non-player objects in creation (= update) order.
    - ``chunks``: chunk indices ``(x // 12, y // 12)`` of every chunk key crafter holds,
      in crafter's key order (its balancing order).
    """

    material: np.ndarray
    player_pos: tuple[int, int]
    facing: tuple[int, int]
    sleeping: bool
    inventory: dict[str, int]
    achievements: dict[str, int]
    hunger: float
    thirst: float
    fatigue: float
    recover: float
    player_last_health: int
    env_last_health: int
    step: int
    daylight: float
    objects: list[CrafterObject]
    chunks: list[tuple[int, int]]

    def comparable(self) -> dict:
        """The snapshot as plain Python values (lists, ints), for ``==`` and diffs."""
        out = dataclasses.asdict(self)
        out["material"] = self.material.tolist()
        out["objects"] = [dataclasses.asdict(o) for o in self.objects]
        out["chunks"] = sorted(self.chunks)
        return out


def _kind_of(obj) -> str:
    from crafter import objects

    for name, cls in (
        ("cow", objects.Cow),
        ("zombie", objects.Zombie),
        ("skeleton", objects.Skeleton),
        ("arrow", objects.Arrow),
        ("plant", objects.Plant),
    ):
        if isinstance(obj, cls):
            return name
    raise ValueError(f"crafter object of unsupported type {type(obj).__name__}")


def _pair(value) -> tuple[int, int]:
    return int(value[0]), int(value[1])


def read_crafter(env) -> CrafterSnapshot:
    """Record the dynamic state of a reset ``crafter.Env`` (crafter 1.8.3)."""
    from crafter import objects

    world, player = env._world, env._player
    if player is None:
        raise ValueError("crafter env has no player: call env.reset() or write_crafter")
    living = [obj for obj in world._objects if obj is not None]
    if not living or living[0] is not player:
        raise ValueError("crafter env's first object is not its player")
    records = []
    for obj in living[1:]:
        kind = _kind_of(obj)
        timer = {
            "zombie": lambda o: o.cooldown,
            "skeleton": lambda o: o.reload,
            "plant": lambda o: o.grown,
        }.get(kind, lambda o: 0)(obj)
        facing = _pair(obj.facing) if isinstance(obj, objects.Arrow) else (0, 0)
        records.append(
            CrafterObject(
                kind=kind,
                pos=_pair(obj.pos),
                health=int(obj.health),
                timer=int(timer),
                facing=facing,
            )
        )
    chunks = [
        (int(k[0]) // CHUNK_SIZE, int(k[2]) // CHUNK_SIZE) for k in world._chunks.keys()
    ]
    return CrafterSnapshot(
        material=world._mat_map.copy(),
        player_pos=_pair(player.pos),
        facing=_pair(player.facing),
        sleeping=bool(player.sleeping),
        inventory={k: int(v) for k, v in player.inventory.items()},
        achievements={k: int(v) for k, v in player.achievements.items()},
        hunger=float(player._hunger),
        thirst=float(player._thirst),
        fatigue=float(player._fatigue),
        recover=float(player._recover),
        player_last_health=int(player._last_health),
        env_last_health=int(env._last_health),
        step=int(env._step),
        daylight=float(world.daylight),
        objects=records,
        chunks=chunks,
    )


def write_crafter(snapshot: CrafterSnapshot, env, *, seed: int = 0):
    """Make ``env`` (a ``crafter.Env``, reset or not) hold ``snapshot``; return it.

    The world is cleared and rebuilt: materials copied, the player added first and the
    other objects in ``snapshot.objects`` order (crafter's update order), every chunk
    key in ``snapshot.chunks`` created (empty if no object lives there), the step and
    daylight set. Crafter's random generator is re-seeded with ``seed``.
    """
    from crafter import constants, objects

    world = env._world
    material = np.asarray(snapshot.material)
    if material.shape != tuple(world.area):
        raise ValueError(
            f"snapshot material map has shape {material.shape}, "
            f"crafter world is {tuple(world.area)}"
        )
    if material.max(initial=0) > len(constants.materials):
        raise ValueError(f"material id {int(material.max())} is not a crafter material")
    world.reset(seed=seed)
    world._mat_map[...] = material.astype(np.uint8)

    # Chunk keys first, in the snapshot's order: crafter balances chunks in key order.
    size = CHUNK_SIZE
    for cx, cy in snapshot.chunks:
        xmin, ymin = cx * size, cy * size
        key = (
            xmin,
            min(xmin + size, world.area[0]),
            ymin,
            min(ymin + size, world.area[1]),
        )
        world._chunks[key]  # noqa: B018  (creates the key, as crafter's defaultdict does)

    env._step = int(snapshot.step)
    env._update_time()

    player = objects.Player(world, snapshot.player_pos)
    player.facing = _pair(snapshot.facing)
    player.sleeping = bool(snapshot.sleeping)
    player.inventory = dict(snapshot.inventory)
    player.achievements = dict(snapshot.achievements)
    player._hunger = snapshot.hunger
    player._thirst = snapshot.thirst
    player._fatigue = snapshot.fatigue
    player._recover = snapshot.recover
    player._last_health = int(snapshot.player_last_health)
    env._player = player
    env._last_health = int(snapshot.env_last_health)
    env._unlocked = {k for k, v in player.achievements.items() if v > 0}
    world.add(player)

    for record in snapshot.objects:
        pos = _pair(record.pos)
        if record.kind == "cow":
            obj = objects.Cow(world, pos)
        elif record.kind == "zombie":
            obj = objects.Zombie(world, pos, player)
            obj.cooldown = int(record.timer)
        elif record.kind == "skeleton":
            obj = objects.Skeleton(world, pos, player)
            obj.reload = int(record.timer)
        elif record.kind == "arrow":
            obj = objects.Arrow(world, pos, np.array(_pair(record.facing)))
        elif record.kind == "plant":
            obj = objects.Plant(world, pos)
            obj.grown = int(record.timer)
        else:
            raise ValueError(f"unknown crafter object kind {record.kind!r}")
        obj.health = int(record.health)
        if world._obj_map[pos] != 0:
            raise ValueError(f"two objects on cell {pos} ({record.kind})")
        world.add(obj)

    return env


def new_crafter_env(*, render: bool = False):
    """A ``crafter.Env`` ready for :func:`write_crafter` (no world generated).

    With ``render=False`` the image observation is skipped (``step`` returns ``None`` as
    its observation). Crafter draws night-time render noise from its game generator, so
    this changes crafter's random stream but none of its rules or probabilities; it
    makes a step about four times cheaper.
    """
    import crafter

    env = crafter.Env(seed=0)
    env._episode = 1
    if not render:
        env._obs = lambda: None
    return env
