"""Focused laws (:mod:`symworld.programs.focus`) on real Crafter-OO transitions.

The library's laws focused on the objects in range write the active pairs of the
unfocused laws, so a model draws the same next states key for key and gives the
same log-probabilities and candidate scores with or without the focus, also on
transitions that overflow the focus (the unfocused laws take over there).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.crafter_oo import CrafterOO
from symworld.laws import crafter_oo as crafter_laws
from symworld.programs import Law, LawError, LawModel, point
from symworld.programs.attribute_pooling import attribute_plans
from symworld.programs.data import random_transitions
from symworld.programs.fitting import initial_values
from symworld.programs.focus import focused_layout, overflows
from symworld.programs.layout import Layout, evaluate_pairs

TRANSITIONS = 24


@pytest.fixture(scope="module")
def crafter():
    env = CrafterOO()
    schema = crafter_laws.schema(env)
    batch = random_transitions(env, TRANSITIONS, seed=5)
    built = LawModel.build(crafter_laws.library(), schema)
    values = initial_values(built.layout)
    rng = np.random.default_rng(1)
    values["weights"] = rng.uniform(0.1, 4.0, size=len(values["weights"]))
    values["persistence"] = rng.uniform(0.9, 0.9999, size=len(schema.attributes))
    return schema, batch, built.layout, values


def _active_pairs(layout, pairs, t):
    """The active (block, site, values, log-offsets) of transition ``t``."""
    out = []
    for p in np.nonzero(np.asarray(pairs.active[t]))[0]:
        out.append(
            (
                int(layout.pair_block[p]),
                int(pairs.site[t, p]),
                tuple(np.asarray(pairs.values[t, p]).tolist()),
                tuple(np.asarray(pairs.log_offset[t, p]).tolist()),
            )
        )
    return out


def test_laws_focused_layout_writes_the_active_pairs_of_the_laws(crafter):
    schema, batch, layout, _ = crafter
    focused = focused_layout(layout, 32)
    assert focused is focused_layout(layout, 32)  # cached on the layout
    assert focused.reference is layout
    assert focused.num_pairs < layout.num_pairs / 4
    for dense, narrow in zip(
        attribute_plans(layout), attribute_plans(focused), strict=True
    ):
        assert (narrow.mode, narrow.draw_pairs) == (dense.mode, dense.pairs)

    def run(layout):
        return jax.jit(jax.vmap(lambda s, a: evaluate_pairs(layout, s, a)))(
            batch.states, batch.actions
        )

    dense_pairs, focused_pairs = run(layout), run(focused)
    moved = 0
    for t in range(TRANSITIONS):
        expected = _active_pairs(layout, dense_pairs, t)
        assert _active_pairs(focused, focused_pairs, t) == expected
        moved += sum(
            layout.blocks[b].attribute == schema.index("objects.pos")
            for b, *_ in expected
        )
    assert moved > 0  # object pairs were among the active ones


BATCH = 5  # transitions per compiled call


@pytest.mark.slow
def test_laws_focused_model_draws_and_scores_like_the_unfocused_one(crafter):
    schema, batch, layout, _ = crafter
    counts = np.asarray(
        jax.vmap(lambda s, a: jnp.sum(crafter_laws.focus_mask(s, a)))(
            batch.states, batch.actions
        )
    )
    small = int(np.median(counts))  # some transitions overflow it, some do not
    inside, over = np.nonzero(counts <= small)[0], np.nonzero(counts > small)[0]
    assert len(inside) >= BATCH and len(over) >= 1
    # The library's movers (object laws with a focused variant; the other laws
    # are the same in both layouts, and the test above compares every law's
    # pairs): cows and the two zombie laws together, so that the attributes they
    # share are pooled as in the library, at a fraction of the compile of all
    # fifteen object laws.
    chosen = ("cows_wander", "zombies_chase", "zombies_wander")
    objects = Layout([law for law in layout.laws if law.name in chosen], schema)
    assert all(isinstance(law, crafter_laws.ObjectLaw) for law in objects.laws)
    assert len(objects.laws) == len(chosen)
    values = initial_values(objects)
    values["weights"] = np.random.default_rng(1).uniform(0.1, 4.0, len(objects.laws))
    model = LawModel.from_values(objects, values, focus=small)
    flags = jax.vmap(lambda s, a: overflows(model.focused_layout, s, a))(
        batch.states, batch.actions
    )
    np.testing.assert_array_equal(np.asarray(flags), counts > small)
    keys = jax.random.split(jax.random.key(3), TRANSITIONS)

    @jax.jit
    def run(rows):
        """Sample and log_prob of the transitions ``rows``, focused unless one
        of them overflows (then the unfocused laws run for all of them)."""

        def one(key, state, action, following):
            axis = "transition"
            return (
                model.sample(key, state, action, batch_axis=axis),
                model.log_prob(state, action, following, batch_axis=axis),
            )

        take = [
            jax.tree_util.tree_map(lambda x: x[rows], tree)
            for tree in (keys, batch.states, batch.actions, batch.next_states)
        ]
        return jax.vmap(one, axis_name="transition")(*take)

    # One compiled function, two batches sharing BATCH - 1 transitions: one where
    # no transition overflows (the focused laws run) and one with an overflowing
    # member (the unfocused laws run for the whole batch, see
    # test_laws_focus_fallback_is_decided_once_per_named_batch).
    focused = run(jnp.asarray(inside[:BATCH]))
    unfocused = run(jnp.asarray(np.concatenate([inside[: BATCH - 1], over[:1]])))
    shared = slice(0, BATCH - 1)
    for got, expected in zip(
        jax.tree_util.tree_leaves(focused[0]),
        jax.tree_util.tree_leaves(unfocused[0]),
        strict=True,
    ):
        np.testing.assert_array_equal(
            np.asarray(got)[shared], np.asarray(expected)[shared]
        )
    np.testing.assert_allclose(
        np.asarray(focused[1])[shared],
        np.asarray(unfocused[1])[shared],
        rtol=0,
        atol=1e-5,
    )
    for sample, log_prob, rows in (
        (focused[0], focused[1], inside[:BATCH]),
        (unfocused[0], unfocused[1], over[:1]),
    ):
        drawn = np.asarray(jax.vmap(schema.encode)(sample))[-len(rows) :]
        current = np.asarray(
            jax.vmap(schema.encode)(
                jax.tree_util.tree_map(lambda x, r=rows: x[r], batch.states)
            )
        )
        assert (drawn != current).any(axis=1).all()  # every draw changed something
        assert np.isfinite(np.asarray(log_prob)).all()


class _Counted(Law):
    """Empties the first ``count`` inventory slots (a test law)."""

    name = "counted"
    writes = ("player.inventory",)
    count = 2

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"player.inventory": point(0, sites=jnp.arange(self.count))}

    def focused(self, rows):
        law = _Counted()
        law.count = 1
        return law


def test_laws_focus_that_changes_a_pooled_group_is_rejected(crafter):
    schema = crafter[0]
    layout = Layout([_Counted()], schema)
    with pytest.raises(LawError, match="counted.*player.inventory.*'group'"):
        focused_layout(layout, 8)


class _Witness(Law):
    """Predicts ``fixed`` = 0; its focused variant predicts 1 and overflows on the
    flip action, so a score tells which laws ran (a test law)."""

    name = "witness"
    writes = ("fixed",)
    value = 0

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"fixed": point(self.value)}

    def focused(self, rows):
        law = _Witness()
        law.value = 1
        return law

    def overflow(self, state, action):
        return action == 1


def test_laws_focus_fallback_is_decided_once_per_named_batch(
    switches_schema, switches_data
):
    model = LawModel.build([_Witness()], switches_schema)
    states = jax.tree_util.tree_map(lambda x: x[:4], switches_data.states)
    following = jax.tree_util.tree_map(lambda x: x[:4], switches_data.next_states)
    unfocused = jax.vmap(model.log_prob)(states, jnp.zeros(4, jnp.int32), following)
    # The focused variant's score, from a model whose law is the variant itself.
    variant = LawModel.build([model.laws[0].focused(1)], switches_schema)
    focused = jax.vmap(variant.log_prob)(states, jnp.zeros(4, jnp.int32), following)
    assert (np.abs(np.asarray(focused) - np.asarray(unfocused)) > 1.0).all()

    @jax.jit
    def named(actions):
        return jax.vmap(
            lambda s, a, f: model.log_prob(s, a, f, batch_axis="t"), axis_name="t"
        )(states, actions, following)

    none = jnp.zeros(4, jnp.int32)
    one = jnp.asarray([0, 0, 1, 0], jnp.int32)
    np.testing.assert_array_equal(np.asarray(named(none)), np.asarray(focused))
    # One member overflows: the whole batch runs the unfocused law.
    np.testing.assert_array_equal(np.asarray(named(one)), np.asarray(unfocused))
    # Without batch_axis the unfocused law runs; with () each call decides alone.
    np.testing.assert_array_equal(
        np.asarray(jax.vmap(model.log_prob)(states, none, following)),
        np.asarray(unfocused),
    )
    alone = jax.jit(lambda s, a, f: model.log_prob(s, a, f, batch_axis=()))
    for t, action in enumerate([0, 1]):
        take = jax.tree_util.tree_map(lambda x, t=t: x[t], (states, following))
        expected = (focused if action == 0 else unfocused)[t]
        assert float(alone(take[0], action, take[1])) == float(expected)
