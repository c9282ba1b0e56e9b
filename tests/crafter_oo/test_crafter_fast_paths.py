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

from symworld.envs.crafter_oo import balance, creatures, grid, rules, table
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
    grass_rows = rows[0]  # zombies spawn on grass
    space = np.asarray(grass_rows.sum(-1))
    pick = (rng.random(balance.NUM_CHUNKS) * space).astype(np.int32)
    pos = np.asarray(
        jax.jit(balance._kth_cell)(
            jnp.asarray(material), grass_rows, jnp.int32(rules.GRASS), pick
        )
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


@pytest.mark.parametrize("stamp_base", [0, 2**30])
def test_update_order_sorts_by_creation_stamp(stamp_base):
    """The packed-key sort and its argsort fallback (huge stamps) agree with NumPy."""
    rng = np.random.default_rng(3)
    capacity = 256
    order = stamp_base + rng.permutation(5000)[:capacity]
    eligible = rng.random((3, capacity)) < 0.4
    queue = np.asarray(
        jax.jit(creatures._creation_order)(
            jnp.asarray(eligible), jnp.asarray(np.broadcast_to(order, (3, capacity)))
        )
    )
    for game in range(3):
        slots = np.flatnonzero(eligible[game])
        expected = slots[np.argsort(order[slots])]
        np.testing.assert_array_equal(queue[game, : slots.size], expected)


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
