"""Exact rule outcomes of the Crafter-OO step on hand-built scenarios.

Expected values come from the rules of crafter 1.8.3 (``crafter/data.yaml`` and
``crafter/objects.py``); the differential tests in ``test_crafter_differential.py``
compare the same rules against the running original.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo import scenario as sc
from symworld.envs.crafter_oo.views import Arrow, Plant, World, Zombie

A = rules.ACTIONS.index


def play(step, state, actions, seed=0):
    infos = []
    key = jax.random.key(seed)
    for action in actions:
        key, sub = jax.random.split(key)
        state, info = step(state, jnp.int32(action), sub)
        infos.append(jax.device_get(info))
    return state, infos


def sand_world():
    """Sand everywhere: no creature ever spawns (zombies and cows need grass,
    skeletons need path)."""
    return sc.blank_state("sand")


def test_tree_is_consumed_and_gives_wood(crafter_step):
    state = sc.paint(sand_world(), "tree", (32, 33))  # the player faces down
    state, infos = play(crafter_step, state, [A("do"), A("do")])
    world = World(state)
    assert world.player.inventory["wood"] == 1
    assert world.at(32, 33).material == "grass"
    assert world.player.achievements["collect_wood"] == 1
    # The second ``do`` faces grass: a sapling with probability 0.1, never wood.
    sapling = world.player.inventory["sapling"]
    assert [float(i["reward"]) for i in infos] == [1.0, float(sapling)]


def test_stone_needs_a_wood_pickaxe_and_leaves_path(crafter_step):
    state = sc.paint(sand_world(), "stone", (32, 33))
    state, _ = play(crafter_step, state, [A("do")])
    assert World(state).at(32, 33).material == "stone"
    state = sc.set_inventory(state, wood_pickaxe=1)
    state, _ = play(crafter_step, state, [A("do")])
    world = World(state)
    assert world.at(32, 33).material == "path"
    assert world.player.inventory["stone"] == 1


def test_table_then_pickaxe_needs_table_in_3x3(crafter_step):
    state = sc.set_inventory(sand_world(), wood=4)
    state, _ = play(crafter_step, state, [A("place_table"), A("make_wood_pickaxe")])
    world = World(state)
    assert world.at(32, 33).material == "table"
    assert world.player.inventory["wood"] == 1  # 4 - 2 (table) - 1 (pickaxe)
    assert world.player.inventory["wood_pickaxe"] == 1
    # Diagonal neighbour counts (3x3 square); two cells away does not.
    far = sc.paint(sc.set_inventory(sand_world(), wood=1), "table", (34, 34))
    far, _ = play(crafter_step, far, [A("make_wood_sword")])
    assert World(far).player.inventory["wood_sword"] == 0
    diagonal = sc.paint(sc.set_inventory(sand_world(), wood=1), "table", (33, 33))
    diagonal, _ = play(crafter_step, diagonal, [A("make_wood_sword")])
    assert World(diagonal).player.inventory["wood_sword"] == 1


def test_crafting_is_impossible_on_column_zero(crafter_step):
    state = sc.set_player(sand_world(), pos=(0, 10))
    state = sc.paint(state, "table", (1, 10))
    state = sc.set_inventory(state, wood=1)
    state, _ = play(crafter_step, state, [A("make_wood_pickaxe")])
    assert World(state).player.inventory["wood_pickaxe"] == 0


def test_furnace_costs_four_stone_and_needs_no_table(crafter_step):
    state = sc.set_inventory(sand_world(), stone=3)
    state, _ = play(crafter_step, state, [A("place_furnace")])
    assert World(state).at(32, 33).material == "sand"
    state = sc.set_inventory(state, stone=5)
    state, _ = play(crafter_step, state, [A("place_furnace")])
    world = World(state)
    assert world.at(32, 33).material == "furnace"
    assert world.player.inventory["stone"] == 1


def test_iron_pickaxe_needs_table_and_furnace(crafter_step):
    state = sc.set_inventory(sand_world(), wood=1, coal=1, iron=1)
    state = sc.paint(state, "table", (31, 32))
    state, _ = play(crafter_step, state, [A("make_iron_pickaxe")])
    assert World(state).player.inventory["iron_pickaxe"] == 0
    state = sc.paint(state, "furnace", (33, 31))
    state, _ = play(crafter_step, state, [A("make_iron_pickaxe")])
    inventory = World(state).player.inventory
    assert (inventory["iron_pickaxe"], inventory["wood"], inventory["iron"]) == (
        1,
        0,
        0,
    )


def test_movement_turns_even_when_blocked_and_lava_kills(crafter_step):
    state = sc.paint(sand_world(), "water", (31, 32))
    state, _ = play(crafter_step, state, [A("move_left")])
    world = World(state)
    assert world.player.pos == (32, 32)
    assert world.player.facing == (-1, 0)
    state = sc.paint(state, "lava", (32, 31))
    state, infos = play(crafter_step, state, [A("move_up")])
    world = World(state)
    assert world.player.pos == (32, 31)
    assert world.player.health == 0
    assert bool(infos[-1]["terminated"]) and not bool(infos[-1]["truncated"])
    assert float(infos[-1]["reward"]) == pytest.approx(-0.9)


def test_sword_damage_and_cow_eating(crafter_step):
    state = sc.paint(sand_world(), "stone", (31, 33), (33, 33), (32, 34))  # pinned
    state, slot = sc.add_object(state, "cow", (32, 33))
    state = sc.set_player(state, hunger=10)
    state, _ = play(crafter_step, state, [A("do")])
    assert World(state).object(slot).health == 2  # bare hands: 1 damage
    state = sc.set_inventory(state, stone_sword=1, food=2)
    state, _ = play(crafter_step, state, [A("do")])
    world = World(state)
    assert world.player.inventory["food"] == 8  # + 6
    assert world.player.achievements["eat_cow"] == 1
    assert world.player.hunger == 1.0  # reset to 0, then + 1 this step
    assert world.at(32, 33).object is None  # removed itself in its own update


def test_zombie_hits_sleeping_player_for_seven(crafter_step):
    state = sc.set_inventory(sand_world(), energy=3)
    state, slot = sc.add_object(state, "zombie", (33, 32))
    state = sc.paint(state, "stone", (34, 32), (33, 31), (33, 33))  # it cannot move
    state = sc.set_player(state, sleeping=True)
    state, _ = play(crafter_step, state, [A("noop")])
    world = World(state)
    assert world.player.health == 2
    assert world.object(slot).cooldown == 5
    assert world.player.sleeping  # wakes on the next player update
    state, _ = play(crafter_step, state, [A("noop")])
    world = World(state)
    assert not world.player.sleeping
    assert world.player.achievements["wake_up"] == 0


def test_arrow_breaks_a_table_into_path(crafter_step):
    state = sc.paint(sand_world(), "table", (40, 32))
    state, slot = sc.add_object(state, "arrow", (38, 32), facing="right")
    state, _ = play(crafter_step, state, [A("noop")])
    world = World(state)
    assert world.object(slot).pos == (39, 32)
    state, _ = play(crafter_step, state, [A("noop")])
    world = World(state)
    assert world.at(40, 32).material == "path"
    assert not list(world.objects(Arrow))


def test_plant_ripens_after_301_updates_and_is_eaten(crafter_rollout):
    state = sc.paint(sand_world(), "grass", (32, 33))
    state = sc.set_inventory(state, sapling=1, food=3)
    actions = jnp.asarray([A("place_plant")] + [A("noop")] * 300, jnp.int32)
    state, _, _ = crafter_rollout(state, actions, jax.random.key(0))
    plant = next(World(state).objects(Plant))
    assert plant.grown == 300 and not plant.ripe  # placed objects wait one step
    state, _, _ = crafter_rollout(
        state, jnp.asarray([0, A("do")], jnp.int32), jax.random.key(1)
    )
    world = World(state)
    plant = next(world.objects(Plant))
    assert plant.grown == 1  # ripe at 301, eaten (reset to 0), then grew once
    assert world.player.achievements["eat_plant"] == 1


def _reference_vitals(steps: int, sleeping: bool, health: int) -> list[tuple]:
    """The original's counters, written out independently in floats."""
    inv = {"health": health, "food": 9, "drink": 9, "energy": 9 if not sleeping else 3}
    hunger = thirst = fatigue = recover = 0.0
    out = []
    for _ in range(steps):
        hunger += 0.5 if sleeping else 1
        if hunger > 25:
            hunger, inv["food"] = 0, inv["food"] - 1
        thirst += 0.5 if sleeping else 1
        if thirst > 20:
            thirst, inv["drink"] = 0, inv["drink"] - 1
        fatigue = min(fatigue - 1, 0) if sleeping else fatigue + 1
        if fatigue < -10:
            fatigue, inv["energy"] = 0, inv["energy"] + 1
        if fatigue > 30:
            fatigue, inv["energy"] = 0, inv["energy"] - 1
        ok = inv["food"] > 0 and inv["drink"] > 0 and (inv["energy"] > 0 or sleeping)
        recover += (2 if sleeping else 1) if ok else (-0.5 if sleeping else -1)
        if recover > 25:
            recover, inv["health"] = 0, inv["health"] + 1
        if recover < -15:
            recover, inv["health"] = 0, inv["health"] - 1
        inv = {k: max(0, min(9, v)) for k, v in inv.items()}
        out.append(
            (inv["health"], inv["food"], inv["drink"], inv["energy"], hunger, thirst)
        )
    return out


@pytest.mark.parametrize("sleeping", [False, True], ids=["awake", "asleep"])
def test_vitals_counters_over_320_steps(crafter_rollout, sleeping):
    state = sc.set_inventory(sand_world(), health=4, energy=3 if sleeping else 9)
    action = A("sleep") if sleeping else A("noop")
    actions = jnp.full((320,), action, jnp.int32)
    _, states, _ = crafter_rollout(state, actions, jax.random.key(2))
    states = jax.device_get(states)
    inventory = np.asarray(states.player.inventory)
    expected = _reference_vitals(320, sleeping, health=4)
    if sleeping:
        # Energy reaches 9 and the player wakes: compare only while asleep.
        asleep = np.asarray(states.player.sleeping)
        stop = int(np.argmin(asleep)) if not asleep.all() else 320
        assert stop > 60
    else:
        stop = 320
    got = [
        (
            *inventory[t, :4].tolist(),
            states.player.hunger[t] / 2,
            states.player.thirst[t] / 2,
        )
        for t in range(stop)
    ]
    assert got == [tuple(row) for row in expected[:stop]]


def test_truncation_at_episode_length(crafter_step):
    state = sc.set_step(sand_world(), rules.EPISODE_LENGTH - 1)
    state, infos = play(crafter_step, state, [A("noop")])
    assert bool(infos[0]["truncated"]) and not bool(infos[0]["terminated"])
    assert int(state.step) == rules.EPISODE_LENGTH


def test_two_unlocks_in_one_step_give_one_reward(crafter_step):
    # Waking up (energy 9 while asleep) and collecting wood in the same step.
    state = sc.paint(sand_world(), "tree", (32, 33))
    state = sc.set_player(state, sleeping=True)
    state, infos = play(crafter_step, state, [A("do")])
    world = World(state)
    assert world.player.achievements["wake_up"] == 1
    assert world.player.achievements["collect_wood"] == 1
    assert float(infos[0]["reward"]) == 1.0


def test_far_objects_are_frozen(crafter_step):
    state, near = sc.add_object(sand_world(), "zombie", (32 + 10, 32))
    state, far = sc.add_object(state, "zombie", (32 + 18, 32))
    state = sc.paint(
        state, "grass", *[(x, y) for x in range(40, 60) for y in range(25, 40)]
    )
    moved_near = moved_far = 0
    for seed in range(6):
        after, _ = play(crafter_step, state, [A("noop")], seed=seed)
        world = World(after)
        moved_near += world.object(near).pos != (42, 32)
        moved_far += world.object(far).pos != (50, 32)
    assert moved_far == 0
    assert moved_near >= 1


def test_objects_update_in_creation_order(crafter_step):
    # Two zombies want the same free cell next to the player; the older one wins.
    state = sc.paint(
        sand_world(), "grass", (34, 32), (33, 32), (35, 32), (34, 31), (34, 33)
    )
    state = sc.paint(state, "stone", (36, 32))
    state, old = sc.add_object(state, "zombie", (34, 31))
    state, young = sc.add_object(state, "zombie", (34, 33))
    hits = 0
    for seed in range(8):
        after, _ = play(crafter_step, state, [A("noop")], seed=seed)
        world = World(after)
        zombies = {z.slot: z.pos for z in world.objects(Zombie)}
        assert len(set(zombies.values())) == 2
        hits += zombies[old] == (34, 32) and zombies[young] == (34, 32)
    assert hits == 0
