"""The Crafter-OO scenario suite and distractor set.

Every scenario starts from a blank grass world (``scenario.blank_state``) with the
player at (32, 32) facing right, the thing under test on the faced cell (33, 32),
and a scripted policy; success and failure variants differ only in the
precondition (a missing tool, too few items, an unripe plant, ...).
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo import scenario as sc
from symworld.evaluation.mutators import (
    EntityHealthMutator,
    EntityPositionMutator,
    MapTileMutator,
    Mutator,
    SpawnDespawnMutator,
)
from symworld.evaluation.scenarios import Scenario, constant_policy

FRONT = (33, 32)
BEHIND = (31, 32)


def _base(**inventory):
    state = sc.blank_state("grass")
    state = sc.set_player(state, facing="right")
    return sc.set_inventory(state, **inventory) if inventory else state


def _setup(material=None, objects=(), **inventory):
    def build(key):
        state = _base(**inventory)
        if material is not None:
            for name, cell in material:
                state = sc.paint(state, name, cell)
        for kind, cell, options in objects:
            state, _ = sc.add_object(state, kind, cell, **options)
        return state

    return build


def _random_policy(state, t, key):
    return jax.random.randint(key, (), rules.MOVE_LEFT, rules.MOVE_DOWN + 1)


def scenarios() -> list[Scenario]:
    do, noop = constant_policy(rules.DO), constant_policy(rules.NOOP)
    suite = []
    tools = {"stone": "wood_pickaxe", "coal": "wood_pickaxe", "iron": "stone_pickaxe"}
    tools["diamond"] = "iron_pickaxe"
    for material in ("tree", "stone", "coal", "iron", "diamond", "water"):
        name = {"tree": "collect_wood", "water": "collect_drink"}.get(
            material, f"collect_{material}"
        )
        need = {tools[material]: 1} if material in tools else {}
        painted = [(material, FRONT)]
        if material == "water":
            success = _setup(painted, drink=5)
            failure = _setup([("sand", FRONT)], drink=5)
        elif material == "tree":
            success = _setup(painted)
            failure = _setup([("sand", FRONT)])
        else:
            success = _setup(painted, **need)
            failure = _setup(painted)
        suite.append(Scenario(name, "success", success, do, 1))
        suite.append(Scenario(name, "failure", failure, do, 1))
    suite.append(Scenario("collect_sapling", "success", _setup(), do, 5))
    suite.append(
        Scenario("collect_sapling", "failure", _setup([("sand", FRONT)]), do, 1)
    )

    places = {
        "place_stone": (rules.PLACE_STONE, {"stone": 1}),
        "place_table": (rules.PLACE_TABLE, {"wood": 2}),
        "place_furnace": (rules.PLACE_FURNACE, {"stone": 4}),
        "place_plant": (rules.PLACE_PLANT, {"sapling": 1}),
    }
    for name, (action, cost) in places.items():
        short = {item: count - 1 for item, count in cost.items()}
        policy = constant_policy(action)
        suite.append(Scenario(name, "success", _setup(**cost), policy, 1))
        suite.append(Scenario(name, "failure", _setup(**short), policy, 1))

    table = [("table", BEHIND)]
    both = [("table", BEHIND), ("furnace", (32, 31))]
    makes = {
        "make_wood_pickaxe": (rules.MAKE_WOOD_PICKAXE, table, {"wood": 1}),
        "make_stone_pickaxe": (
            rules.MAKE_STONE_PICKAXE,
            table,
            {"wood": 1, "stone": 1},
        ),
        "make_iron_pickaxe": (
            rules.MAKE_IRON_PICKAXE,
            both,
            {"wood": 1, "coal": 1, "iron": 1},
        ),
        "make_wood_sword": (rules.MAKE_WOOD_SWORD, table, {"wood": 1}),
        "make_stone_sword": (rules.MAKE_STONE_SWORD, table, {"wood": 1, "stone": 1}),
        "make_iron_sword": (
            rules.MAKE_IRON_SWORD,
            both,
            {"wood": 1, "coal": 1, "iron": 1},
        ),
    }
    for name, (action, stations, cost) in makes.items():
        policy = constant_policy(action)
        suite.append(Scenario(name, "success", _setup(stations, **cost), policy, 1))
        suite.append(Scenario(name, "failure", _setup(stations), policy, 1))

    cow = [("cow", FRONT, {})]
    suite.append(Scenario("eat_cow", "success", _setup(objects=cow), do, 3))
    suite.append(Scenario("eat_cow", "failure", _setup(objects=cow), noop, 3))
    ripe = [("plant", FRONT, {"grown": 301})]
    unripe = [("plant", FRONT, {"grown": 100})]
    suite.append(Scenario("eat_plant", "success", _setup(objects=ripe), do, 1))
    suite.append(Scenario("eat_plant", "failure", _setup(objects=unripe), do, 1))
    zombie = [("zombie", FRONT, {"cooldown": 5})]
    suite.append(
        Scenario(
            "defeat_zombie", "success", _setup(objects=zombie, wood_sword=1), do, 3
        )
    )
    suite.append(Scenario("defeat_zombie", "failure", _setup(objects=zombie), noop, 1))
    skeleton = [("skeleton", FRONT, {"reload": 4})]
    suite.append(
        Scenario(
            "defeat_skeleton", "success", _setup(objects=skeleton, wood_sword=1), do, 2
        )
    )
    suite.append(
        Scenario("defeat_skeleton", "failure", _setup(objects=skeleton), noop, 1)
    )

    def tired(key):
        return sc.set_player(sc.set_inventory(_base(), energy=8), fatigue=0)

    def rested(key):
        return sc.set_inventory(_base(), energy=9)

    suite.append(
        Scenario("sleep_and_wake", "success", tired, constant_policy(rules.SLEEP), 12)
    )
    suite.append(
        Scenario("sleep_and_wake", "failure", rested, constant_policy(rules.SLEEP), 1)
    )
    far_cow = [("cow", (36, 36), {})]
    suite.append(Scenario("cow_movement", "only", _setup(objects=far_cow), noop, 10))
    suite.append(Scenario("random_movement", "only", _setup(), _random_policy, 10))
    attacker = [("zombie", FRONT, {"cooldown": 0})]

    def dying(key):
        state = _setup(objects=attacker, health=2)(key)
        return state

    suite.append(Scenario("death_by_zombie", "only", dying, noop, 1))

    # Creatures and arrows acting on their own (the player waits).
    chaser = [("zombie", (37, 34), {"cooldown": 5})]
    suite.append(Scenario("zombie_chase", "only", _setup(objects=chaser), noop, 5))
    biter = [("zombie", FRONT, {"cooldown": 0})]
    waiting = [("zombie", FRONT, {"cooldown": 3})]
    suite.append(Scenario("zombie_attack", "success", _setup(objects=biter), noop, 1))
    suite.append(Scenario("zombie_attack", "failure", _setup(objects=waiting), noop, 1))

    def sleeping(key):
        state = _setup(objects=biter, energy=3)(key)
        return sc.set_player(state, sleeping=True)

    suite.append(
        Scenario(
            "zombie_attack_sleeping", "only", sleeping, constant_policy(rules.SLEEP), 1
        )
    )
    archer = [("skeleton", (36, 32), {"reload": 0})]
    suite.append(
        Scenario("skeleton_behaviour", "only", _setup(objects=archer), noop, 3)
    )
    incoming = [("arrow", (34, 32), {"facing": "left"})]
    outgoing = [("arrow", (35, 32), {"facing": "right"})]
    suite.append(
        Scenario("arrow_hits_player", "success", _setup(objects=incoming), noop, 2)
    )
    suite.append(
        Scenario("arrow_hits_player", "failure", _setup(objects=outgoing), noop, 2)
    )
    at_table = [("arrow", (35, 32), {"facing": "right"})]
    suite.append(
        Scenario(
            "arrow_breaks_table",
            "success",
            _setup([("table", (36, 32))], objects=at_table),
            noop,
            1,
        )
    )
    suite.append(
        Scenario(
            "arrow_breaks_table",
            "failure",
            _setup([("stone", (36, 32))], objects=at_table),
            noop,
            1,
        )
    )
    grazed = [("plant", (36, 34), {"grown": 10}), ("cow", (37, 34), {})]
    alone = [("plant", (36, 34), {"grown": 10})]
    suite.append(Scenario("plant_eaten", "success", _setup(objects=grazed), noop, 1))
    suite.append(Scenario("plant_eaten", "failure", _setup(objects=alone), noop, 1))
    return suite


@dataclasses.dataclass(frozen=True)
class InventoryItemMutator(Mutator):
    """+-1..3 on one of the listed inventory items (``gain_only``: +1 on an item
    the true step did not increase)."""

    items: tuple[int, ...] = ()
    gain_only: bool = False

    def edit(self, rng, schema, previous, action, candidate):
        start = int(schema.offsets[schema.index("player.inventory")])
        options = [
            i
            for i in self.items
            if not self.gain_only
            or (
                candidate[start + i] <= previous[start + i] and candidate[start + i] < 9
            )
        ]
        if not options:
            return None
        site = start + int(options[int(rng.integers(len(options)))])
        if self.gain_only:
            candidate[site] += 1
        else:
            step = int(rng.integers(1, 4)) * int(rng.choice([-1, 1]))
            value = int(np.clip(candidate[site] + step, 0, 9))
            candidate[site] = (
                value if value != candidate[site] else candidate[site] - step
            )
            candidate[site] = int(np.clip(candidate[site], 0, 9))
        return candidate


@dataclasses.dataclass(frozen=True)
class PlayerStepMutator(Mutator):
    """The player stands one cell away from where it truly is."""

    def edit(self, rng, schema, previous, action, candidate):
        start = int(schema.offsets[schema.index("player.pos")])
        axis = int(rng.integers(2))
        candidate[start + axis] = int(
            np.clip(candidate[start + axis] + rng.choice([-1, 1]), 0, 63)
        )
        return candidate


def mutators() -> tuple[Mutator, ...]:
    """The Crafter-OO distractor set (see :mod:`symworld.evaluation.mutators`)."""
    still = tuple(a for a in range(rules.NUM_ACTIONS) if not 1 <= a <= 4)
    makes = tuple(range(rules.MAKE_WOOD_PICKAXE, rules.MAKE_IRON_SWORD + 1))
    return (
        EntityHealthMutator("entity_health", "combat"),
        EntityPositionMutator("entity_position", "physics"),
        InventoryItemMutator("player_health", "combat", items=(rules.HEALTH,)),
        InventoryItemMutator(
            "inventory", "ego", items=tuple(range(rules.FOOD, rules.NUM_ITEMS))
        ),
        InventoryItemMutator(
            "illegal_material",
            "collection",
            (rules.DO,),
            items=tuple(range(rules.SAPLING, rules.DIAMOND_ITEM + 1)),
            gain_only=True,
        ),
        InventoryItemMutator(
            "wrong_tool",
            "crafting",
            makes,
            items=tuple(range(rules.WOOD_PICKAXE, rules.IRON_SWORD + 1)),
            gain_only=True,
        ),
        PlayerStepMutator("player_moved", "physics", still),
        MapTileMutator("map_tile", "placement"),
        SpawnDespawnMutator("spawn_despawn", "lifecycle"),
    )
