"""Scoring candidates by their differing sites (``candidate_scoring``) on real
Crafter-OO transitions with distractors of object birth/death, moves and map-tile
changes, against the whole-state scorer. Its own file: the compile of the full
library dominates, and a file of its own lets the test workers share the load."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.programs import LawModel
from symworld.programs import attribute_pooling as ap
from symworld.programs import candidate_scoring as cs


@pytest.mark.slow
def test_laws_candidate_scores_on_crafter_transitions():
    from symworld.envs.crafter_oo import CrafterOO
    from symworld.evaluation.candidates import distractors
    from symworld.evaluation.mutators import default_mutators
    from symworld.laws import crafter_oo as crafter_laws
    from symworld.programs.data import random_transitions
    from symworld.programs.fitting import initial_values

    env = CrafterOO()
    schema = crafter_laws.schema(env)
    batch = random_transitions(env, 40, seed=3)
    built = LawModel.build(crafter_laws.library(), schema)
    values = initial_values(built.layout)
    rng = np.random.default_rng(0)
    values["weights"] = rng.uniform(0.1, 4.0, size=len(values["weights"]))
    values["persistence"] = rng.uniform(0.9, 0.9999, size=len(schema.attributes))
    model = LawModel.from_values(built.layout, values)

    width = 12
    offsets = schema.offsets
    lows = [a.low for a in schema.attributes]

    @eqx.filter_jit
    def scores(model, key, state, action, distractors):
        """The sample first; fast scores, whole-state scores, and the fallback's
        scores (budget 8) of the candidates; all from one law run."""
        sample = schema.encode(model.sample(key, state, action))
        candidates = jnp.concatenate([sample[None], distractors])
        table = model.site_table(state, action)
        fast = cs.score_candidates(model.layout, table, model.persistence, candidates)
        small = cs.score_candidates(
            model.layout, table, model.persistence, candidates, 8
        )
        fallback = jax.vmap(
            lambda c, ok, x: jnp.where(
                ok, x, cs.score_whole(model.layout, table, model.persistence, c)
            )
        )(candidates, small.exact, small.log_prob)
        scorer = model._scorer(state, action)
        current = ap.leaf_offsets(model.layout, state)

        def one(c):
            leaves = [
                c[offsets[k] : offsets[k + 1]] - lows[k] for k in range(len(lows))
            ]
            return ap.score_state(
                model.layout, scorer, model.persistence, current, leaves
            )

        return fast, small.exact, fallback, jax.vmap(one)(candidates)

    encode = jax.jit(jax.vmap(schema.encode))
    previous_all = np.asarray(encode(batch.states))
    truth_all = np.asarray(encode(batch.next_states))
    sources_seen = set()
    for t in range(0, 40, 8):
        state = jax.tree_util.tree_map(lambda x, t=t: x[t], batch.states)
        action = jnp.int32(batch.actions[t])
        made = distractors(
            rng, schema, default_mutators(), previous_all[t], int(action), truth_all[t]
        )
        sources_seen |= {name for name, _ in made}
        rows = [truth_all[t], previous_all[t], *(c for _, c in made)]
        rows = np.stack(rows + [rows[0]] * (width - 1 - len(rows))).astype(np.int32)
        fast, small_exact, fallback, expected = scores(
            model, jax.random.key(t), state, action, jnp.asarray(rows)
        )
        exact = np.asarray(fast.exact)
        assert exact[1:].all()
        np.testing.assert_allclose(
            np.asarray(fast.log_prob)[exact],
            np.asarray(expected)[exact],
            rtol=2e-6,
            atol=1e-3,
        )
        # With a budget of 8 differing sites most candidates are rescored over
        # every site of the table (the exact fallback).
        assert not np.asarray(small_exact).all()
        np.testing.assert_allclose(
            np.asarray(fallback), np.asarray(expected), rtol=2e-6, atol=1e-3
        )
    # Births and deaths, moves and map-tile changes were among the candidates.
    assert {"spawn_despawn", "entity_position", "map_tile"} <= sources_seen
