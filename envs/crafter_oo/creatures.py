"""Updates of cows, zombies, skeletons, arrows and plants, one at a time.

The original updates the objects that existed at the start of the step, in creation
order, skipping those at L1 distance >= 18 from the player; each update sees the
world as the previous one left it. Here the eligible slots of each game are sorted
by creation stamp and visited one after the other; games are independent, so one
visit (a "lane") runs for up to :data:`LANES` games at once. Level ``t`` is every
game's ``t``-th object: the games sorted by their number of eligible objects make
the games of each level a prefix of one order, so a step costs about the batch's
total number of updates (not the batch size times its largest count; at batch
1,024 a typical step has 5.6 updates per game on average and 16 at most).

Quirks of the original kept on purpose: a creature whose health reached 0 removes
itself at the start of its update and still runs the rest of it once (its moves do
nothing, a dead zombie may still hit, a dead skeleton may still shoot); a skeleton
"flees" successfully whenever the cell is free, even if it is dead.

How the loop is kept cheap (the object updates are most of a step's cost):

- everything an update reads or writes on the map lies in the 3 x 3 square around
  the object (its move target, the cell an arrow flies into, a plant's neighbours,
  the cell a skeleton shoots into), so each visit gathers that square of the
  occupant and material maps once, decides on it (:func:`_decide`, one lane) and
  scatters it back (:func:`_read` and :func:`_write` work on the whole batch);
- the random numbers of 16 levels are drawn at once for every game, six words per
  level (five uniforms and a direction) hashed in counter mode from one key pair
  per game (:mod:`random_words`: half the hashes of ``jax.random.uniform`` and no
  extra ``randint`` draws), so an object's draws depend only on its game's key and
  its rank in the update order;
- the games are ordered by their count with one packed-key sort, and the number
  of games at each level comes from a histogram of the counts (both far cheaper
  on a CPU than a stable two-operand ``argsort`` and a ``[N, B]`` comparison);
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
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import grid, random_words, rules, table
from symworld.envs.crafter_oo.state import (
    EMPTY,
    PLAYER_OCCUPANT,
    CrafterState,
    ObjectTable,
)

BLOCK = 16  # levels whose random numbers are drawn together
LANES = 128  # games visited together
FEW = 32  # eligible objects per game up to which only those are sorted
NUM_UNIFORMS = 5
WORDS = NUM_UNIFORMS + 1  # random words per object: its uniforms and a direction

OUTSIDE = -3  # occupant read off the map: neither empty nor an object
# The 3 x 3 square around an object, x-major; window index of offset (dx, dy) is
# (dx + 1) * 3 + (dy + 1), the object's own cell is index 4.
WINDOW = jnp.asarray([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)], jnp.int32)
CENTER = 4
NEIGHBOURS = np.array([(dx + 1) * 3 + (dy + 1) for dx, dy in rules.DIRECTIONS])


def _computed_once(value: jax.Array) -> jax.Array:
    """``value`` unchanged, but computed once rather than inside each consumer.

    XLA on a CPU fuses a cheap elementwise value into every fusion that reads it
    and computes it again there (an ``optimization_barrier`` is removed before
    fusion, a reduction over an axis of length 1 is simplified away); a reduction
    is never duplicated, so summing the value with a zero makes it a buffer
    computed once.
    """
    pair = jnp.stack([value, jnp.zeros_like(value)], -1)
    if value.dtype == bool:
        return jnp.any(pair, -1)
    return jnp.sum(pair, -1, dtype=value.dtype)


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


class _Carry(NamedTuple):
    """What the loop updates, for the whole batch (leading axis: game)."""

    objects: ObjectTable  # health may go below 0 (clamped after the loop)
    occupant: jax.Array  # int16[B, 64, 64]
    material: jax.Array  # uint8[B, 64, 64]
    chunk_seen: jax.Array  # bool[B, 6, 6]
    free: jax.Array  # uint32[B, N / 32]
    counters: jax.Array  # int32[B, 3]: player health, next stamp, overflow


class _Lane(NamedTuple):
    """What one visit reads (one game, one object)."""

    row: ObjectTable  # the object's fields (scalars; pos int32[2])
    occupants: jax.Array  # int32[9], the 3 x 3 square (OUTSIDE off the map)
    materials: jax.Array  # int32[9] (UNKNOWN off the map)
    neighbour_kind: jax.Array  # int32[4], kind of the occupant of each side cell
    free: jax.Array  # uint32[N / 32]
    counters: jax.Array  # int32[3]: player health, next stamp, overflow


class _Outcome(NamedTuple):
    """What one visit writes back (slots equal to the capacity write nothing)."""

    row: ObjectTable  # the object's new fields
    arrow: ObjectTable  # a new arrow's fields
    arrow_slot: jax.Array  # int32
    hit: jax.Array  # int32, slot whose health drops by the arrow damage
    cells: jax.Array  # int32[3, 2], cells whose occupant changed (x = 64: none)
    occupants: jax.Array  # int32[3], their new occupants
    broken: jax.Array  # int32[2], cell turned to path (x = 64: none)
    entered: jax.Array  # int32[2], chunk now seen (x = 6: none)
    free: jax.Array
    counters: jax.Array  # int32[3]


def _window_cells(pos: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Map indices ``(xs, ys)`` (``int32[..., 9]``) of the 3 x 3 square around
    ``pos`` (``int32[..., 2]``); off-map cells get x = 64 (out of bounds)."""
    cells = pos[..., None, :] + WINDOW
    xs = jnp.where(grid.inside(cells), cells[..., 0], rules.AREA[0])
    return xs, cells[..., 1]


def _read(carry: _Carry, game: jax.Array, slot: jax.Array) -> _Lane:
    """The lanes of the objects in ``slot`` of ``game`` (both ``int32[C]``)."""
    capacity = carry.objects.capacity
    row = jax.tree.map(
        lambda field: field.at[game, slot].get(mode="clip"), carry.objects
    )
    xs, ys = _window_cells(row.pos)
    at = (game[:, None], xs, ys)
    occupants = carry.occupant.at[at].get(mode="fill", fill_value=OUTSIDE)
    materials = carry.material.at[at].get(mode="fill", fill_value=rules.UNKNOWN)
    neighbours = jnp.clip(occupants[:, NEIGHBOURS], 0, capacity - 1)
    return _Lane(
        row=row,
        occupants=occupants.astype(jnp.int32),
        materials=materials.astype(jnp.int32),
        neighbour_kind=carry.objects.kind.at[game[:, None], neighbours]
        .get(mode="clip")
        .astype(jnp.int32),
        free=carry.free.at[game].get(mode="clip"),
        counters=carry.counters.at[game].get(mode="clip"),
    )


def _write(
    carry: _Carry,
    game: jax.Array,
    slot: jax.Array,
    active: jax.Array,
    out: _Outcome,
) -> _Carry:
    """``carry`` with the outcomes of the lanes (``game``: ``int32[C]``, distinct;
    a game index of ``B`` writes nothing)."""
    capacity = carry.objects.capacity

    # The object's row and the new arrow's in one scatter per field (an arrow that
    # takes the object's own slot overwrites its row, as in the loop's order).
    own = jnp.where(active & (out.arrow_slot != slot), slot, capacity)
    index = jnp.stack([own, out.arrow_slot], -1)  # [C, 2]
    objects = jax.tree.map(
        lambda field, row, arrow: field.at[game[:, None], index].set(
            jnp.stack([row, arrow], 1).astype(field.dtype), mode="drop"
        ),
        carry.objects,
        out.row,
        out.arrow,
    )
    objects = dataclasses.replace(
        objects,
        health=objects.health.at[game, out.hit].add(-rules.ARROW_DAMAGE, mode="drop"),
    )
    return _Carry(
        objects=objects,
        occupant=carry.occupant.at[
            game[:, None], out.cells[..., 0], out.cells[..., 1]
        ].set(out.occupants.astype(carry.occupant.dtype), mode="drop"),
        material=carry.material.at[game, out.broken[:, 0], out.broken[:, 1]].set(
            jnp.uint8(rules.PATH), mode="drop"
        ),
        chunk_seen=carry.chunk_seen.at[game, out.entered[:, 0], out.entered[:, 1]].set(
            True, mode="drop"
        ),
        free=carry.free.at[game].set(out.free, mode="drop"),
        counters=carry.counters.at[game].set(out.counters, mode="drop"),
    )


def _decide(
    lane: _Lane,
    slot: jax.Array,
    active: jax.Array,
    u: jax.Array,
    random_direction: jax.Array,
    player_pos: jax.Array,
    player_sleeping: jax.Array,
    capacity: int,
) -> _Outcome:
    """The update of the object in ``slot`` if ``active`` (else no change).

    ``u``: float32[5] in [0, 1); ``random_direction``: int32 in [0, 4).
    """
    row = lane.row
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
    occupants = lane.occupants
    materials = lane.materials

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
    step = _computed_once(
        jnp.where(
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
    )

    # Arrow: hit whatever is ahead, or stop at a wall (breaking tables and furnaces).
    ahead_occupant = _pick(occupants, arrow_step)
    ahead_material = _pick(materials, arrow_step)
    arrow_hits = is_arrow & (ahead_occupant != EMPTY) & (ahead_occupant != OUTSIDE)
    arrow_blocked = (
        is_arrow & ~arrow_hits & ~grid.is_in(ahead_material, rules.ARROW_WALKABLE)
    )
    breaks = arrow_blocked & grid.is_in(ahead_material, rules.ARROW_BREAKS)
    arrow_hits, arrow_blocked = (
        _computed_once(arrow_hits),
        _computed_once(arrow_blocked),
    )

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
    moves = _computed_once(moves)
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
    neighbour_kind = lane.neighbour_kind
    eaten = is_plant & jnp.any(
        (neighbours >= 0) & grid.is_in(neighbour_kind, rules.PLANT_EATERS)
    )
    plant_health = jnp.maximum(health - eaten.astype(jnp.int32), 0)
    plant_dies = is_plant & (plant_health <= 0)

    # Damage dealt to the player (zombie bite or arrow) and to a hit object.
    player_damage = jnp.where(attacks, zombie_damage, 0) + jnp.where(
        arrow_hits & (ahead_occupant == PLAYER_OCCUPANT), rules.ARROW_DAMAGE, 0
    )
    player_health = jnp.maximum(lane.counters[0] - player_damage, 0)
    hits_object = arrow_hits & (ahead_occupant >= 0)

    # Write back this object (its row) and the object it hit (a health decrement).
    leaves = dies | moves | arrow_hits | arrow_blocked | plant_dies
    occupants = occupants.at[CENTER].set(jnp.where(leaves, EMPTY, occupants[CENTER]))
    occupants = _place(occupants, step, slot, moves)
    removed = dies | arrow_hits | arrow_blocked | plant_dies
    reload = jnp.where(is_skeleton, jnp.maximum(row.reload - 1, 0), row.reload)
    free = table.flip_slot(lane.free, slot, True, removed)

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
    create = _computed_once(fires & has_room)
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
        order=lane.counters[1],
    )
    # The chunk entered by a moving object or holding a new arrow is now seen (a
    # skeleton that shoots does not move).
    cx, cy = grid.chunk_of(jnp.where(moves, new_pos, arrow_pos))
    # The occupant map changes in at most three cells: the object's own (it left),
    # its move target and the cell of a new arrow (a move and a shot exclude each
    # other, and neither is the object's own cell).
    offsets = jnp.stack([zero, step, aim])
    indices = (offsets[:, 0] + 1) * 3 + (offsets[:, 1] + 1)
    changed = jnp.stack([leaves, moves, create])
    ahead = pos + arrow_step
    return _Outcome(
        row=new_row,
        arrow=arrow_row,
        arrow_slot=jnp.where(create, arrow_slot, capacity),
        hit=jnp.where(hits_object, ahead_occupant, capacity),
        cells=jnp.where(changed[:, None], pos + offsets, rules.AREA[0]),
        occupants=occupants[indices],
        broken=jnp.stack([jnp.where(breaks, ahead[0], rules.AREA[0]), ahead[1]]),
        entered=jnp.stack([jnp.where(moves | create, cx, rules.NUM_CHUNKS[0]), cy]),
        free=free,
        counters=jnp.stack(
            [
                player_health,
                lane.counters[1] + create.astype(jnp.int32),
                lane.counters[2] + (fires & ~has_room).astype(jnp.int32),
            ]
        ),
    )


def _eligible_words(eligible: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The eligible slots (``bool[B, N]``) as bit masks ``uint32[B, N / 32]`` and
    their number per game ``int32[B]`` (population counts of the masks: a CPU
    reduces a few words per game far faster than 256 booleans)."""
    words = jax.vmap(table.free_words)(~eligible)  # bits set where eligible
    return words, jax.lax.population_count(words).sum(-1).astype(jnp.int32)


def _creation_order(
    eligible: jax.Array,
    order: jax.Array,
    words: jax.Array | None = None,
    count: jax.Array | None = None,
) -> jax.Array:
    """Slots ``int32[B, N]`` sorted by creation stamp, eligible ones first (the
    entries past each game's eligible count are unspecified); ``words`` and
    ``count``, if given, are :func:`_eligible_words` of ``eligible``.

    Sorting one packed int32 key (stamp * N + slot) is about ten times faster on a
    CPU than ``argsort`` (a two-operand sort); it is used while every stamp fits,
    i.e. below 2^31 / N (8.4 million stamps with 256 slots, hundreds of thousands
    of steps), with ``argsort`` as the fallback beyond. When no game has more than
    :data:`FEW` eligible objects (the usual case), those are first taken out of a
    bit mask in slot order and only they are sorted.
    """
    batch, capacity = order.shape
    big = jnp.iinfo(jnp.int32).max
    limit = big // capacity
    slots = jnp.arange(capacity, dtype=jnp.int32)
    if words is None or count is None:
        words, count = _eligible_words(eligible)

    def few():
        def take(loop):
            index, words, picked = loop
            slot, _ = jax.vmap(table.lowest_free)(words)
            words = jax.vmap(table.flip_slot, (0, 0, None, None))(
                words, slot, False, jnp.bool_(True)
            )
            return index + 1, words, picked.at[:, index].set(slot)

        _, _, picked = jax.lax.while_loop(
            lambda loop: loop[0] < count.max(),
            take,
            (
                jnp.int32(0),
                words,
                jnp.zeros((batch, FEW), jnp.int32),
            ),
        )
        picked = jnp.clip(picked, 0, capacity - 1)
        stamps = jnp.take_along_axis(order, picked, -1)
        keys = jnp.where(
            jnp.arange(FEW) < count[:, None], stamps * capacity + picked, big
        )
        queue = (jnp.sort(keys, axis=-1) % capacity).astype(jnp.int32)
        return jnp.concatenate(
            [queue, jnp.zeros((batch, capacity - FEW), jnp.int32)], -1
        )

    def packed():
        keys = jnp.where(eligible, order * capacity + slots, big)
        return (jnp.sort(keys, axis=-1) % capacity).astype(jnp.int32)

    def general():
        keys = jnp.where(eligible, order, big)
        return jnp.argsort(keys, axis=-1).astype(jnp.int32)

    fits = jnp.all(jnp.where(eligible, order, 0) < limit)
    if capacity <= FEW:
        return jax.lax.cond(fits, packed, general)
    return jax.lax.cond(
        fits,
        lambda: jax.lax.cond(count.max() <= FEW, few, packed),
        general,
    )


def _level_words(pair: jax.Array, first: jax.Array) -> jax.Array:
    """The random words ``uint32[BLOCK, WORDS]`` of levels ``[first, first + BLOCK)``
    of one game (``first`` a multiple of :data:`BLOCK`): word ``j`` of level ``t``
    is the counter ``t * WORDS + j`` under the game's key ``pair`` (see
    :mod:`random_words`), so an object's words depend only on its game's key and
    its rank in the update order."""
    words = random_words.counter_words(pair, first * WORDS, BLOCK * WORDS)
    return words.reshape(BLOCK, WORDS)


def _uniforms_and_direction(words: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``float32[..., 5]`` uniforms in [0, 1) and an ``int32[...]`` direction in
    [0, 4) (uniform) from ``uint32[..., WORDS]`` random words: the uniforms as
    ``jax.random.uniform`` makes them, the direction from the top two bits of the
    last word."""
    uniforms = random_words.unit_uniforms(words[..., :NUM_UNIFORMS])
    return uniforms, (words[..., NUM_UNIFORMS] >> 30).astype(jnp.int32)


def _by_decreasing_count(count: jax.Array, capacity: int) -> jax.Array:
    """Game indices ``int32[B]`` ordered by decreasing ``count`` (``int32[B]``, in
    ``[0, capacity]``), ties in index order: ``argsort(-count, stable=True)``.

    Sorted as one packed int32 key ((capacity - count) * B + index) while it fits,
    which a CPU sorts many times faster than the two-operand stable ``argsort``.
    """
    batch = count.shape[0]
    if (capacity + 1) * batch > jnp.iinfo(jnp.int32).max:
        return jnp.argsort(-count, stable=True).astype(jnp.int32)
    index = jnp.arange(batch, dtype=jnp.int32)
    return jnp.sort((capacity - count) * batch + index) % batch


def _update_objects_batch(
    states: CrafterState, keys: jax.Array, first_new: jax.Array
) -> CrafterState:
    """:func:`update_objects` for a batch (every argument has a leading batch axis).

    Objects of one game are visited one after the other in creation order; games
    are independent, so each visit handles up to :data:`LANES` games at once. The
    games are sorted by how many objects they visit, and level ``t`` (each game's
    ``t``-th object) covers only the games that have one, so a step costs about
    the total number of visits in the batch rather than the batch size times the
    largest count. Written at the batch level because a ``while_loop`` whose bound
    differs per game would, under ``vmap``, copy and select the whole carried state
    at every visit.
    """
    objects = states.objects
    batch, capacity = objects.alive.shape
    if capacity >= 2**15:
        raise ValueError(f"object capacity {capacity} does not fit the int16 map")
    lanes = min(batch, LANES)
    player_pos = states.player.pos
    in_range = grid.distance(objects.pos, player_pos[:, None, :]) < rules.UPDATE_RANGE
    eligible = objects.alive & in_range & (objects.order < first_new[:, None])
    eligible_bits, count = _eligible_words(eligible)
    queue = _creation_order(eligible, objects.order, eligible_bits, count)

    # Level t visits the t-th object of the games with more than t objects: the
    # first active[t] games in order of decreasing count, lanes at a time.
    games = _by_decreasing_count(count, capacity)
    games = jnp.concatenate([games, jnp.full(lanes, batch, jnp.int32)])
    # Games with more than t objects: all but those with at most t (a histogram).
    histogram = jnp.zeros(capacity + 1, jnp.int32).at[count].add(1)
    active_games = batch - grid.prefix_sum(histogram)[:capacity]
    chunks = -(-active_games // lanes)
    ends = grid.prefix_sum(chunks)  # chunks up to and including each level

    # Each game's object draws come from one threefry key pair (two words of its
    # key, whatever the key's implementation).
    pairs = jax.vmap(random_words.key_pair)(keys)

    def draws(level):
        # The random words of the BLOCK levels from ``level`` on, for every game.
        return jax.vmap(lambda pair: _level_words(pair, level))(pairs)

    decide = jax.vmap(functools.partial(_decide, capacity=capacity))

    def block(loop):
        # Levels [first, first + BLOCK) share one draw of random numbers.
        first, chunk, carry = loop
        words = draws(first)
        last = jnp.minimum(first + BLOCK, capacity) - 1

        def visit(loop):
            chunk, carry = loop
            level = jnp.searchsorted(ends, chunk, side="right").astype(jnp.int32)
            start = (chunk - (ends[level] - chunks[level])) * lanes
            game = jax.lax.dynamic_slice(games, (start,), (lanes,))
            active = start + jnp.arange(lanes) < active_games[level]
            slot = queue.at[game, level].get(mode="clip")
            game, active, slot = (_computed_once(v) for v in (game, active, slot))
            lane = jax.tree.map(_computed_once, _read(carry, game, slot))
            offset = level - first
            uniforms, directions = _uniforms_and_direction(
                words.at[game, offset].get(mode="clip")
            )
            out = decide(
                lane,
                slot,
                active,
                uniforms,
                directions,
                player_pos.at[game].get(mode="clip"),
                states.player.sleeping.at[game].get(mode="clip"),
            )
            return chunk + 1, _write(carry, game, slot, active, out)

        chunk, carry = jax.lax.while_loop(
            lambda loop: loop[0] < ends[last], visit, (chunk, carry)
        )
        return first + BLOCK, chunk, carry

    carry = _Carry(
        objects=objects,
        occupant=states.occupant,
        material=states.material,
        chunk_seen=states.chunk_seen,
        free=jax.vmap(table.free_words)(objects.alive),
        counters=jnp.stack(
            [
                states.player.inventory[:, rules.HEALTH],
                states.next_order,
                states.overflow,
            ],
            -1,
        ),
    )
    *_, carry = jax.lax.while_loop(
        lambda loop: loop[1] < ends[-1], block, (jnp.int32(0), jnp.int32(0), carry)
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
        next_order=carry.counters[1],
        overflow=carry.counters[2],
        player=dataclasses.replace(
            state.player,
            inventory=state.player.inventory.at[rules.HEALTH].set(carry.counters[0]),
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
