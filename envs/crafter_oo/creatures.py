"""Updates of cows, zombies, skeletons, arrows and plants, one at a time.

The original updates the objects that existed at the start of the step, in creation
order, skipping those at L1 distance >= 18 from the player; each update sees the
world as the previous one left it. Here the eligible slots are sorted by creation
stamp and visited by a ``lax.scan`` (in blocks of :data:`BLOCK` slots inside a
``lax.while_loop``, so a step pays only for the objects that are in range).

Quirks of the original kept on purpose: a creature whose health reached 0 removes
itself at the start of its update and still runs the rest of it once (its moves do
nothing, a dead zombie may still hit, a dead skeleton may still shoot); a skeleton
"flees" successfully whenever the cell is free, even if it is dead.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from symworld.envs.crafter_oo import grid, rules
from symworld.envs.crafter_oo.state import EMPTY, PLAYER_OCCUPANT, CrafterState
from symworld.envs.crafter_oo.table import add_object

BLOCK = 16  # slots visited per scan block
NUM_UNIFORMS = 5


def _free(state: CrafterState, pos: jax.Array, walkable: tuple[int, ...]) -> jax.Array:
    return (
        grid.inside(pos)
        & (grid.occupant_at(state.occupant, pos) == EMPTY)
        & grid.is_in(grid.material_at(state.material, pos), walkable)
    )


def _set(array: jax.Array, index, value, when: jax.Array) -> jax.Array:
    return array.at[index].set(jnp.where(when, value, array[index]).astype(array.dtype))


def update_object(
    state: CrafterState,
    slot: jax.Array,
    active: jax.Array,
    uniforms: jax.Array,
    random_direction: jax.Array,
) -> CrafterState:
    """Run the update of the object in ``slot`` if ``active`` (else no change).

    ``uniforms``: float32[5] in [0, 1); ``random_direction``: int32 in [0, 4).
    """
    objects = state.objects
    kind = objects.kind[slot].astype(jnp.int32)
    pos = objects.pos[slot]
    health = objects.health[slot]
    player_pos = state.player.pos
    is_cow = active & (kind == rules.COW)
    is_zombie = active & (kind == rules.ZOMBIE)
    is_skeleton = active & (kind == rules.SKELETON)
    is_arrow = active & (kind == rules.ARROW)
    is_plant = active & (kind == rules.PLANT)
    creature = is_cow | is_zombie | is_skeleton
    u = uniforms
    random_step = grid.DIRECTIONS[random_direction]
    zero = jnp.zeros(2, jnp.int32)

    # A creature without health leaves the world first (and finishes its update).
    dies = creature & (health <= 0)
    occupant = _set(state.occupant, (pos[0], pos[1]), EMPTY, dies)
    state = dataclasses.replace(state, occupant=occupant)
    distance = grid.distance(pos, player_pos)

    # Movement intent per kind.
    zombie_chases = (distance <= rules.ZOMBIE_CHASE_DISTANCE) & (
        u[0] < rules.ZOMBIE_CHASE_PROBABILITY
    )
    zombie_step = jnp.where(
        zombie_chases,
        grid.toward(pos, player_pos, u[1] < rules.ZOMBIE_LONG_AXIS_PROBABILITY),
        random_step,
    )
    flee_step = -grid.toward(
        pos, player_pos, u[0] < rules.SKELETON_FLEE_LONG_AXIS_PROBABILITY
    )
    flees = (distance <= rules.SKELETON_FLEE_DISTANCE) & _free(
        state, pos + flee_step, rules.WALKABLE
    )
    shoots = (
        ~flees
        & (distance <= rules.SKELETON_SHOOT_DISTANCE)
        & (u[1] < rules.SKELETON_SHOOT_PROBABILITY)
    )
    approaches = (
        ~flees
        & ~shoots
        & (distance <= rules.SKELETON_APPROACH_DISTANCE)
        & (u[2] < rules.SKELETON_APPROACH_PROBABILITY)
    )
    wanders = (
        ~flees & ~shoots & ~approaches & (u[3] < rules.SKELETON_RANDOM_MOVE_PROBABILITY)
    )
    approach_step = grid.toward(
        pos, player_pos, u[4] < rules.SKELETON_APPROACH_LONG_AXIS_PROBABILITY
    )
    skeleton_step = jnp.where(
        flees,
        flee_step,
        jnp.where(approaches, approach_step, jnp.where(wanders, random_step, zero)),
    )
    arrow_step = grid.DIRECTIONS[objects.facing[slot]]
    step = jnp.where(
        is_cow,
        jnp.where(u[0] < rules.COW_MOVE_PROBABILITY, random_step, zero),
        jnp.where(
            is_zombie,
            zombie_step,
            jnp.where(
                is_skeleton, skeleton_step, jnp.where(is_arrow, arrow_step, zero)
            ),
        ),
    )

    # Arrow: hit whatever is ahead, or stop at a wall (breaking tables and furnaces).
    ahead = pos + arrow_step
    ahead_occupant = grid.occupant_at(state.occupant, ahead)
    ahead_material = grid.material_at(state.material, ahead)
    arrow_hits = is_arrow & (ahead_occupant != EMPTY)
    arrow_blocked = (
        is_arrow
        & ~arrow_hits
        & ~(grid.inside(ahead) & grid.is_in(ahead_material, rules.ARROW_WALKABLE))
    )
    breaks = arrow_blocked & grid.is_in(ahead_material, rules.ARROW_BREAKS)

    # Execute the move (dead creatures do not move).
    target = pos + step
    walkable_target = jnp.where(
        is_arrow,
        grid.is_in(grid.material_at(state.material, target), rules.ARROW_WALKABLE),
        grid.is_in(grid.material_at(state.material, target), rules.WALKABLE),
    )
    moves = (
        (creature | is_arrow)
        & ~dies
        & ~arrow_hits
        & ~arrow_blocked
        & grid.inside(target)
        & (grid.occupant_at(state.occupant, target) == EMPTY)
        & walkable_target
    )
    new_pos = jnp.where(moves, target, pos)

    # Zombie attack after moving.
    near = is_zombie & (
        grid.distance(new_pos, player_pos) <= rules.ZOMBIE_ATTACK_DISTANCE
    )
    cooldown = objects.cooldown[slot]
    attacks = near & (cooldown <= 0)
    new_cooldown = jnp.where(
        near, jnp.where(cooldown > 0, cooldown - 1, rules.ZOMBIE_COOLDOWN), cooldown
    )
    zombie_damage = jnp.where(
        state.player.sleeping, rules.ZOMBIE_SLEEPING_DAMAGE, rules.ZOMBIE_DAMAGE
    )

    # Plant: grow, get eaten by a neighbouring creature.
    neighbours = grid.occupant_at(state.occupant, pos + grid.DIRECTIONS)  # [4]
    neighbour_kind = objects.kind[jnp.clip(neighbours, 0, objects.capacity - 1)]
    eaten = is_plant & jnp.any(
        (neighbours >= 0)
        & grid.is_in(neighbour_kind.astype(jnp.int32), rules.PLANT_EATERS)
    )
    plant_health = jnp.maximum(health - eaten.astype(jnp.int32), 0)
    plant_dies = is_plant & (plant_health <= 0)

    # Damage dealt to the player (zombie bite or arrow) and to a hit object.
    player_damage = jnp.where(attacks, zombie_damage, 0) + jnp.where(
        arrow_hits & (ahead_occupant == PLAYER_OCCUPANT), rules.ARROW_DAMAGE, 0
    )
    player_health = jnp.maximum(state.player.inventory[rules.HEALTH] - player_damage, 0)
    hit_slot = jnp.clip(ahead_occupant, 0, objects.capacity - 1)
    hits_object = arrow_hits & (ahead_occupant >= 0)

    # Write back this slot.
    leaves = dies | moves | (arrow_hits | arrow_blocked) | plant_dies
    occupant = _set(state.occupant, (pos[0], pos[1]), EMPTY, leaves)
    occupant = _set(occupant, (new_pos[0], new_pos[1]), slot.astype(jnp.int16), moves)
    health_array = _set(objects.health, slot, plant_health, is_plant)
    health_array = _set(
        health_array,
        hit_slot,
        jnp.maximum(health_array[hit_slot] - rules.ARROW_DAMAGE, 0),
        hits_object,
    )
    removed = dies | arrow_hits | arrow_blocked | plant_dies
    reload = jnp.where(
        is_skeleton, jnp.maximum(objects.reload[slot] - 1, 0), objects.reload[slot]
    )
    objects = dataclasses.replace(
        objects,
        alive=_set(objects.alive, slot, False, removed),
        pos=_set(objects.pos, slot, new_pos, moves),
        health=health_array,
        cooldown=_set(objects.cooldown, slot, new_cooldown, is_zombie),
        reload=objects.reload.at[slot].set(reload),
        grown=_set(objects.grown, slot, objects.grown[slot] + 1, is_plant),
    )
    cx, cy = grid.chunk_of(new_pos)
    bx = jnp.clip(ahead[0], 0, rules.AREA[0] - 1)
    by = jnp.clip(ahead[1], 0, rules.AREA[1] - 1)
    state = dataclasses.replace(
        state,
        objects=objects,
        occupant=occupant,
        chunk_seen=_set(state.chunk_seen, (cx, cy), True, moves),
        material=_set(state.material, (bx, by), rules.PATH, breaks),
        player=dataclasses.replace(
            state.player,
            inventory=state.player.inventory.at[rules.HEALTH].set(player_health),
        ),
    )

    # Skeleton: shoot an arrow into the free cell toward the player.
    aim = grid.toward(pos, player_pos, jnp.bool_(True))
    fires = (
        is_skeleton
        & shoots
        & (reload <= 0)
        & jnp.any(aim != 0)
        & _free(state, pos + aim, rules.ARROW_WALKABLE)
    )
    state, _ = add_object(
        state, rules.ARROW, pos + aim, fires, grid.direction_index(aim)
    )
    return dataclasses.replace(
        state,
        objects=dataclasses.replace(
            state.objects,
            reload=_set(state.objects.reload, slot, rules.SKELETON_RELOAD, fires),
        ),
    )


def update_objects(
    state: CrafterState, key: jax.Array, first_new: jax.Array
) -> CrafterState:
    """Update every object in range, in creation order.

    ``first_new`` (int32): creation stamp of the first object made during this
    step; such objects (and later ones) wait until the next step.
    """
    objects = state.objects
    in_range = grid.distance(objects.pos, state.player.pos) < rules.UPDATE_RANGE
    eligible = objects.alive & in_range & (objects.order < first_new)
    big = jnp.iinfo(jnp.int32).max
    queue = jnp.argsort(jnp.where(eligible, objects.order, big)).astype(jnp.int32)
    count = eligible.sum()

    uniform_key, direction_key = jax.random.split(key)
    padded = jnp.concatenate([queue, jnp.zeros(BLOCK, jnp.int32)])

    def block(loop):
        start, carry = loop
        # Random numbers only for the objects visited in this block.
        uniforms = jax.random.uniform(
            jax.random.fold_in(uniform_key, start), (BLOCK, NUM_UNIFORMS)
        )
        directions = jax.random.randint(
            jax.random.fold_in(direction_key, start), (BLOCK,), 0, 4
        )

        def visit(carry, offset):
            index = start + offset
            carry = update_object(
                carry,
                padded[index],
                index < count,
                uniforms[offset],
                directions[offset],
            )
            return carry, None

        carry, _ = jax.lax.scan(visit, carry, jnp.arange(BLOCK))
        return start + BLOCK, carry

    _, state = jax.lax.while_loop(
        lambda loop: loop[0] < count, block, (jnp.int32(0), state)
    )
    return state
