"""Shared harness of the Crafter-OO faithfulness tests: scenarios played in both games.

A scenario is a :class:`CrafterSnapshot` (built with :func:`blank` and :func:`paint` /
:func:`add`) plus a list of actions. :func:`play_crafter` writes it into a real
``crafter.Env`` and steps it; :func:`play_ours` converts it with the bridge and steps
our JAX core, many scenarios at once under one compiled ``jit(vmap(step))`` of a fixed
batch size (:data:`BATCH`), so the whole test session compiles the step once.
"""

from __future__ import annotations

import copy
import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import bridge, rules
from symworld.envs.crafter_oo.crafter_snapshot import (
    CrafterObject,
    CrafterSnapshot,
    new_crafter_env,
    read_crafter,
    write_crafter,
)

BATCH = 32
"""Batch size of every call to our compiled step (one compilation per session)."""

ACTION = {name: index for index, name in enumerate(rules.ACTIONS)}


# ------------------------------------------------------------------------- building
def blank(
    fill: str = "sand",
    *,
    pos: tuple[int, int] = (32, 32),
    facing: tuple[int, int] = (0, 1),
    step: int = 0,
    sleeping: bool = False,
    counters: tuple[float, float, float, float] = (0, 0, 0, 0),
    **inventory: int,
) -> CrafterSnapshot:
    """A world of one material with only the player; ``inventory`` overrides items.

    ``counters`` = (hunger, thirst, fatigue, recover) in crafter's units.
    """
    items = {
        name: int(v)
        for name, v in zip(rules.ITEMS, rules.INITIAL_INVENTORY, strict=True)
    }
    for name, value in inventory.items():
        if name not in items:
            raise KeyError(name)
        items[name] = value
    material = np.full(rules.AREA, rules.MATERIAL_IDS[fill], np.uint8)
    hunger, thirst, fatigue, recover = counters
    return CrafterSnapshot(
        material=material,
        player_pos=pos,
        facing=facing,
        sleeping=sleeping,
        inventory=items,
        achievements={name: 0 for name in rules.ACHIEVEMENTS},
        hunger=float(hunger),
        thirst=float(thirst),
        fatigue=float(fatigue),
        recover=float(recover),
        player_last_health=items["health"],
        env_last_health=items["health"],
        step=step,
        daylight=float(rules.daylight_of(step)),
        objects=[],
        chunks=[],
    )


def paint(snap: CrafterSnapshot, material: str, *cells) -> CrafterSnapshot:
    """Set the material of cells given relative to the player as ``(dx, dy)``."""
    x0, y0 = snap.player_pos
    for dx, dy in cells:
        snap.material[x0 + dx, y0 + dy] = rules.MATERIAL_IDS[material]
    return snap


def add(
    snap: CrafterSnapshot,
    kind: str,
    offset: tuple[int, int],
    *,
    health: int | None = None,
    timer: int = 0,
    facing: tuple[int, int] = (0, 0),
) -> CrafterSnapshot:
    """Append an object at ``player + offset`` (created after the existing ones)."""
    x0, y0 = snap.player_pos
    default = {"cow": 3, "zombie": 5, "skeleton": 3, "arrow": 0, "plant": 1}[kind]
    snap.objects.append(
        CrafterObject(
            kind=kind,
            pos=(x0 + offset[0], y0 + offset[1]),
            health=default if health is None else health,
            timer=timer,
            facing=facing,
        )
    )
    return snap


def enclose(snap: CrafterSnapshot, offset: tuple[int, int], material="stone"):
    """Wall in the cell ``player + offset`` on every side but the player's."""
    for d in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        cell = (offset[0] + d[0], offset[1] + d[1])
        if cell != (0, 0):
            paint(snap, material, cell)
    return snap


@dataclasses.dataclass
class Scenario:
    """A named situation and the actions to play from it."""

    name: str
    start: CrafterSnapshot
    actions: list[int]


# -------------------------------------------------------------------------- crafter
@functools.lru_cache(maxsize=1)
def _crafter_env():
    return new_crafter_env(render=False)


def canonical(snap: CrafterSnapshot) -> CrafterSnapshot:
    """The snapshot as crafter holds it after a write (chunk keys of objects added)."""
    env = write_crafter(copy.deepcopy(snap), _crafter_env())
    return read_crafter(env)


@dataclasses.dataclass
class Played:
    """Snapshots after each step (index 0 = start) and per-step outcomes."""

    snapshots: list[CrafterSnapshot]
    rewards: list[float]
    terminated: list[bool]
    truncated: list[bool]


def play_crafter(scenario: Scenario, *, seed: int = 0) -> Played:
    """Step the original game through the scenario."""
    env = write_crafter(copy.deepcopy(scenario.start), _crafter_env(), seed=seed)
    out = Played([read_crafter(env)], [], [], [])
    for action in scenario.actions:
        _, reward, done, info = env.step(action)
        dead = info["discount"] == 0
        out.snapshots.append(read_crafter(env))
        out.rewards.append(float(reward))
        out.terminated.append(bool(dead))
        out.truncated.append(bool(done and not dead))
    return out


# ----------------------------------------------------------------------------- ours
@functools.lru_cache(maxsize=1)
def core():
    """(env, params, compiled batched step) of our core, built once per session."""
    from symworld.envs.crafter_oo import CrafterOO

    env = CrafterOO()
    params = env.default_params

    def one(state, action, key):
        return env.step(state, action, key, params)

    return env, params, jax.jit(jax.vmap(one))


def stack(states: list) -> object:
    """Stack unbatched states into one batched pytree."""
    return jax.tree.map(lambda *xs: jnp.stack(xs), *states)


def unstack(batch, n: int) -> list:
    """The first ``n`` states of a batched pytree, as NumPy-backed pytrees."""
    host = jax.device_get(batch)
    return [jax.tree.map(lambda x, i=i: x[i], host) for i in range(n)]


def step_batch(states, actions: np.ndarray, keys: jax.Array):
    """One step of ``BATCH`` states (``actions`` int32[BATCH], ``keys`` [BATCH])."""
    _, _, step = core()
    return step(states, jnp.asarray(actions, jnp.int32), keys)


def play_ours(scenarios: list[Scenario], *, seed: int = 0) -> list[Played]:
    """Step our core through each scenario (batched, padded to :data:`BATCH`)."""
    results = []
    for first in range(0, len(scenarios), BATCH):
        group = scenarios[first : first + BATCH]
        starts = [bridge.snapshot_to_state(canonical(s.start)) for s in group]
        n = len(group)
        padded = starts + [starts[0]] * (BATCH - n)
        horizon = max(len(s.actions) for s in group)
        plays = [Played([bridge.state_to_snapshot(st)], [], [], []) for st in starts]
        batch = stack(padded)
        key = jax.random.key(seed)
        for t in range(horizon):
            actions = np.zeros(BATCH, np.int32)
            for i, s in enumerate(group):
                if t < len(s.actions):
                    actions[i] = s.actions[t]
            keys = jax.random.split(jax.random.fold_in(key, t), BATCH)
            batch, info = step_batch(batch, actions, keys)
            states = unstack(batch, n)
            info = jax.device_get(info)
            for i, s in enumerate(group):
                if t < len(s.actions):
                    plays[i].snapshots.append(bridge.state_to_snapshot(states[i]))
                    plays[i].rewards.append(float(info["reward"][i]))
                    plays[i].terminated.append(bool(info["terminated"][i]))
                    plays[i].truncated.append(bool(info["truncated"][i]))
        results.extend(plays)
    return results


def first_difference(ours: Played, theirs: Played) -> str | None:
    """A readable description of the first step where the two plays differ."""
    for t in range(len(theirs.snapshots)):
        fields = bridge.snapshot_differences(ours.snapshots[t], theirs.snapshots[t])
        if fields:
            a, b = ours.snapshots[t].comparable(), theirs.snapshots[t].comparable()
            detail = {f: (a[f], b[f]) for f in fields if f != "material"}
            if "material" in fields:
                diff = np.argwhere(
                    ours.snapshots[t].material != theirs.snapshots[t].material
                )
                detail["material"] = [
                    (
                        tuple(int(v) for v in xy),
                        int(ours.snapshots[t].material[tuple(xy)]),
                        int(theirs.snapshots[t].material[tuple(xy)]),
                    )
                    for xy in diff[:5]
                ]
            return f"after step {t}: (ours, crafter) {detail}"
        if t == 0:
            continue
        pairs = (
            ("reward", ours.rewards, theirs.rewards),
            ("terminated", ours.terminated, theirs.terminated),
            ("truncated", ours.truncated, theirs.truncated),
        )
        for name, a, b in pairs:
            if name == "reward" and abs(a[t - 1] - b[t - 1]) <= 1e-6:
                continue
            if a[t - 1] != b[t - 1]:
                return f"step {t}: {name} ours {a[t - 1]} crafter {b[t - 1]}"
        if theirs.terminated[t - 1]:
            break  # after death crafter keeps stepping a dead player; not compared
    return None
