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

How the loop is kept cheap (the object updates are most of a step's cost):

- everything an update reads or writes on the map lies in the 3 x 3 square around
  the object (its move target, the cell an arrow flies into, a plant's neighbours,
  the cell a skeleton shoots into), so each visit gathers that square of the
  occupant and material maps once, edits it in registers and scatters it back;
- the loop carries the object table as it is stored (a struct of arrays), so
  entering and leaving the loop copies nothing;
- free slots are tracked as a bit mask of ``N / 32`` words, so the lowest free slot
  for a new arrow costs a few word operations instead of a scan of the table;
- arrow damage to objects is a scatter-add (clamped at 0 after the loop; every
  reader only compares health with 0, so the clamp changes nothing it sees), the
  player's health is carried as a scalar, and the chunk an object moves into (or a
  new arrow appears in) is marked seen by the visit itself.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import grid, rules, table
from symworld.envs.crafter_oo.state import (
    EMPTY,
    PLAYER_OCCUPANT,
    CrafterState,
    ObjectTable,
)

BLOCK = 16  # slots visited per scan block
NUM_UNIFORMS = 5

OUTSIDE = -3  # occupant read off the map: neither empty nor an object
# The 3 x 3 square around an object, x-major; window index of offset (dx, dy) is
# (dx + 1) * 3 + (dy + 1), the object's own cell is index 4.
WINDOW = jnp.asarray([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)], jnp.int32)
CENTER = 4
NEIGHBOURS = np.array([(dx + 1) * 3 + (dy + 1) for dx, dy in rules.DIRECTIONS])


def _window_index(step: jax.Array) -> jax.Array:
    """Window index of a step ``int32[2]`` with entries in {-1, 0, 1}."""
    return (step[0] + 1) * 3 + (step[1] + 1)


def _pick(window: jax.Array, step: jax.Array) -> jax.Array:
    """Value of ``window`` (``[9]``) at the cell ``pos + step``."""
    hit = jnp.arange(9) == _window_index(step)
    return jnp.where(hit, window, 0).sum().astype(window.dtype)


def _place(window: jax.Array, step: jax.Array, value, when: jax.Array) -> jax.Array:
    """``window`` with the cell ``pos + step`` set to ``value`` where ``when``."""
    hit = (jnp.arange(9) == _window_index(step)) & when
    return jnp.where(hit, jnp.asarray(value, window.dtype), window)


def _row(objects: ObjectTable, slot: jax.Array) -> ObjectTable:
    """The fields of one slot (scalars; ``pos`` is ``int32[2]``)."""
    return jax.tree.map(lambda field: field[slot], objects)


def _write(objects: ObjectTable, slot: jax.Array, row: ObjectTable) -> ObjectTable:
    """``objects`` with ``row`` written into ``slot`` (nothing if ``slot`` is
    ``capacity``)."""
    return jax.tree.map(
        lambda field, value: field.at[slot].set(value.astype(field.dtype), mode="drop"),
        objects,
        row,
    )


class _Carry(NamedTuple):
    objects: ObjectTable  # health may go below 0 (clamped after the loop)
    occupant: jax.Array  # int16[64, 64]
    material: jax.Array  # uint8[64, 64]
    chunk_seen: jax.Array  # bool[6, 6]
    free: jax.Array  # uint32[N / 32]
    player_health: jax.Array  # int32
    next_order: jax.Array  # int32
    overflow: jax.Array  # int32


def _visit(
    carry: _Carry,
    slot: jax.Array,
    active: jax.Array,
    u: jax.Array,
    random_direction: jax.Array,
    player_pos: jax.Array,
    player_sleeping: jax.Array,
) -> _Carry:
    """Run the update of the object in ``slot`` if ``active`` (else no change).

    ``u``: float32[5] in [0, 1); ``random_direction``: int32 in [0, 4).
    """
    objects = carry.objects
    capacity = objects.capacity
    row = _row(objects, slot)
    kind = row.kind.astype(jnp.int32)
    pos = row.pos
    health = row.health
    is_cow = active & (kind == rules.COW)
    is_zombie = active & (kind == rules.ZOMBIE)
    is_skeleton = active & (kind == rules.SKELETON)
    is_arrow = active & (kind == rules.ARROW)
    is_plant = active & (kind == rules.PLANT)
    creature = is_cow | is_zombie | is_skeleton
    random_step = grid.DIRECTIONS[random_direction]
    zero = jnp.zeros(2, jnp.int32)

    # The 3 x 3 square around the object (off-map cells read OUTSIDE / unknown).
    cells = pos + WINDOW
    on_map = grid.inside(cells)
    xs = jnp.where(on_map, cells[:, 0], rules.AREA[0])  # off-map: out of bounds
    ys = cells[:, 1]
    occupants = (
        carry.occupant.at[xs, ys].get(mode="fill", fill_value=OUTSIDE).astype(jnp.int32)
    )
    materials = (
        carry.material.at[xs, ys]
        .get(mode="fill", fill_value=rules.UNKNOWN)
        .astype(jnp.int32)
    )

    # A creature without health leaves the world first (and finishes its update).
    dies = creature & (health <= 0)
    occupants = occupants.at[CENTER].set(jnp.where(dies, EMPTY, occupants[CENTER]))

    def free_cell(step, walkable):
        return (_pick(occupants, step) == EMPTY) & grid.is_in(
            _pick(materials, step), walkable
        )

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
    flees = (distance <= rules.SKELETON_FLEE_DISTANCE) & free_cell(
        flee_step, rules.WALKABLE
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
    arrow_step = grid.DIRECTIONS[row.facing]
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
    ahead_occupant = _pick(occupants, arrow_step)
    ahead_material = _pick(materials, arrow_step)
    arrow_hits = is_arrow & (ahead_occupant != EMPTY) & (ahead_occupant != OUTSIDE)
    arrow_blocked = (
        is_arrow & ~arrow_hits & ~grid.is_in(ahead_material, rules.ARROW_WALKABLE)
    )
    breaks = arrow_blocked & grid.is_in(ahead_material, rules.ARROW_BREAKS)

    # Execute the move (dead creatures do not move).
    target_material = _pick(materials, step)
    walkable_target = jnp.where(
        is_arrow,
        grid.is_in(target_material, rules.ARROW_WALKABLE),
        grid.is_in(target_material, rules.WALKABLE),
    )
    moves = (
        (creature | is_arrow)
        & ~dies
        & ~arrow_hits
        & ~arrow_blocked
        & (_pick(occupants, step) == EMPTY)
        & walkable_target
    )
    new_pos = jnp.where(moves, pos + step, pos)

    # Zombie attack after moving.
    near = is_zombie & (
        grid.distance(new_pos, player_pos) <= rules.ZOMBIE_ATTACK_DISTANCE
    )
    cooldown = row.cooldown
    attacks = near & (cooldown <= 0)
    new_cooldown = jnp.where(
        near, jnp.where(cooldown > 0, cooldown - 1, rules.ZOMBIE_COOLDOWN), cooldown
    )
    zombie_damage = jnp.where(
        player_sleeping, rules.ZOMBIE_SLEEPING_DAMAGE, rules.ZOMBIE_DAMAGE
    )

    # Plant: grow, get eaten by a neighbouring creature.
    neighbours = occupants[NEIGHBOURS]  # [4]
    neighbour_kind = objects.kind[jnp.clip(neighbours, 0, capacity - 1)]
    eaten = is_plant & jnp.any(
        (neighbours >= 0) & grid.is_in(neighbour_kind, rules.PLANT_EATERS)
    )
    plant_health = jnp.maximum(health - eaten.astype(jnp.int32), 0)
    plant_dies = is_plant & (plant_health <= 0)

    # Damage dealt to the player (zombie bite or arrow) and to a hit object.
    player_damage = jnp.where(attacks, zombie_damage, 0) + jnp.where(
        arrow_hits & (ahead_occupant == PLAYER_OCCUPANT), rules.ARROW_DAMAGE, 0
    )
    player_health = jnp.maximum(carry.player_health - player_damage, 0)
    hits_object = arrow_hits & (ahead_occupant >= 0)

    # Write back this object (its row) and the object it hit (a health decrement).
    leaves = dies | moves | arrow_hits | arrow_blocked | plant_dies
    occupants = occupants.at[CENTER].set(jnp.where(leaves, EMPTY, occupants[CENTER]))
    occupants = _place(occupants, step, slot, moves)
    removed = dies | arrow_hits | arrow_blocked | plant_dies
    reload = jnp.where(is_skeleton, jnp.maximum(row.reload - 1, 0), row.reload)
    free = table.flip_slot(carry.free, slot, True, removed)

    # Skeleton: shoot an arrow into the free cell toward the player (the arrow takes
    # the lowest free slot, which may be the shooter's own if it just died).
    aim = grid.toward(pos, player_pos, jnp.bool_(True))
    fires = (
        is_skeleton
        & shoots
        & (reload <= 0)
        & jnp.any(aim != 0)
        & free_cell(aim, rules.ARROW_WALKABLE)
    )
    arrow_slot, has_room = table.lowest_free(free)
    create = fires & has_room
    free = table.flip_slot(free, arrow_slot, False, create)
    occupants = _place(occupants, aim, arrow_slot, create)
    arrow_pos = pos + aim
    new_row = ObjectTable(
        alive=row.alive & ~removed,
        kind=row.kind,
        pos=new_pos,
        health=jnp.where(is_plant, plant_health, health),
        cooldown=jnp.where(is_zombie, new_cooldown, cooldown),
        reload=jnp.where(fires, rules.SKELETON_RELOAD, reload),
        grown=row.grown + is_plant.astype(jnp.int32),
        facing=row.facing,
        order=row.order,
    )
    arrow_row = ObjectTable(
        alive=jnp.bool_(True),
        kind=jnp.int8(rules.ARROW),
        pos=arrow_pos,
        health=jnp.int32(rules.INITIAL_HEALTH[rules.ARROW]),
        cooldown=jnp.int32(0),
        # the original code path sets the shooter's slot's reload after the
        # arrow is made; when the arrow took that slot, the arrow gets it
        reload=jnp.where(arrow_slot == slot, rules.SKELETON_RELOAD, 0),
        grown=jnp.int32(0),
        facing=grid.direction_index(aim),
        order=carry.next_order,
    )
    objects = _write(objects, jnp.where(active, slot, capacity), new_row)
    objects = _write(objects, jnp.where(create, arrow_slot, capacity), arrow_row)
    objects = dataclasses.replace(
        objects,
        health=objects.health.at[jnp.where(hits_object, ahead_occupant, capacity)].add(
            -rules.ARROW_DAMAGE, mode="drop"
        ),
    )
    occupant = carry.occupant.at[xs, ys].set(
        occupants.astype(carry.occupant.dtype), mode="drop"
    )
    # The chunk entered by a moving object or holding a new arrow is now seen (a
    # skeleton that shoots does not move).
    entered = jnp.where(moves, new_pos, arrow_pos)
    cx, cy = grid.chunk_of(entered)
    chunk_seen = carry.chunk_seen.at[
        jnp.where(moves | create, cx, rules.NUM_CHUNKS[0]), cy
    ].set(True, mode="drop")
    ahead = pos + arrow_step
    material = carry.material.at[
        jnp.where(breaks, ahead[0], rules.AREA[0]), ahead[1]
    ].set(jnp.uint8(rules.PATH), mode="drop")
    return _Carry(
        objects=objects,
        occupant=occupant,
        material=material,
        chunk_seen=chunk_seen,
        free=free,
        player_health=player_health,
        next_order=carry.next_order + create.astype(jnp.int32),
        overflow=carry.overflow + (fires & ~has_room).astype(jnp.int32),
    )


def _creation_order(eligible: jax.Array, order: jax.Array) -> jax.Array:
    """Slots ``int32[B, N]`` sorted by creation stamp, eligible ones first.

    Sorting one packed int32 key (stamp * N + slot) is about ten times faster on a
    CPU than ``argsort`` (a two-operand sort); it is used while every stamp fits,
    i.e. below 2^31 / N (8.4 million stamps with 256 slots, hundreds of thousands
    of steps), with ``argsort`` as the fallback beyond.
    """
    capacity = order.shape[-1]
    big = jnp.iinfo(jnp.int32).max
    limit = big // capacity
    slots = jnp.arange(capacity, dtype=jnp.int32)

    def packed(_):
        keys = jnp.where(eligible, order * capacity + slots, big)
        return (jnp.sort(keys, axis=-1) % capacity).astype(jnp.int32)

    def general(_):
        keys = jnp.where(eligible, order, big)
        return jnp.argsort(keys, axis=-1).astype(jnp.int32)

    fits = jnp.all(jnp.where(eligible, order, 0) < limit)
    return jax.lax.cond(fits, packed, general, None)


def _update_objects_batch(
    states: CrafterState, keys: jax.Array, first_new: jax.Array
) -> CrafterState:
    """:func:`update_objects` for a batch (every argument has a leading batch axis).

    The loop over blocks runs up to the largest number of eligible objects in the
    batch (a scalar bound), and each visit is vmapped over the games; a game with
    fewer objects sees its extra visits as inactive (no change). Written at the
    batch level because a ``while_loop`` whose bound differs per game would, under
    ``vmap``, copy and select the whole carried state at every block.
    """
    objects = states.objects
    capacity = objects.capacity
    if capacity >= 2**15:
        raise ValueError(f"object capacity {capacity} does not fit the int16 map")
    player_pos = states.player.pos
    in_range = grid.distance(objects.pos, player_pos[:, None, :]) < rules.UPDATE_RANGE
    eligible = objects.alive & in_range & (objects.order < first_new[:, None])
    queue = _creation_order(eligible, objects.order)
    count = eligible.sum(-1)
    padded = jnp.concatenate(
        [queue.astype(jnp.int32), jnp.zeros((queue.shape[0], BLOCK), jnp.int32)], -1
    )
    uniform_keys, direction_keys = jnp.moveaxis(jax.vmap(jax.random.split)(keys), 1, 0)
    player_sleeping = states.player.sleeping
    visit_batch = jax.vmap(_visit)

    def block(loop):
        start, carry = loop
        # Random numbers only for the objects visited in this block.
        uniforms = jax.vmap(
            lambda key: jax.random.uniform(
                jax.random.fold_in(key, start), (BLOCK, NUM_UNIFORMS)
            )
        )(uniform_keys)
        directions = jax.vmap(
            lambda key: jax.random.randint(
                jax.random.fold_in(key, start), (BLOCK,), 0, 4
            )
        )(direction_keys)

        def visit(carry, inputs):
            offset, u, direction = inputs
            index = start + offset
            slots = jax.lax.dynamic_index_in_dim(padded, index, 1, keepdims=False)
            carry = visit_batch(
                carry,
                slots,
                index < count,
                u,
                direction,
                player_pos,
                player_sleeping,
            )
            return carry, None

        carry, _ = jax.lax.scan(
            visit,
            carry,
            (jnp.arange(BLOCK), jnp.moveaxis(uniforms, 1, 0), directions.T),
        )
        return start + BLOCK, carry

    carry = _Carry(
        objects=objects,
        occupant=states.occupant,
        material=states.material,
        chunk_seen=states.chunk_seen,
        free=jax.vmap(table.free_words)(objects.alive),
        player_health=states.player.inventory[:, rules.HEALTH],
        next_order=states.next_order,
        overflow=states.overflow,
    )
    _, carry = jax.lax.while_loop(
        lambda loop: loop[0] < count.max(), block, (jnp.int32(0), carry)
    )
    return jax.vmap(_finish)(states, carry)


def _finish(state: CrafterState, carry: _Carry) -> CrafterState:
    """Write the loop's carry back into the state (one game)."""
    return dataclasses.replace(
        state,
        objects=dataclasses.replace(
            carry.objects, health=jnp.maximum(carry.objects.health, 0)
        ),
        occupant=carry.occupant,
        material=carry.material,
        chunk_seen=carry.chunk_seen,
        next_order=carry.next_order,
        overflow=carry.overflow,
        player=dataclasses.replace(
            state.player,
            inventory=state.player.inventory.at[rules.HEALTH].set(carry.player_health),
        ),
    )


@jax.custom_batching.custom_vmap
def update_objects(
    state: CrafterState, key: jax.Array, first_new: jax.Array
) -> CrafterState:
    """Update every object in range, in creation order.

    ``first_new`` (int32): creation stamp of the first object made during this
    step; such objects (and later ones) wait until the next step. Under ``vmap``
    the games are updated together by one batch-level loop (same results).
    """
    batch = jax.tree.map(lambda leaf: leaf[None], (state, key, first_new))
    return jax.tree.map(lambda leaf: leaf[0], _update_objects_batch(*batch))


@update_objects.def_vmap
def _update_objects_vmap(axis_size, in_batched, state, key, first_new):
    def broadcast(leaf, batched):
        return leaf if batched else jnp.broadcast_to(leaf, (axis_size, *leaf.shape))

    state, key, first_new = jax.tree.map(
        broadcast, (state, key, jnp.asarray(first_new, jnp.int32)), tuple(in_batched)
    )
    states = _update_objects_batch(state, key, first_new)
    return states, jax.tree.map(lambda _: True, states)
