"""The player's update: action, vitals, health, waking (one call per step, first).

Follows the order of the original's ``Player.update``: wake or stay asleep, run the
action (move / do / sleep / place / make), update hunger, thirst and fatigue, regain
or lose health, clip the inventory to [0, 9], and wake up when hurt.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import grid, rules
from symworld.envs.crafter_oo.state import EMPTY, PLAYER_OCCUPANT, CrafterState
from symworld.envs.crafter_oo.table import add_object

A = rules.ACHIEVEMENT_IDS


def _collect_tables() -> dict[str, np.ndarray]:
    """Per-material arrays (length 13) describing the collect rules."""
    n = rules.NUM_MATERIALS
    tables = {
        "collectable": np.zeros(n, bool),
        "require": np.zeros((n, rules.NUM_ITEMS), np.int32),
        "receive": np.zeros(n, np.int32),
        "leaves": np.arange(n, dtype=np.int32),
        "probability": np.ones(n, np.float32),
        "achievement": np.zeros(n, np.int32),
    }
    for material, (require, item, leaves, probability, name) in rules.COLLECT.items():
        tables["collectable"][material] = True
        for required, count in require.items():
            tables["require"][material, required] = count
        tables["receive"][material] = item
        tables["leaves"][material] = leaves
        tables["probability"][material] = probability
        tables["achievement"][material] = A[name]
    return tables


def _craft_tables() -> dict[str, np.ndarray]:
    """Per-action arrays (length 17) describing place and make."""
    n = rules.NUM_ACTIONS
    tables = {
        "cost": np.zeros((n, rules.NUM_ITEMS), np.int32),
        "where": np.zeros((n, rules.NUM_MATERIALS), bool),
        "places": np.zeros(n, np.int32),
        "needs_table": np.zeros(n, bool),
        "needs_furnace": np.zeros(n, bool),
        "gives": np.zeros(n, np.int32),
        "achievement": np.zeros(n, np.int32),
    }
    for action, (cost, where, material, name) in rules.PLACE.items():
        for item, count in cost.items():
            tables["cost"][action, item] = count
        tables["where"][action, list(where)] = True
        tables["places"][action] = 0 if material is None else material
        tables["achievement"][action] = A[name]
    for action, (cost, nearby, item, name) in rules.MAKE.items():
        for required, count in cost.items():
            tables["cost"][action, required] = count
        tables["needs_table"][action] = rules.TABLE in nearby
        tables["needs_furnace"][action] = rules.FURNACE in nearby
        tables["gives"][action] = item
        tables["achievement"][action] = A[name]
    return tables


COLLECT = {k: jnp.asarray(v) for k, v in _collect_tables().items()}
CRAFT = {k: jnp.asarray(v) for k, v in _craft_tables().items()}
NEARBY_OFFSETS = jnp.asarray(
    [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)], jnp.int32
)


def damage(inventory: jax.Array) -> jax.Array:
    """Damage the player deals: the best sword's, at least 1 (int32)."""
    value = jnp.int32(rules.BARE_HAND_DAMAGE)
    for item, amount in rules.SWORD_DAMAGE:
        value = jnp.maximum(value, jnp.where(inventory[item] > 0, amount, 0))
    return value


def nearby_materials(
    material: jax.Array, pos: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """(table nearby, furnace nearby) in the 3x3 square around ``pos``.

    Reproduces the original's slice ``map[x-1:x+2, y-1:y+2]``: on column 0 or row 0
    the slice is empty, so nothing is ever nearby there.
    """
    cells = pos + NEARBY_OFFSETS
    mats = grid.material_at(material, cells)
    valid = grid.inside(cells) & (pos[0] >= 1) & (pos[1] >= 1)
    table = jnp.any(valid & (mats == rules.TABLE))
    furnace = jnp.any(valid & (mats == rules.FURNACE))
    return table, furnace


def update_player(
    state: CrafterState, action: jax.Array, key: jax.Array
) -> CrafterState:
    """Run the player's update for ``action`` (int32 scalar in [0, 17))."""
    player = state.player
    inventory = player.inventory
    achievements = player.achievements
    material = state.material
    occupant = state.occupant
    objects = state.objects
    action = jnp.asarray(action, jnp.int32)

    # Asleep: keep sleeping while energy is below its maximum, else wake up.
    rested = inventory[rules.ENERGY] >= rules.ITEM_MAX
    wakes = player.sleeping & rested
    achievements = achievements.at[A["wake_up"]].add(wakes.astype(jnp.int32))
    action = jnp.where(player.sleeping & ~rested, rules.SLEEP, action)
    sleeping = player.sleeping & ~wakes

    # Move: always turn; step if the cell is on the map, empty and walkable.
    is_move = (action >= rules.MOVE_LEFT) & (action <= rules.MOVE_DOWN)
    facing = jnp.where(is_move, action - rules.MOVE_LEFT, player.facing)
    # The faced cell (for do and place) and the cell a move goes to, read from the
    # maps in one gather each: the writes to the maps below then depend on every
    # read of them, so XLA updates the maps in place instead of copying them.
    target, step_target = (
        player.pos + grid.DIRECTIONS[jnp.stack([player.facing, facing])]
    )
    materials = grid.material_at(material, jnp.stack([target, step_target]))
    occupants = grid.occupant_at(occupant, jnp.stack([target, step_target]))
    target_material, target_occupant = materials[0], occupants[0]
    target_has_object = target_occupant != EMPTY
    can_step = (
        grid.inside(step_target)
        & (occupants[1] == EMPTY)
        & grid.is_in(materials[1], rules.PLAYER_WALKABLE)
    )
    moved = is_move & can_step
    pos = jnp.where(moved, step_target, player.pos)
    # The cell left (only when the player moved) and the player's cell, in one
    # scatter that depends on the reads above.
    occupant = occupant.at[
        jnp.stack([jnp.where(moved, player.pos[0], rules.AREA[0]), pos[0]]),
        jnp.stack([player.pos[1], pos[1]]),
    ].set(jnp.array([EMPTY, PLAYER_OCCUPANT], occupant.dtype), mode="drop")
    cx, cy = grid.chunk_of(pos)
    chunk_seen = state.chunk_seen.at[cx, cy].set(True)
    on_lava = is_move & (grid.material_at(material, pos) == rules.LAVA)
    inventory = inventory.at[rules.HEALTH].set(
        jnp.where(on_lava, 0, inventory[rules.HEALTH])
    )

    # Do on an object: eat a ripe plant, or hit a zombie, skeleton or cow.
    is_do = action == rules.DO
    slot = jnp.clip(target_occupant, 0, objects.capacity - 1)
    kind = objects.kind[slot].astype(jnp.int32)
    do_object = is_do & (target_occupant >= 0)
    hits = do_object & grid.is_in(kind, (rules.ZOMBIE, rules.SKELETON, rules.COW))
    hit_health = jnp.maximum(objects.health[slot] - damage(inventory), 0)
    killed = hits & (hit_health <= 0)
    eats_plant = (
        do_object
        & (kind == rules.PLANT)
        & (objects.grown[slot] > rules.PLANT_RIPE_AFTER)
    )
    eats_cow = killed & (kind == rules.COW)
    objects = dataclasses.replace(
        objects,
        health=objects.health.at[slot].set(
            jnp.where(hits, hit_health, objects.health[slot])
        ),
        grown=objects.grown.at[slot].set(jnp.where(eats_plant, 0, objects.grown[slot])),
    )
    inventory = inventory.at[rules.FOOD].add(
        jnp.where(eats_plant, rules.PLANT_EAT_FOOD, 0)
        + jnp.where(eats_cow, rules.COW_EAT_FOOD, 0)
    )
    achievements = (
        achievements.at[A["eat_plant"]]
        .add(eats_plant.astype(jnp.int32))
        .at[A["eat_cow"]]
        .add(eats_cow.astype(jnp.int32))
        .at[A["defeat_zombie"]]
        .add((killed & (kind == rules.ZOMBIE)).astype(jnp.int32))
        .at[A["defeat_skeleton"]]
        .add((killed & (kind == rules.SKELETON)).astype(jnp.int32))
    )
    hunger = jnp.where(eats_cow, 0, player.hunger)

    # Do on a material: collect it if the requirements are met.
    do_material = is_do & ~target_has_object
    thirst = jnp.where(do_material & (target_material == rules.WATER), 0, player.thirst)
    collects = (
        do_material
        & COLLECT["collectable"][target_material]
        & jnp.all(inventory >= COLLECT["require"][target_material])
    )
    tx = jnp.clip(target[0], 0, rules.AREA[0] - 1)
    ty = jnp.clip(target[1], 0, rules.AREA[1] - 1)
    material = material.at[tx, ty].set(
        jnp.where(
            collects, COLLECT["leaves"][target_material], material[tx, ty]
        ).astype(jnp.uint8)
    )
    lucky = jax.random.uniform(key) <= COLLECT["probability"][target_material]
    receives = collects & lucky
    inventory = inventory.at[COLLECT["receive"][target_material]].add(
        receives.astype(jnp.int32)
    )
    achievements = achievements.at[COLLECT["achievement"][target_material]].add(
        receives.astype(jnp.int32)
    )

    # Sleep.
    sleeping = sleeping | (
        (action == rules.SLEEP) & (inventory[rules.ENERGY] < rules.ITEM_MAX)
    )

    # Place: empty target cell of an allowed material, cost available.
    is_place = (action >= rules.PLACE_STONE) & (action <= rules.PLACE_PLANT)
    cost = CRAFT["cost"][action]
    places = (
        is_place
        & ~target_has_object
        & CRAFT["where"][action, target_material]
        & jnp.all(inventory >= cost)
    )
    places_material = places & (action != rules.PLACE_PLANT)
    material = material.at[tx, ty].set(
        jnp.where(places_material, CRAFT["places"][action], material[tx, ty]).astype(
            jnp.uint8
        )
    )

    # Make: stations in the 3x3 square, cost available.
    is_make = (action >= rules.MAKE_WOOD_PICKAXE) & (action <= rules.MAKE_IRON_SWORD)
    table, furnace = nearby_materials(material, pos)
    makes = (
        is_make
        & (table | ~CRAFT["needs_table"][action])
        & (furnace | ~CRAFT["needs_furnace"][action])
        & jnp.all(inventory >= cost)
    )
    inventory = inventory - cost * (places | makes).astype(jnp.int32)
    inventory = inventory.at[CRAFT["gives"][action]].add(makes.astype(jnp.int32))
    achievements = achievements.at[CRAFT["achievement"][action]].add(
        (places | makes).astype(jnp.int32)
    )

    # Vitals (half-units for hunger, thirst and recover).
    hunger = hunger + jnp.where(sleeping, rules.HUNGER_ASLEEP, rules.HUNGER_AWAKE)
    hungry = hunger > rules.HUNGER_LIMIT
    hunger = jnp.where(hungry, 0, hunger)
    thirst = thirst + jnp.where(sleeping, rules.THIRST_ASLEEP, rules.THIRST_AWAKE)
    thirsty = thirst > rules.THIRST_LIMIT
    thirst = jnp.where(thirsty, 0, thirst)
    fatigue = jnp.where(
        sleeping,
        jnp.minimum(player.fatigue + rules.FATIGUE_ASLEEP, 0),
        player.fatigue + rules.FATIGUE_AWAKE,
    )
    rested_up = fatigue < rules.FATIGUE_RESTED
    tired = fatigue > rules.FATIGUE_TIRED
    fatigue = jnp.where(rested_up | tired, 0, fatigue)
    inventory = (
        inventory.at[rules.FOOD]
        .add(-hungry.astype(jnp.int32))
        .at[rules.DRINK]
        .add(-thirsty.astype(jnp.int32))
        .at[rules.ENERGY]
        .add(rested_up.astype(jnp.int32) - tired.astype(jnp.int32))
    )

    # Health: regenerate when fed, watered and rested (or asleep), else degenerate.
    necessities = (
        (inventory[rules.FOOD] > 0)
        & (inventory[rules.DRINK] > 0)
        & ((inventory[rules.ENERGY] > 0) | sleeping)
    )
    recover = player.recover + jnp.where(
        necessities,
        jnp.where(sleeping, rules.RECOVER_ASLEEP, rules.RECOVER_AWAKE),
        jnp.where(sleeping, rules.DEGEN_ASLEEP, rules.DEGEN_AWAKE),
    )
    heals = recover > rules.RECOVER_LIMIT
    hurts = recover < rules.DEGEN_LIMIT
    recover = jnp.where(heals | hurts, 0, recover)
    health = inventory[rules.HEALTH] + heals.astype(jnp.int32)
    health = jnp.maximum(health - hurts.astype(jnp.int32), 0)
    inventory = inventory.at[rules.HEALTH].set(health)
    inventory = jnp.clip(inventory, rules.ITEM_MIN, rules.ITEM_MAX)

    # Wake up when hurt (compared with the health after the previous update).
    sleeping = sleeping & ~(inventory[rules.HEALTH] < player.last_health)

    player = dataclasses.replace(
        player,
        pos=pos,
        facing=facing,
        sleeping=sleeping,
        inventory=inventory,
        achievements=achievements,
        hunger=hunger,
        thirst=thirst,
        fatigue=fatigue,
        recover=recover,
        last_health=inventory[rules.HEALTH],
    )
    state = dataclasses.replace(
        state,
        material=material,
        occupant=occupant,
        chunk_seen=chunk_seen,
        player=player,
        objects=objects,
    )

    # A placed sapling becomes a plant object (created after everything else).
    places_plant = places & (action == rules.PLACE_PLANT)
    state, _ = add_object(state, rules.PLANT, jnp.stack([tx, ty]), places_plant)
    return state
