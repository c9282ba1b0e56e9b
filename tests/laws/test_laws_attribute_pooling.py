"""Attribute-wise pooling (the fast sample/log_prob path) against the whole-state
pooling of ``symworld.programs.pooling``, on a schema with conflicting laws on a
large attribute (the conflict budget), a small one pooled whole, and persistence
on a large attribute (geometric gaps)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.programs import Law, LawModel, Probability, Schema, categorical, point
from symworld.programs import attribute_pooling as ap

GRID = 80  # > DENSE_PERSISTENCE and > GROUP_ENTRIES entries: budget mode


def _state(grid=None, small=None):
    grid = jnp.arange(GRID, dtype=jnp.int32) % 6 if grid is None else grid
    small = jnp.asarray([1, 2, 3], jnp.int32) if small is None else small
    return {"grid": grid, "small": small}


class Shift(Law):
    """Even grid sites: stay or go up by one (learnable)."""

    name = "shift"
    writes = ("grid",)
    parameters = (Probability("up", init=0.3),)

    def precondition(self, state, action):
        return action == 0

    def effect(self, state, action):
        up = self.param("up")
        even = jnp.arange(GRID) % 2 == 0
        return {
            "grid": categorical(
                [state["grid"], jnp.minimum(state["grid"] + 1, 5)],
                [1 - up, up],
                where=even,
            )
        }


class Stamp(Law):
    name = "stamp"
    writes = ("grid",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"grid": point(3, sites=jnp.asarray([0, 2, 4]))}


class Mark(Law):
    name = "mark"
    writes = ("grid", "small")

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {
            "grid": categorical([1, 2, 3], [0.5, 0.3, 0.2], sites=jnp.asarray([2, 5])),
            "small": categorical([0, state["small"]], [0.4, 0.6]),
        }


class Reset(Law):
    name = "reset"
    writes = ("small",)

    def precondition(self, state, action):
        return action == 1

    def effect(self, state, action):
        return {"small": point(4, sites=jnp.asarray([0, 1]))}


@pytest.fixture(scope="module")
def model():
    schema = Schema.from_state(
        "test/Grid-v0", _state(), {"grid": (0, 5), "small": (0, 4)}
    )
    built = LawModel.build([Shift(), Stamp(), Mark(), Reset()], schema)
    plans = {
        schema.attributes[p.attribute].name: p.mode
        for p in ap.attribute_plans(built.layout)
    }
    assert plans == {"grid": "budget", "small": "group"}
    return LawModel.from_values(
        built.layout,
        {"weights": [1.2, 0.8, 2.0, 0.5], "persistence": [0.97, 0.7], "shift/up": 0.3},
    )


def test_laws_fast_log_prob_equals_whole_state_pooling(model):
    state = _state()
    rng = np.random.default_rng(0)
    score = jax.jit(lambda a, n: model.log_prob(state, a, n))
    exact = jax.jit(lambda a, n: model.site_log_probs(state, a, n).sum())
    for trial in range(12):
        grid = np.asarray(state["grid"]).copy()
        changed = rng.choice(GRID, size=6, replace=False)
        grid[changed] = rng.integers(0, 6, size=6)
        grid[[0, 2, 4, 5][trial % 4]] = trial % 6
        following = _state(jnp.asarray(grid), jnp.asarray(rng.integers(0, 5, 3)))
        for action in (0, 1):
            fast = float(score(jnp.int32(action), following))
            slow = float(exact(jnp.int32(action), following))
            np.testing.assert_allclose(fast, slow, rtol=1e-5)
    # An observed value outside the domain has probability zero.
    bad = _state(state["grid"].at[3].set(9))
    assert float(score(jnp.int32(0), bad)) == -np.inf


def test_laws_fast_sampling_follows_the_pooled_distribution(model):
    state = _state()
    count = 20_000
    keys = jax.random.split(jax.random.key(3), count)
    draws = jax.jit(jax.vmap(lambda k: model.sample(k, state, jnp.int32(0))))(keys)
    grid = np.asarray(draws["grid"])
    small = np.asarray(draws["small"])

    def pooled(attribute, site, values):
        probs = []
        for v in values:
            leaf = state[attribute].at[site].set(v)
            following = dict(state, **{attribute: leaf})
            sites = model.site_log_probs(state, jnp.int32(0), following)
            offset = 0 if attribute == "grid" else GRID
            probs.append(float(jnp.exp(sites[offset + site])))
        return np.asarray(probs)

    # Site 2: three experts meet (shift, stamp, mark); site 0: two; site 5: mark
    # alone; small[1]: mark alone in a group attribute.
    for attribute, site, sample, size in (
        ("grid", 2, grid[:, 2], 6),
        ("grid", 0, grid[:, 0], 6),
        ("grid", 5, grid[:, 5], 6),
        ("small", 1, small[:, 1], 5),
    ):
        expect = pooled(attribute, site, range(size))
        np.testing.assert_allclose(expect.sum(), 1.0, rtol=1e-4)
        seen = np.bincount(sample, minlength=size) / count
        np.testing.assert_allclose(seen, expect, atol=0.012)
    # Uncovered odd grid sites (other than 5): persistence 0.97, else uniform.
    odd = [s for s in range(7, GRID, 2)]
    kept = grid[:, odd] == np.asarray(state["grid"])[odd]
    assert abs(kept.mean() - 0.97) < 0.004
    changed = grid[:, odd][~kept]
    start = np.broadcast_to(np.asarray(state["grid"])[odd], kept.shape)[~kept]
    shifts = np.bincount((changed - start) % 6, minlength=6) / changed.size
    np.testing.assert_allclose(shifts[1:], 0.2, atol=0.02)


def test_laws_no_conflict_overflow_on_the_test_schema(model):
    over = ap.conflict_overflow(
        model.layout,
        _state(),
        jnp.int32(0),
        model.weights,
        model.log_components,
        model.epsilon,
    )
    assert int(over) == 0


@pytest.mark.parametrize("chunk", [64, ap.ACTIVE_CHUNK, 5])
def test_laws_active_pair_sampling_draws_what_the_dense_path_draws(model, chunk):
    """Visiting only the active pairs of a budget attribute (one loop turn of 64
    pairs, six of 8, or nine of 5, which start off the uniforms' blocks) draws,
    key for key, the state the dense path over every pair draws, also with the
    loops and the conflict pooling decided once for the batch (``batch_axis``;
    members with and without conflicts side by side); the dense path does not
    depend on the chunk, so neither do the draws. The states also vary, so the
    comparison is not between constants."""
    layout = model.layout

    def draw(key, state, action, dense, batch_axis=None):
        return ap.sample_state(
            layout,
            state,
            action,
            model.weights,
            model.log_components,
            model.persistence,
            model.epsilon,
            key,
            chunk=chunk,
            dense=dense,
            batch_axis=batch_axis,
        )

    rng = np.random.default_rng(1)
    states = _state(
        jnp.asarray(rng.integers(0, 6, (64, GRID)), jnp.int32),
        jnp.asarray(rng.integers(0, 5, (64, 3)), jnp.int32),
    )
    actions = jnp.asarray(np.arange(64) % 2, jnp.int32)
    both = jax.jit(
        jax.vmap(
            lambda k, s, a: (
                draw(k, s, a, False),
                draw(k, s, a, True),
                draw(k, s, a, False, "b"),
            ),
            axis_name="b",
        )
    )
    for repeat in range(4):
        keys = jax.random.split(jax.random.key(5 + repeat), 64)
        fast, dense, batched = both(keys, states, actions)
        for name in ("grid", "small"):
            np.testing.assert_array_equal(
                np.asarray(fast[name]), np.asarray(dense[name])
            )
            np.testing.assert_array_equal(
                np.asarray(batched[name]), np.asarray(dense[name])
            )
        # Action 0 applies 45 grid pairs: chunk 5 takes 9 turns.
        assert len(np.unique(np.asarray(fast["grid"])[:, 2])) > 2


@pytest.mark.parametrize("chunk", [0, -3])
def test_laws_sampling_refuses_a_chunk_below_one(model, chunk):
    """A turn of no pairs would never finish the loop: refused, with the value."""
    with pytest.raises(ValueError, match=f"chunk must be at least 1.*got {chunk}"):
        ap.sample_state(
            model.layout,
            _state(),
            jnp.int32(0),
            model.weights,
            model.log_components,
            model.persistence,
            model.epsilon,
            jax.random.key(0),
            chunk=chunk,
        )
