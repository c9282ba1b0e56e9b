"""The helpers behind Crafter-OO's speed give the same answers as the plain versions.

Each fast path (associative-scan prefix sums, row-by-row spawn cells, the free-slot
bit mask, the packed-key update order, the batch-level object loop) is checked
against a NumPy or plain-JAX reference on random inputs.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.crafter_oo import (
    balance,
    creatures,
    grid,
    random_words,
    rules,
    table,
)
from symworld.envs.crafter_oo.state import with_occupancy


def test_prefix_sum_equals_cumsum():
    rng = np.random.default_rng(0)
    flags = rng.random((5, 300)) < 0.3
    counts = rng.integers(0, 9, (7, 12))
    prefix_sum = jax.jit(grid.prefix_sum, static_argnames="axis")
    np.testing.assert_array_equal(np.asarray(prefix_sum(flags)), np.cumsum(flags, -1))
    np.testing.assert_array_equal(
        np.asarray(prefix_sum(counts, axis=0)), np.cumsum(counts, 0)
    )


def test_spawn_cell_is_the_kth_material_cell_in_x_major_order():
    rng = np.random.default_rng(1)
    material = rng.choice(
        np.array([rules.GRASS, rules.SAND, rules.PATH], np.uint8), size=rules.AREA
    )
    rows = jax.jit(balance.spawn_rows)(jnp.asarray(material))
    masks = jax.jit(balance.spawn_masks)(jnp.asarray(material))
    grass_rows = rows[0]  # zombies spawn on grass
    space = np.asarray(grass_rows.sum(-1))
    pick = (rng.random(balance.NUM_CHUNKS) * space).astype(np.int32)
    pos = np.asarray(
        jax.jit(balance._kth_cell)(masks[0], grass_rows, jnp.asarray(pick))
    )
    for chunk in range(balance.NUM_CHUNKS):
        cx, cy = divmod(chunk, balance.CY)
        cells = [
            (x, y)
            for x in range(cx * balance.SX, min((cx + 1) * balance.SX, rules.AREA[0]))
            for y in range(cy * balance.SY, min((cy + 1) * balance.SY, rules.AREA[1]))
            if material[x, y] == rules.GRASS
        ]
        assert len(cells) == space[chunk]
        assert tuple(pos[chunk]) == cells[pick[chunk]]


def test_free_slot_mask_finds_the_lowest_free_slot():
    rng = np.random.default_rng(2)

    @jax.jit
    def lowest_two(alive):
        words = table.free_words(alive)
        slot, has_room = table.lowest_free(words)
        taken = table.flip_slot(words, slot, False, jnp.bool_(True))
        return slot, has_room, table.lowest_free(taken)[0]

    for capacity in (40, 256):
        for _ in range(20):
            alive = rng.random(capacity) < rng.random()
            slot, has_room, next_slot = lowest_two(jnp.asarray(alive))
            free = np.flatnonzero(~alive)
            assert bool(has_room) == (free.size > 0)
            if free.size:
                assert int(slot) == free[0]
            if free.size > 1:
                assert int(next_slot) == free[1]


@pytest.mark.parametrize(
    ("stamp_base", "density"), [(0, 0.4), (2**30, 0.4), (0, 0.08), (2**30, 0.08)]
)
def test_update_order_sorts_by_creation_stamp(stamp_base, density):
    """The packed-key sort, its argsort fallback (huge stamps) and the sort of a
    few eligible objects taken from a bit mask (at most ``FEW`` per game) agree
    with NumPy."""
    rng = np.random.default_rng(3)
    capacity = 256
    order = stamp_base + rng.permutation(5000)[:capacity]
    eligible = rng.random((3, capacity)) < density
    assert (eligible.sum(-1).max() <= creatures.FEW) == (density < 0.1)
    queue = np.asarray(
        jax.jit(creatures._creation_order)(
            jnp.asarray(eligible), jnp.asarray(np.broadcast_to(order, (3, capacity)))
        )
    )
    for game in range(3):
        slots = np.flatnonzero(eligible[game])
        expected = slots[np.argsort(order[slots])]
        np.testing.assert_array_equal(queue[game, : slots.size], expected)


def test_games_by_decreasing_count_equal_a_stable_argsort():
    """The packed-key order of the games, and its fallback for keys that do not
    fit int32, equal NumPy's stable sort of the negated counts."""
    rng = np.random.default_rng(4)
    by_count = jax.jit(creatures._by_decreasing_count, static_argnums=1)
    for capacity in (256, 2**22):  # 2**22 * 1024 games does not fit int32
        count = rng.integers(0, 20, 1024)
        count[:5] = capacity  # full tables tie at the top
        games = np.asarray(by_count(jnp.asarray(count, jnp.int32), capacity))
        np.testing.assert_array_equal(games, np.argsort(-count, kind="stable"))


def test_eligible_counts_and_games_per_level_equal_plain_sums():
    """The popcount of the eligibility masks and the histogram of the games per
    level equal the plain sums over booleans."""
    rng = np.random.default_rng(5)
    capacity = 40  # not a multiple of 32: the mask's padding holds no slot
    eligible = rng.random((64, capacity)) < rng.random((64, 1))
    words, count = jax.jit(creatures._eligible_words)(jnp.asarray(eligible))
    np.testing.assert_array_equal(np.asarray(count), eligible.sum(-1))
    for game in range(64):
        bits = [(int(words[game, s // 32]) >> (s % 32)) & 1 for s in range(capacity)]
        np.testing.assert_array_equal(np.asarray(bits, bool), eligible[game])


def test_object_words_depend_only_on_the_games_key_and_level():
    """A level's words do not depend on the block that draws them or on other
    games, differ between levels and games, and give uniforms in [0, 1) and
    directions in [0, 4)."""
    pairs = jax.vmap(random_words.key_pair)(jax.random.split(jax.random.key(6), 3))
    words = jax.jit(jax.vmap(creatures._level_words, (0, None)))
    first, second = np.asarray(words(pairs, 0)), np.asarray(words(pairs, 16))
    again = np.asarray(words(pairs[::-1], 16))[::-1]
    np.testing.assert_array_equal(second, again)
    assert len(np.unique(np.concatenate([first, second]))) == first.size * 2
    uniforms, directions = creatures._uniforms_and_direction(jnp.asarray(second))
    assert uniforms.shape == (3, creatures.BLOCK, creatures.NUM_UNIFORMS)
    assert float(uniforms.min()) >= 0.0 and float(uniforms.max()) < 1.0
    assert set(np.unique(np.asarray(directions))) <= {0, 1, 2, 3}


@pytest.mark.slow
def test_object_update_alone_equals_its_batched_rule(crafter_env):
    """``update_objects`` on one game gives the same state as under ``vmap``."""
    keys = jax.random.split(jax.random.key(11), 4)
    states = jax.jit(jax.vmap(crafter_env.reset))(keys)
    # bring the player next to the creatures: the centre of the first zombie's chunk
    zombie = jnp.argmax(
        states.objects.alive & (states.objects.kind == rules.ZOMBIE), -1
    )
    target = jnp.clip(
        states.objects.pos[jnp.arange(4), zombie] + jnp.array([1, 0]), 0, 63
    )
    states = dataclasses.replace(
        states, player=dataclasses.replace(states.player, pos=target)
    )
    states = jax.vmap(with_occupancy)(states)
    step_keys = jax.random.split(jax.random.key(12), 4)
    batched = jax.jit(
        jax.vmap(lambda s, k: creatures.update_objects(s, k, s.next_order))
    )(states, step_keys)
    single = jax.jit(lambda s, k: creatures.update_objects(s, k, s.next_order))
    for game in range(4):
        state = jax.tree.map(lambda leaf, g=game: leaf[g], states)
        alone = single(state, step_keys[game])
        for x, y in zip(
            jax.tree.leaves(alone),
            jax.tree.leaves(jax.tree.map(lambda leaf, g=game: leaf[g], batched)),
            strict=True,
        ):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def _dense_worlds(env, seed: int, count: int):
    """``count`` generated worlds crowded with extra creatures, arrows and plants,
    shuffled creation stamps, random health (0 included), cooldowns, reloads and
    growth, and some players asleep. In about one world in six the table is
    filled, mostly with plants, and skeletons stand within shooting range of the
    player, so that arrows find no free slot."""
    states = jax.device_get(
        jax.jit(jax.vmap(env.reset))(jax.random.split(jax.random.key(seed), count))
    )
    rng = np.random.default_rng(seed)
    objects = jax.tree.map(np.array, states.objects)
    capacity = objects.alive.shape[1]
    kinds = [rules.COW, rules.ZOMBIE, rules.SKELETON, rules.ARROW, rules.PLANT]
    material = np.asarray(states.material)
    player = np.asarray(states.player.pos)
    for game in range(count):
        full = rng.random() < 0.15
        wanted = capacity if full else rng.integers(5, 120)
        radius = 130 if full else rng.choice([12, 20, 130])
        weights = (
            np.array([0.05, 0.05, 0.1, 0.0, 0.8])
            if full
            else rng.dirichlet(np.ones(len(kinds)))
        )
        near = np.abs(np.indices(rules.AREA) - player[game][:, None, None]).sum(0)
        xs, ys = np.nonzero(
            np.isin(material[game], rules.ARROW_WALKABLE) & (near < radius)
        )
        taken = {tuple(p) for p in objects.pos[game][objects.alive[game]]}
        taken.add(tuple(player[game]))
        free = list(np.flatnonzero(~objects.alive[game]))
        cells = rng.permutation(len(xs))
        ring = (near[xs[cells], ys[cells]] >= 4) & (near[xs[cells], ys[cells]] <= 5)
        if full:  # shooters first
            cells = np.concatenate([cells[ring][:8], cells[~ring], cells[ring][8:]])
        for rank, cell in enumerate(cells):
            x, y = int(xs[cell]), int(ys[cell])
            shooter = full and rank < 8 and 4 <= near[x, y] <= 5
            kind = rules.SKELETON if shooter else int(rng.choice(kinds, p=weights))
            if (x, y) in taken or (
                kind != rules.ARROW and material[game, x, y] not in rules.WALKABLE
            ):
                continue
            if not free or wanted == 0:
                break
            slot = free.pop()
            wanted -= 1
            taken.add((x, y))
            objects.alive[game, slot] = True
            objects.kind[game, slot] = kind
            objects.pos[game, slot] = (x, y)
            top = rules.INITIAL_HEALTH[kind]
            objects.health[game, slot] = rng.integers(0, top + 1) if top else 0
            objects.cooldown[game, slot] = rng.integers(0, 6) * (kind == rules.ZOMBIE)
            objects.reload[game, slot] = rng.integers(0, 5) * (kind == rules.SKELETON)
            objects.grown[game, slot] = rng.integers(0, 400) * (kind == rules.PLANT)
            objects.facing[game, slot] = rng.integers(0, 4) * (kind == rules.ARROW)
        alive = np.flatnonzero(objects.alive[game])
        objects.order[game, alive] = rng.permutation(alive.size)
    states = dataclasses.replace(
        states,
        objects=objects,
        next_order=np.full(count, capacity, np.int32),
        player=dataclasses.replace(states.player, sleeping=rng.random(count) < 0.3),
    )
    return jax.vmap(with_occupancy)(jax.tree.map(jnp.asarray, states))


@pytest.mark.slow
def test_batched_steps_equal_one_game_at_a_time_on_crowded_worlds(crafter_env):
    """``step_batch`` (games sorted by how many objects they update, each visit
    covering up to ``LANES`` games) and ``vmap`` of the one-game step give the
    same states, bit for bit, as stepping each game alone (one object per visit),
    over 200 crowded worlds and 50 steps of random actions (5 chunk balances)."""
    from symworld.envs.crafter_oo.core import advance, step_batch

    count, steps = 200, 50
    params = crafter_env.default_params
    start = _dense_worlds(crafter_env, 0, count)
    actions = jax.random.randint(jax.random.key(1), (steps, count), 0, 17)
    keys = jax.random.split(jax.random.key(2), (steps, count))

    def bits(leaf):
        if leaf.dtype == jnp.float32:
            return jax.lax.bitcast_convert_type(leaf, jnp.uint32)
        return leaf

    def same(a, b):
        pairs = zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
        return jnp.stack([jnp.all(bits(x) == bits(y)) for x, y in pairs])

    @jax.jit
    def both(states):
        def body(triple, inputs):
            batched, alone, mapped = triple
            action, key = inputs
            batched, _ = step_batch(batched, action, key, params)
            alone, _ = jax.lax.map(
                lambda args: advance(*args, params), (alone, action, key)
            )
            # vmap of the one-game step: the objects' and the balancing's
            # batching rules (what a planner's rollouts run)
            mapped, _ = jax.vmap(lambda s, a, k: advance(s, a, k, params))(
                mapped, action, key
            )
            agree = (same(batched, alone), same(mapped, alone))
            return (batched, alone, mapped), agree

        return jax.lax.scan(body, (states, states, states), (actions, keys))

    (batched, alone, _), agreements = both(start)
    for agree in map(np.asarray, agreements):
        step, leaf = np.argwhere(~agree)[0] if not agree.all() else (None, None)
        assert agree.all(), f"first disagreement: step {step}, state leaf {leaf}"
    # the worlds exercise what makes the loop hard: many levels (more than one
    # draw of random numbers), more than LANES games on the first levels, arrows
    # shot into a nearly full table, and objects dying
    first = start.objects
    eligible = (
        first.alive
        & (grid.distance(first.pos, start.player.pos[:, None]) < rules.UPDATE_RANGE)
    ).sum(-1)
    assert int(eligible.max()) > 2 * creatures.BLOCK
    assert int((eligible > 0).sum()) > creatures.LANES
    made = np.asarray(batched.next_order - start.next_order)
    assert made.max() > steps // 10 * 3 * balance.NUM_CHUNKS  # arrows were shot
    assert int(batched.overflow.sum()) > 0
    assert int(batched.objects.alive.sum()) < int(first.alive.sum())
