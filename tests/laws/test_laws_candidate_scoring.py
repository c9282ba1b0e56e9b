"""Scoring candidates by their differing sites (``candidate_scoring``) against the
whole-state scorers on a schema with every pooling mode (conflicts in a budget, a
group, a single law, no law); real Crafter-OO transitions are in
test_laws_candidate_scoring_crafter.py."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.programs import (
    Law,
    LawModel,
    Probability,
    Schema,
    categorical,
    point,
)
from symworld.programs import attribute_pooling as ap
from symworld.programs import candidate_scoring as cs

TILES = 70  # 70 pairs x 2 entries > GROUP_ENTRIES: the "budget" mode


class Drift(Law):
    name = "drift"
    writes = ("tiles",)
    parameters = (Probability("up", init=0.2),)

    def precondition(self, state, action):
        return action != 2

    def effect(self, state, action):
        up = jnp.minimum(state["tiles"] + 1, 5)
        chance = self.param("up")
        return {"tiles": categorical([state["tiles"], up], [1 - chance, chance])}


class Paint(Law):
    name = "paint"
    writes = ("tiles", "lamps")

    def precondition(self, state, action):
        return action == 0

    def effect(self, state, action):
        return {
            "tiles": categorical([2, 4], [0.5, 0.5], sites=jnp.asarray([1, 3, 3])),
            "lamps": point(1, sites=jnp.asarray([0])),
        }


class Flicker(Law):
    name = "flicker"
    writes = ("lamps", "clock")

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {
            "lamps": categorical([0, 1], [0.3, 0.7], sites=jnp.asarray([0, 2])),
            "clock": point(state["clock"] + 1),
        }


def _state(tiles=None):
    tiles = jnp.arange(TILES, dtype=jnp.int32) % 6 if tiles is None else tiles
    return {
        "tiles": tiles,
        "lamps": jnp.asarray([0, 1, 0], jnp.int32),
        "clock": jnp.int32(3),
        "stone": jnp.asarray([2, 2], jnp.int32),
    }


@pytest.fixture(scope="module")
def grid():
    domains = {"tiles": (0, 5), "lamps": (0, 1), "clock": (0, 9), "stone": (0, 3)}
    schema = Schema.from_state("test/Tiles-v0", _state(), domains)
    built = LawModel.build([Drift(), Paint(), Flicker()], schema)
    modes = {
        schema.attributes[p.attribute].name: p.mode
        for p in ap.attribute_plans(built.layout)
    }
    assert modes == {
        "tiles": "budget",
        "lamps": "group",
        "clock": "single",
        "stone": "none",
    }
    model = LawModel.from_values(
        built.layout,
        {
            "weights": [1.5, 0.7, 2.5],
            "persistence": [0.9, 0.8, 0.95, 0.99],
            "drift/up": 0.3,
        },
    )
    whole = jax.jit(
        jax.vmap(
            lambda state, a, c: model.site_log_probs(state, a, schema.decode(c)).sum(),
            in_axes=(None, None, 0),
        )
    )
    fast = jax.jit(
        lambda state, a, c, budget: cs.score_candidates(
            model.layout, model.site_table(state, a), model.persistence, c, budget
        ),
        static_argnums=3,
    )
    return model, schema, whole, fast


@pytest.fixture(scope="module")
def method(grid):
    """``LawModel.candidate_log_probs`` compiled, by budget."""
    model = grid[0]
    return jax.jit(
        lambda state, a, c, budget: model.candidate_log_probs(
            state, a, c, budget=budget
        ),
        static_argnums=3,
    )


def _edited(rng, schema, encoded, count):
    """Copies of ``encoded`` with ``count`` random sites set to random values of
    their domains (a value may repeat the old one)."""
    low, size = schema.site_low(), schema.site_domain_size()
    out = encoded.copy()
    sites = rng.choice(encoded.shape[0], size=count, replace=False)
    out[sites] = low[sites] + rng.integers(0, size[sites])
    return out


def test_laws_candidate_scores_equal_whole_state_pooling(grid, method):
    model, schema, whole, fast = grid
    rng = np.random.default_rng(0)
    state = _state()
    encoded = np.asarray(schema.encode(state))
    attribute_log_prob = jax.jit(lambda s, a, n: model.log_prob(s, a, n))
    for action in (0, 1, 2):
        candidates = np.stack(
            [_edited(rng, schema, encoded, c % 12) for c in range(24)]
        ).astype(np.int32)
        # Conflict sites (1 and 3: drift and paint) and the group's lamps change.
        candidates[5, [1, 3, TILES]] = [2, 4, 1]
        candidates[6, [1, 3, TILES + 2]] = [5, 0, 1]
        scores = fast(state, jnp.int32(action), jnp.asarray(candidates), 64)
        assert bool(np.all(np.asarray(scores.exact)))
        np.testing.assert_array_equal(
            np.asarray(scores.differing), np.sum(candidates != encoded, axis=1)
        )
        expected = np.asarray(whole(state, jnp.int32(action), candidates))
        np.testing.assert_allclose(np.asarray(scores.log_prob), expected, rtol=1e-5)
        # The same through LawModel.candidate_log_probs and the whole-state
        # attribute scorer of LawModel.log_prob.
        through = np.asarray(method(state, jnp.int32(action), candidates, 64))
        np.testing.assert_allclose(through, expected, rtol=1e-5)
        log_prob = attribute_log_prob(
            state, jnp.int32(action), schema.decode(candidates[5])
        )
        np.testing.assert_allclose(float(log_prob), expected[5], rtol=1e-5)


class Dab(Law):
    name = "dab"
    writes = ("tiles",)

    def precondition(self, state, action):
        return action == 1

    def effect(self, state, action):
        return {"tiles": categorical([0, 5], [0.6, 0.4], sites=jnp.asarray([1]))}


def test_laws_conflict_groups_small_and_whole_budget_in_one_batch(grid):
    """Scoring pools the first 4 shared pairs of a budget and the whole budget only
    when some member of the batch has more: under ``vmap``, members with 5 shared
    pairs (action 0: drift and paint on tiles 1, 3, 3), 2 (action 1: drift and
    dab on tile 1) and none (action 2) each score as the whole-state pooling."""
    _, schema, _, _ = grid
    built = LawModel.build([Drift(), Paint(), Flicker(), Dab()], schema)
    model = LawModel.from_values(
        built.layout,
        {
            "weights": [1.5, 0.7, 2.5, 1.1],
            "persistence": [0.9, 0.8, 0.95, 0.99],
            "drift/up": 0.3,
        },
    )
    tiles = next(
        p
        for p in ap.attribute_plans(model.layout)
        if schema.attributes[p.attribute].name == "tiles"
    )
    assert tiles.mode == "budget"
    state = _state()
    encoded = np.asarray(schema.encode(state))
    rng = np.random.default_rng(3)
    candidates = np.stack(
        [_edited(rng, schema, encoded, c % 9) for c in range(12)]
    ).astype(np.int32)
    candidates[4, [1, 3]] = [5, 2]
    actions = jnp.asarray([0, 1, 2, 1], jnp.int32)
    shared = jax.vmap(
        lambda a: jnp.sum(model._scorer(state, a).groups[tiles.attribute][3])
    )(actions)
    assert np.asarray(shared).tolist() == [5, 2, 0, 2]
    fast = jax.jit(
        jax.vmap(
            lambda a: (
                cs.score_candidates(
                    model.layout,
                    model.site_table(state, a),
                    model.persistence,
                    jnp.asarray(candidates),
                ).log_prob
            )
        )
    )(actions)
    whole = jax.jit(
        jax.vmap(
            lambda a, c: model.site_log_probs(state, a, schema.decode(c)).sum(),
            in_axes=(None, 0),
        )
    )
    for member, action in enumerate(np.asarray(actions)):
        expected = np.asarray(whole(jnp.int32(action), jnp.asarray(candidates)))
        np.testing.assert_allclose(
            np.asarray(fast[member]), expected, rtol=1e-5, err_msg=f"action {action}"
        )
    # Alone (no batch), action 1 takes the small group only.
    alone = cs.score_candidates(
        model.layout,
        model.site_table(state, jnp.int32(1)),
        model.persistence,
        jnp.asarray(candidates),
    ).log_prob
    np.testing.assert_allclose(
        np.asarray(alone),
        np.asarray(whole(jnp.int32(1), jnp.asarray(candidates))),
        rtol=1e-5,
    )


def test_laws_candidates_beyond_the_budget_are_flagged_then_scored_exactly(
    grid, method
):
    model, schema, whole, fast = grid
    rng = np.random.default_rng(1)
    state = _state()
    encoded = np.asarray(schema.encode(state))
    candidates = np.stack(
        [encoded, _edited(rng, schema, encoded, 3), _edited(rng, schema, encoded, 20)]
    ).astype(np.int32)
    differing = np.sum(candidates != encoded, axis=1)
    assert differing[1] <= 4 < differing[2]
    scores = fast(state, jnp.int32(0), jnp.asarray(candidates), 4)
    np.testing.assert_array_equal(np.asarray(scores.exact), differing <= 4)
    assert np.isnan(np.asarray(scores.log_prob)[2])
    expected = np.asarray(whole(state, jnp.int32(0), candidates))
    np.testing.assert_allclose(np.asarray(scores.log_prob)[:2], expected[:2], rtol=1e-5)
    exact = method(state, jnp.int32(0), jnp.asarray(candidates), 4)
    np.testing.assert_allclose(np.asarray(exact), expected, rtol=1e-5)


def test_laws_candidate_scores_from_another_reference_and_impossible_values(grid):
    model, schema, whole, _ = grid
    rng = np.random.default_rng(2)
    state = _state()
    encoded = np.asarray(schema.encode(state))
    # An impossible reference (a value outside the domain) still scores the
    # candidates that differ from it there.
    reference = encoded.copy()
    reference[7] = 9
    table = jax.jit(lambda s, a, r: model.site_table(s, a, r))(
        state, jnp.int32(1), jnp.asarray(reference)
    )
    assert int(table.reference_impossible) == 1
    candidates = np.stack(
        [_edited(rng, schema, encoded, 5), reference, _edited(rng, schema, encoded, 2)]
    ).astype(np.int32)
    scores = jax.jit(
        lambda t, c: cs.score_candidates(model.layout, t, model.persistence, c)
    )(table, jnp.asarray(candidates))
    expected = np.asarray(whole(state, jnp.int32(1), candidates))
    assert expected[1] == -np.inf and np.asarray(scores.log_prob)[1] == -np.inf
    np.testing.assert_allclose(np.asarray(scores.log_prob), expected, rtol=1e-5)


def test_laws_site_table_reference_terms_equal_the_looked_up_terms(grid):
    """The reference terms are computed attribute by attribute from the pairs;
    under ``vmap``, with members that cover every tile (action 0: drift and
    paint), three sites (action 2: flicker alone) and the rest, each equals the
    table's own look-up at every site, and the impossible term is counted."""
    model, schema, _, _ = grid
    state = _state()
    encoded = schema.encode(state)
    first = {a.name: schema.offsets[k] for k, a in enumerate(schema.attributes)}
    # Tiles 0 and 1, a lamp and the clock change; tile 2 takes a value outside
    # its domain (0..5), an impossible term every member must count.
    changed = [first["tiles"] + t for t in (0, 1, 2)] + [first["lamps"], first["clock"]]
    reference = encoded.at[jnp.asarray(changed)].set(jnp.asarray([5, 4, 9, 1, 7]))
    actions = jnp.asarray([0, 2, 1], jnp.int32)
    tables = jax.jit(
        jax.vmap(
            lambda a: cs.site_table(
                model.layout,
                model._scorer(state, a),
                model.persistence,
                encoded,
                reference,
            )
        )
    )(actions)
    assert np.asarray(tables.site_row >= 0).sum(axis=1).tolist() == [
        TILES + 3,
        3,
        TILES + 3,
    ]
    every = jnp.arange(schema.num_sites, dtype=jnp.int32)
    for member, action in enumerate(np.asarray(actions)):
        one = jax.tree_util.tree_map(lambda x, m=member: x[m], tables)
        direct = cs.site_log_probs(
            model.layout, one, model.persistence, every, one.reference
        )
        # Equal up to a few float32 steps: the pooled terms are summed over the
        # pairs at a site here and read from the group's cells by the look-up.
        np.testing.assert_allclose(
            np.asarray(one.reference_log_prob),
            np.asarray(direct),
            rtol=1e-6,
            err_msg=f"action {action}",
        )
        assert int(one.reference_impossible) == 1
        finite = np.isfinite(np.asarray(direct))
        np.testing.assert_allclose(
            float(one.reference_total), np.asarray(direct)[finite].sum(), rtol=1e-6
        )


@pytest.mark.parametrize("count", [0, 1, 31, 32, 33, 64, 65, 500])
def test_laws_differences_list_the_differing_sites_in_order(count):
    rng = np.random.default_rng(count)
    num_sites = 1000
    reference = rng.integers(0, 5, size=num_sites).astype(np.int32)
    candidates = np.repeat(reference[None], 3, axis=0)
    sites = np.sort(rng.choice(num_sites, size=count, replace=False))
    if count >= 3:  # word edges and the last site
        sites = np.unique(np.concatenate([sites[: count - 3], [31, 32, num_sites - 1]]))
    candidates[1, sites] += 1
    candidates[2, :] += 1
    edits = jax.jit(cs.differences, static_argnums=2)(
        jnp.asarray(reference), jnp.asarray(candidates), 64
    )
    listed = min(len(sites), 64)
    assert np.asarray(edits.count).tolist() == [0, len(sites), num_sites]
    np.testing.assert_array_equal(np.asarray(edits.site)[1, :listed], sites[:listed])
    np.testing.assert_array_equal(
        np.asarray(edits.value)[1, :listed], candidates[1, sites[:listed]]
    )
    assert np.asarray(edits.valid)[1].sum() == listed
    assert not np.asarray(edits.valid)[0].any()
    np.testing.assert_array_equal(np.asarray(edits.site)[2], np.arange(64))
