"""Focused laws (:mod:`symworld.programs.focus`) on real Crafter-OO transitions.

The library's laws focused on the objects in range write the active pairs of the
unfocused laws, so a model draws the same next states key for key and gives the
same log-probabilities and candidate scores with or without the focus, also on
transitions that overflow the focus (the unfocused laws take over there).
"""

from __future__ import annotations

import equinox as eqx
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


@pytest.mark.slow
def test_laws_focused_model_draws_and_scores_like_the_unfocused_one(crafter):
    schema, batch, layout, values = crafter
    counts = np.asarray(
        jax.vmap(lambda s, a: jnp.sum(crafter_laws.focus_mask(s, a)))(
            batch.states, batch.actions
        )
    )
    small = int(np.median(counts))  # some transitions overflow it, some do not
    assert (counts > small).any() and (counts <= small).any()
    # Unfocused, and focused on so few rows that about half the transitions
    # overflow: the batch mixes focused results and the unfocused fallback.
    models = [
        LawModel.from_values(layout, values, focus=rows) for rows in (None, small)
    ]
    flags = jax.vmap(lambda s, a: overflows(models[1].focused_layout, s, a))(
        batch.states, batch.actions
    )
    np.testing.assert_array_equal(np.asarray(flags), counts > small)

    encoded = np.asarray(jax.vmap(schema.encode)(batch.next_states))
    rng = np.random.default_rng(2)
    candidates = np.repeat(encoded[:, None], 4, axis=1)
    low, size = schema.site_low(), schema.site_domain_size()
    for m in range(1, 4):
        column = rng.integers(0, schema.num_sites, size=TRANSITIONS)
        rows = np.arange(TRANSITIONS)
        candidates[rows, m, column] = (
            low[column] + (candidates[rows, m, column] - low[column] + 1) % size[column]
        )
    keys = jax.random.split(jax.random.key(3), TRANSITIONS)

    @eqx.filter_jit
    def run(model, keys, states, actions, following, candidates):
        def one(key, state, action, following, candidates):
            return (
                model.sample(key, state, action),
                model.log_prob(state, action, following),
                model.score_candidates(state, action, candidates),
            )

        return jax.vmap(one)(keys, states, actions, following, candidates)

    outputs = [
        run(
            model,
            keys,
            batch.states,
            batch.actions,
            batch.next_states,
            jnp.asarray(candidates),
        )
        for model in models
    ]
    reference = outputs[0]
    changed = np.asarray(jax.vmap(schema.encode)(reference[0])) != np.asarray(
        jax.vmap(schema.encode)(batch.states)
    )
    assert changed.any(axis=1).all()  # every draw changed something
    assert np.isfinite(np.asarray(reference[1])).all()
    for sample, log_prob, scores in outputs[1:]:
        for got, expected in zip(
            jax.tree_util.tree_leaves(sample),
            jax.tree_util.tree_leaves(reference[0]),
            strict=True,
        ):
            np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))
        np.testing.assert_allclose(
            np.asarray(log_prob), np.asarray(reference[1]), rtol=0, atol=1e-5
        )
        np.testing.assert_array_equal(
            np.asarray(scores.exact), np.asarray(reference[2].exact)
        )
        # A candidate's score sums about 10,000 float32 terms of the site table
        # (-580 nats; one float32 step there is 6e-5), in another order.
        np.testing.assert_allclose(
            np.asarray(scores.log_prob),
            np.asarray(reference[2].log_prob),
            rtol=1e-6,
            atol=1e-5,
        )


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
