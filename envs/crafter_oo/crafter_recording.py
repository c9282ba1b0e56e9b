"""Record transitions of the original game (``crafter==1.8.3``) as Crafter-OO states
whose object slots stay put from one step to the next.

:func:`~symworld.envs.crafter_oo.bridge.from_crafter` reads one situation and fills
slots ``0..n-1`` with the living objects in creation order. Read step after step,
that renumbers every object behind one that was removed (an arrow that hit a wall,
a cow that was eaten, a despawned zombie), so the same slot holds a different
object in consecutive states. Crafter-OO's own table never moves an object: a
removed object keeps its slot with ``alive`` false and its last values, and a new
one takes the lowest free slot (:func:`~symworld.envs.crafter_oo.table.add_object`).

:class:`SlotTracker` follows crafter's objects by identity (their index in
``world._objects``, which is also their creation stamp) and writes each one into a
stable slot, replaying the step's removals and births in the order Crafter-OO
makes them: during the object loop, a creature or arrow that removes itself frees
its slot at its own turn, a plant is placed at the player's turn and an arrow is
born at its skeleton's turn; then chunk balancing, class by class (zombies,
skeletons, cows), removes the despawned creatures before adding the spawned ones.
A removed object's final values are read from crafter's object itself, so a cow
killed by the player is recorded with health 0 and ``alive`` false, exactly as
Crafter-OO leaves it.

Creation stamps (``order``, ``next_order``) follow Crafter-OO's convention too: the
objects of the first read keep their index in ``world._objects``; an arrow or a
plant born in the object loop takes ``next_order`` and adds 1; on a balance step a
creature spawned in chunk ``c`` (x-major, ``cx * 6 + cy``) of class ``k``
(``rules.BALANCE_ORDER``) takes ``next_order + 3 c + k``, spawns of one class take
the free slots chunk by chunk in that order, and ``next_order`` then grows by 108
(36 chunks x 3 classes) whether or not anything spawned. Crafter appends spawns
in the order its chunks were first entered, so the update order of two creatures
spawned in one balance can differ from the original's.

:func:`record_crafter` plays a seeded random policy and returns the stacked
``(states, actions, next_states)``.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.bridge import creation_order, from_crafter
from symworld.envs.crafter_oo.state import CrafterState, ObjectTable, occupancy

__all__ = ["CrafterRecording", "SlotTracker", "record_crafter"]

_FIELDS = ("kind", "pos", "health", "cooldown", "reload", "grown", "facing", "order")
_BALANCE_RANK = {kind: rank for rank, kind in enumerate(rules.BALANCE_ORDER)}
_BALANCE_STAMPS = rules.NUM_CHUNKS[0] * rules.NUM_CHUNKS[1] * len(rules.BALANCE_ORDER)


def _chunk(obj) -> int:
    """x-major index of the balancing chunk that holds ``obj``."""
    cx = int(obj.pos[0]) // rules.CHUNK_SIZE[0]
    cy = int(obj.pos[1]) // rules.CHUNK_SIZE[1]
    return cx * rules.NUM_CHUNKS[1] + cy


def _kind(obj) -> int:
    from crafter import objects

    for cls, kind in (
        (objects.Cow, rules.COW),
        (objects.Zombie, rules.ZOMBIE),
        (objects.Skeleton, rules.SKELETON),
        (objects.Arrow, rules.ARROW),
        (objects.Plant, rules.PLANT),
    ):
        if isinstance(obj, cls):
            return kind
    raise ValueError(f"crafter object of unsupported type {type(obj).__name__}")


def _direction(vector) -> int:
    pair = (int(vector[0]), int(vector[1]))
    for index, d in enumerate(np.asarray(rules.DIRECTIONS).tolist()):
        if tuple(d) == pair:
            return index
    raise ValueError(f"crafter arrow has direction {pair}")


def _values(obj, stamp: int) -> dict[str, object]:
    """One crafter object's Crafter-OO columns (``order`` = its creation stamp).

    ``facing`` only for an arrow: crafter's other objects have none, and Crafter-OO
    never changes the column of a living cow, zombie, skeleton or plant (a new one
    starts at 0, see :meth:`SlotTracker.read`)."""
    kind = _kind(obj)
    values = {
        "kind": kind,
        "pos": (int(obj.pos[0]), int(obj.pos[1])),
        "health": int(obj.health),
        "cooldown": int(obj.cooldown) if kind == rules.ZOMBIE else 0,
        "reload": int(obj.reload) if kind == rules.SKELETON else 0,
        "grown": int(obj.grown) if kind == rules.PLANT else 0,
        "order": stamp,
    }
    if kind == rules.ARROW:
        values["facing"] = _direction(obj.facing)
    return values


class SlotTracker:
    """Reads a running ``crafter.Env`` into Crafter-OO states with stable slots.

    Call :meth:`read` after ``reset()`` and after every ``step``; call
    :meth:`forget` (or read a freshly reset env, detected by its step counter)
    when an episode starts over.
    """

    def __init__(self, capacity: int = rules.OBJECT_CAPACITY):
        self.capacity = capacity
        self.forget()

    def forget(self) -> None:
        """Start a new trajectory: the next :meth:`read` fills slots in order."""
        self._slot: dict[int, int] = {}
        self._stamp: dict[int, int] = {}
        self._next_order = 0
        self._held: dict[int, object] = {}
        self._columns = {
            "alive": np.zeros(self.capacity, bool),
            "kind": np.zeros(self.capacity, np.int8),
            "pos": np.zeros((self.capacity, 2), np.int32),
            "health": np.zeros(self.capacity, np.int32),
            "cooldown": np.zeros(self.capacity, np.int32),
            "reload": np.zeros(self.capacity, np.int32),
            "grown": np.zeros(self.capacity, np.int32),
            "facing": np.zeros(self.capacity, np.int32),
            "order": np.zeros(self.capacity, np.int32),
        }
        self._step = -1

    def resume(self, state: CrafterState, env) -> None:
        """Follow ``env`` on from ``state``, which
        :func:`~symworld.envs.crafter_oo.bridge.to_crafter` has just written into it.

        The next :meth:`read` (after ``env.step``) keeps every object of ``state`` in
        its slot with its creation stamp, gives a new object the lowest free slot and
        goes on counting stamps from ``state.next_order``, so ``state`` and that read
        are one Crafter-OO transition. Raises ``ValueError`` when ``env`` does not
        hold ``state``'s objects or ``state``'s table is not ``capacity`` rows long.
        """
        objects = jax.device_get(state.objects)
        alive = np.asarray(objects.alive, bool)
        if alive.shape != (self.capacity,):
            raise ValueError(
                f"state's object table has {alive.shape[0]} rows, "
                f"the tracker {self.capacity}"
            )
        self.forget()
        for name, column in self._columns.items():
            self._columns[name] = np.array(getattr(objects, name), column.dtype)
        order = np.asarray(objects.order)
        slots = creation_order(objects)
        world, player = env._world, env._player
        living = [
            (index, obj)
            for index, obj in enumerate(world._objects)
            if obj is not None and obj is not player
        ]
        if len(living) != slots.size:
            raise ValueError(
                f"crafter env holds {len(living)} objects, the state {slots.size}"
            )
        for (identity, obj), slot in zip(living, slots, strict=True):
            if _kind(obj) != int(objects.kind[slot]):
                raise ValueError(f"crafter object {identity} is not slot {slot}'s kind")
            self._slot[identity] = int(slot)
            self._stamp[identity] = int(order[slot])
        self._held = dict(living)
        self._next_order = int(state.next_order)
        self._step = int(env._step)

    def _events(self, living: dict[int, object], player_index: int):
        """Removals and births since the last read, in Crafter-OO's order."""
        events = []
        for identity, obj in self._held.items():
            if identity in living:
                continue
            kind = _kind(obj)
            despawned = kind in _BALANCE_RANK and int(obj.health) > 0
            when = (1, _BALANCE_RANK[kind], 0, identity) if despawned else (0, identity)
            events.append((when, "remove", identity, obj))
        starts = {
            (int(o.pos[0]), int(o.pos[1])): i
            for i, o in self._held.items()
            if _kind(o) == rules.SKELETON
        }
        for identity, obj in living.items():
            if identity in self._slot:
                continue
            kind = _kind(obj)
            if kind == rules.ARROW:
                shooter = tuple(
                    int(v) for v in np.asarray(obj.pos) - np.asarray(obj.facing)
                )
                when = (0, starts.get(shooter, identity))
            elif kind == rules.PLANT:
                when = (0, player_index)
            else:
                when = (1, _BALANCE_RANK.get(kind, 3), 1, _chunk(obj), identity)
            events.append((when, "add", identity, obj))
        events.sort(key=lambda event: (event[0], event[1] == "add"))
        return events

    def read(self, env) -> CrafterState:
        """The Crafter-OO state of ``env`` now, objects in their tracked slots."""
        world, player = env._world, env._player
        base = from_crafter(env, capacity=self.capacity)
        if int(env._step) <= self._step or int(env._step) == 0:
            self.forget()
        first = self._step < 0
        self._step = int(env._step)
        living = {
            index: obj
            for index, obj in enumerate(world._objects)
            if obj is not None and obj is not player
        }
        if first:
            self._stamp = {identity: identity for identity in living}
            self._next_order = len(world._objects)
        balanced = not first and self._step % rules.BALANCE_INTERVAL == 0
        spawn_base = None  # next_order when the step's balancing starts
        player_index = next(i for i, obj in enumerate(world._objects) if obj is player)
        columns = self._columns
        for _, what, identity, obj in self._events(living, player_index):
            if what == "remove":
                slot = self._slot.pop(identity)
                for name, value in _values(obj, self._stamp.pop(identity)).items():
                    columns[name][slot] = value
                columns["alive"][slot] = False
            else:
                kind = _kind(obj)
                if identity in self._stamp:
                    pass  # an object of the first read
                elif kind in (rules.ARROW, rules.PLANT) or not balanced:
                    self._stamp[identity] = self._next_order
                    self._next_order += 1
                else:
                    if spawn_base is None:
                        spawn_base = self._next_order
                    rank = _BALANCE_RANK[kind]
                    self._stamp[identity] = spawn_base + 3 * _chunk(obj) + rank
                free = np.flatnonzero(~columns["alive"])
                if free.size == 0:
                    raise ValueError(
                        f"crafter world holds more than {self.capacity} objects"
                    )
                slot = int(free[0])
                self._slot[identity] = slot
                columns["alive"][slot] = True
                columns["facing"][slot] = 0
        if balanced:
            self._next_order += _BALANCE_STAMPS
        for identity, obj in living.items():
            slot = self._slot[identity]
            for name, value in _values(obj, self._stamp[identity]).items():
                columns[name][slot] = value
        self._held = dict(living)
        objects = ObjectTable(
            **{name: jnp.asarray(array.copy()) for name, array in columns.items()}
        )
        return dataclasses.replace(
            base,
            objects=objects,
            occupant=occupancy(base.player.pos, objects),
            next_order=jnp.int32(self._next_order),
        )


class CrafterRecording(NamedTuple):
    """Transitions of the original game as stacked Crafter-OO states.

    **Fields:**

    - ``states``: ``CrafterState`` with leading axis ``T``.
    - ``actions``: int32 ``(T,)``.
    - ``next_states``: ``CrafterState`` with leading axis ``T`` (the state after
      the step, before any reset that a finished episode triggers).
    """

    states: CrafterState
    actions: jax.Array
    next_states: CrafterState


def record_crafter(
    steps: int, *, seed: int, capacity: int = rules.OBJECT_CAPACITY
) -> CrafterRecording:
    """``steps`` transitions of ``crafter.Env(seed=seed)`` under a uniformly random
    policy drawn from ``numpy.random.default_rng(seed)``; finished episodes are
    reset and continue the recording."""
    import crafter

    rng = np.random.default_rng(seed)
    env = crafter.Env(seed=seed)
    env.reset()
    tracker = SlotTracker(capacity)
    state = jax.device_get(tracker.read(env))
    states, actions, following = [], [], []
    for _ in range(steps):
        action = int(rng.integers(0, env.action_space.n))
        _, _, done, _ = env.step(action)
        after = jax.device_get(tracker.read(env))
        states.append(state)
        actions.append(action)
        following.append(after)
        if done:
            env.reset()
            after = jax.device_get(tracker.read(env))
        state = after

    def stack(xs):
        return jax.tree.map(lambda *leaves: jnp.asarray(np.stack(leaves)), *xs)

    return CrafterRecording(
        stack(states), jnp.asarray(actions, jnp.int32), stack(following)
    )
