"""The cheaper forms of Crafter-OO law internals against their plain definitions.

Issues #4/#8 (law cost per transition): the occupant creatures see is read at the
cells asked for instead of from a copied map, the skeletons that may fire the
step's first arrow are ranked over the focused rows instead of argsorting every
slot, and despawning counts creatures per (chunk, class) in one pass. Each is
checked here against a direct computation of what it replaced.
"""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.crafter_oo import CrafterOO, balance, grid, rules
from symworld.laws import crafter_oo as laws
from symworld.programs.data import random_transitions

CAPACITY = 256


@pytest.fixture(scope="module")
def states():
    batch = random_transitions(CrafterOO(), 64, seed=4)
    return batch.states, batch.actions


def test_occupant_seen_at_reads_the_map_with_the_player_moved(states):
    """At every map cell and at cells off the map: what the copied map (player
    lifted from its cell and put on its new one) holds there."""
    xy = np.stack(np.meshgrid(np.arange(-1, 65), np.arange(-1, 65), indexing="ij"), -1)
    cells = jnp.asarray(xy.reshape(-1, 2))
    batch, actions = states

    def both(state, action):
        seen = laws._occupant_seen_at(state, action, cells)
        expected = grid.occupant_at(laws._occupant_after_player(state, action), cells)
        return seen, expected, laws.situation(state, action)["moved"]

    seen, expected, moved = jax.jit(jax.vmap(both))(batch, actions)
    np.testing.assert_array_equal(np.asarray(seen), np.asarray(expected))
    assert np.asarray(moved).any()  # some transitions move the player


def _table(order):
    """A reset state's object table with the stamps ``order``."""
    objects = CrafterOO().reset(jax.random.key(0)).objects
    return dataclasses.replace(objects, order=jnp.asarray(order, jnp.int32))


def _focused_rows(slots, order):
    """Focused rows over ``slots`` (padding repeats slot 0, not valid)."""
    size = 32
    slot = np.zeros(size, np.int32)
    slot[: len(slots)] = slots
    objects = jax.tree_util.tree_map(lambda x: x[jnp.asarray(slot)], _table(order))
    return laws.Rows(
        objects, jnp.asarray(slot), jnp.arange(size) < len(slots), dense=False
    )


@pytest.mark.parametrize("shooters", [0, 1, 2, 3, 4, 6, 9])
def test_first_shooters_equal_a_stable_argsort_of_every_slot(shooters):
    rng = np.random.default_rng(shooters)
    big = np.iinfo(np.int32).max
    for trial in range(20):
        # stamps with ties; rows in focus (ascending slots), some low slots among them
        order = rng.integers(0, 40, CAPACITY)
        focus = np.sort(rng.choice(CAPACITY, 12, replace=False))
        if trial % 2:
            focus = np.unique(np.concatenate([[0, 2], focus]))[:12]
        chances = np.zeros(32, np.float32)
        chances[rng.choice(len(focus), min(shooters, len(focus)), replace=False)] = (
            rng.uniform(0.1, 1.0, min(shooters, len(focus)))
        )
        q = np.zeros(CAPACITY, np.float32)
        q[focus] = chances[: len(focus)]
        expected = np.argsort(np.where(q > 0, order, big), kind="stable")[
            : laws.SHOOTERS
        ]
        dense = laws.Rows(
            _table(order),
            jnp.arange(CAPACITY, dtype=jnp.int32),
            jnp.ones(CAPACITY, bool),
            dense=True,
        )
        for rows, row_chances in (
            (_focused_rows(focus, order), chances),
            (dense, q),
        ):
            got = laws._first_shooters(rows, jnp.asarray(row_chances), jnp.asarray(q))
            np.testing.assert_array_equal(np.asarray(got), expected)


def _despawn_reference(state):
    """Per slot, the despawn chance by the rule, counted object by object."""
    objects = jax.tree_util.tree_map(np.asarray, state.objects)
    step = int(state.step) + 1
    seen = np.asarray(state.chunk_seen).reshape(-1)
    player = np.asarray(state.player.pos)
    chunk_of = [
        (x // rules.CHUNK_SIZE[0]) * rules.NUM_CHUNKS[1] + y // rules.CHUNK_SIZE[1]
        for x, y in objects.pos
    ]
    chance = np.zeros(CAPACITY, np.float32)
    for index, kind in enumerate(rules.BALANCE_ORDER):
        _, _, far_enough, _, despawn = rules.BALANCE[kind]
        high = int(balance._HIGH[index, int(balance.daylight_index(step))])
        members = [
            i for i in range(CAPACITY) if objects.alive[i] and objects.kind[i] == kind
        ]
        for i in members:
            n = sum(chunk_of[j] == chunk_of[i] for j in members)
            far = np.abs(objects.pos[i] - player).sum() >= far_enough
            if seen[chunk_of[i]] and n > high and far:
                chance[i] = np.float32(despawn) / np.float32(n)
    return chance


def test_despawn_chances_match_a_per_object_count():
    env = CrafterOO()
    state = env.reset(jax.random.key(3))
    rng = np.random.default_rng(0)
    # a crowd: creatures of every class packed into a few chunks, all seen
    kinds = np.asarray(state.objects.kind).copy()
    alive = np.asarray(state.objects.alive).copy()
    pos = np.asarray(state.objects.pos).copy()
    free = np.nonzero(~alive)[0][:60]
    kinds[free] = rng.choice([rules.ZOMBIE, rules.SKELETON, rules.COW, rules.PLANT], 60)
    alive[free] = True
    pos[free] = rng.integers(20, 44, (60, 2))
    state = dataclasses.replace(
        state,
        step=jnp.int32(rules.BALANCE_INTERVAL - 1),
        chunk_seen=jnp.ones_like(state.chunk_seen),
        objects=dataclasses.replace(
            state.objects,
            kind=jnp.asarray(kinds, state.objects.kind.dtype),
            alive=jnp.asarray(alive),
            pos=jnp.asarray(pos, state.objects.pos.dtype),
        ),
    )
    law = laws.CreaturesDespawn()
    assert bool(law.precondition(state, rules.NOOP))
    effect = law.effect(state, rules.NOOP)["objects.alive"]
    expected = _despawn_reference(state)
    assert (expected > 0).sum() >= 10  # classes over their limits in several chunks
    np.testing.assert_array_equal(np.asarray(effect.where), expected > 0)
    q = np.clip(expected, laws.TINY, 1 - laws.TINY)
    np.testing.assert_allclose(
        np.exp(np.asarray(effect.probabilities[1].log_offset))[expected > 0],
        q[expected > 0],
        rtol=1e-6,
    )
