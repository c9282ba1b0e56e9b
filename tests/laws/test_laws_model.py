"""Pooling, scoring and sampling against independent computations; bad laws."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.switches import SwitchesState
from symworld.programs import (
    Law,
    LawError,
    LawModel,
    Probability,
    bernoulli,
    categorical,
    point,
)
from symworld.programs.fitting import (
    PAIR_TABLE_BYTES,
    compile_transitions,
    log_likelihood,
    pair_chunk,
)
from symworld.programs.pooling import reliability


class Spread(Law):
    """Toggle: 0 with 0.2, 1 with 0.5 (twice 0.25: duplicates add up)."""

    name = "spread"
    writes = ("toggle",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"toggle": categorical([0, 1, 1], [0.5, 0.25, 0.25])}


class Flip(Law):
    name = "flip"
    writes = ("toggle",)

    def precondition(self, state, action):
        return action == 1

    def effect(self, state, action):
        return {"toggle": point(1 - state.toggle)}


class Coin(Law):
    name = "coin"
    writes = ("coin",)
    parameters = (Probability("p", init=0.3),)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"coin": bernoulli(self.param("p"))}


def _state(toggle=0, coin=0, fixed=1, time=4):
    return SwitchesState(*(jnp.int32(v) for v in (toggle, coin, fixed, time)))


def test_laws_pooled_probabilities_match_a_direct_product(switches_schema):
    model = LawModel.build([Spread(), Flip(), Coin()], switches_schema)
    weights = jnp.asarray([0.7, 2.0, 1.5])
    model = LawModel.from_values(
        model.layout,
        {"weights": weights, "persistence": [0.8, 0.6, 0.95, 0.3], "coin/p": 0.3},
    )
    state = _state(toggle=0, coin=1, fixed=1, time=4)
    r = np.asarray(reliability(weights, model.epsilon))
    for action in (0, 1):
        for toggle, coin, fixed, time in itertools.product(
            (0, 1), (0, 1), (0, 1), (4, 5)
        ):
            following = _state(toggle, coin, fixed, time)
            sites = np.asarray(
                model.site_log_probs(state, jnp.int32(action), following)
            )
            # toggle: product of the active experts r q + (1 - r) / 2, normalised.
            experts = [np.array([0.5, 0.5]) * r[0] + (1 - r[0]) / 2]
            if action == 1:
                experts.append(np.array([0.0, 1.0]) * r[1] + (1 - r[1]) / 2)
            product = np.prod(experts, axis=0)
            np.testing.assert_allclose(
                np.exp(sites[0]), product[toggle] / product.sum(), rtol=1e-5
            )
            coin_q = np.array([0.7, 0.3]) * r[2] + (1 - r[2]) / 2
            np.testing.assert_allclose(np.exp(sites[1]), coin_q[coin], rtol=1e-5)
            # fixed and time: no law, so persistence (rho 0.95 / 0.3).
            expect_fixed = 0.95 if fixed == 1 else 0.05
            np.testing.assert_allclose(np.exp(sites[2]), expect_fixed, rtol=1e-5)
            expect_time = 0.3 if time == 4 else 0.7 / 10_000
            np.testing.assert_allclose(np.exp(sites[3]), expect_time, rtol=1e-4)


def test_laws_training_objective_equals_summed_log_prob(switches_schema, switches_data):
    model = LawModel.build([Spread(), Flip(), Coin()], switches_schema)
    model = LawModel.from_values(
        model.layout,
        {
            "weights": [0.3, 1.7, 0.9],
            "persistence": [0.8, 0.6, 0.95, 0.3],
            "coin/p": 0.4,
        },
    )
    states, actions, following = switches_data
    encoded = jax.vmap(switches_schema.encode)(following)
    data = compile_transitions(model.layout, states, actions, encoded, chunk=700)
    total = log_likelihood(
        data, model.weights, model.log_components, model.persistence, model.epsilon
    )
    direct = jax.jit(jax.vmap(model.log_prob))(states, actions, following)
    np.testing.assert_allclose(float(total), float(direct.sum()), rtol=1e-5)
    # Only active pairs are kept: Flip is active on about half of the transitions.
    flips = int(np.sum(np.asarray(actions) == 1))
    assert data.law.shape[0] == 2 * len(actions) + flips


def test_laws_compiled_transitions_do_not_depend_on_the_chunk(
    switches_schema, switches_data
):
    model = LawModel.build([Spread(), Flip(), Coin()], switches_schema)
    states, actions, following = switches_data
    encoded = jax.vmap(switches_schema.encode)(following)
    # 3 pairs of support 3 (Spread's) take 72 bytes per transition: the default
    # budget allows the cap of 2,048 transitions, a 720-byte one exactly 16.
    assert model.layout.num_pairs * model.layout.support * 8 == 72
    assert pair_chunk(model.layout) == 2048
    assert pair_chunk(model.layout, budget=720) == 16
    assert pair_chunk(model.layout, budget=72 * 100) == 100
    assert PAIR_TABLE_BYTES // 72 > 2048
    whole = compile_transitions(model.layout, states, actions, encoded)
    pieces = compile_transitions(model.layout, states, actions, encoded, chunk=37)
    # Spread and Coin always apply; Flip when the action is 1.
    count = len(actions)
    flips = int(np.sum(np.asarray(actions) == 1))
    assert whole.law_support.tolist() == [count, flips, count]
    for name, value in whole._asdict().items():
        other = getattr(pieces, name)
        if isinstance(value, np.ndarray | jax.Array):
            np.testing.assert_array_equal(np.asarray(value), np.asarray(other), name)
        elif isinstance(value, float):
            assert value == pytest.approx(other, rel=1e-9), name
        else:
            assert value == other, name


def test_laws_sampling_follows_the_pooled_distribution(switches_schema):
    model = LawModel.build([Spread(), Coin()], switches_schema)
    model = LawModel.from_values(
        model.layout,
        {"weights": [5.0, 5.0], "persistence": [0.8, 0.6, 0.75, 0.5], "coin/p": 0.3},
    )
    state = _state(toggle=0, coin=1, fixed=1, time=4)
    keys = jax.random.split(jax.random.key(0), 20_000)
    draws = jax.jit(jax.vmap(lambda k: model.sample(k, state, jnp.int32(0))))(keys)
    r = float(reliability(jnp.float32(5.0), model.epsilon))
    assert abs(float(draws.toggle.mean()) - (0.5 * r + (1 - r) / 2)) < 0.015
    assert abs(float(draws.coin.mean()) - (0.3 * r + (1 - r) / 2)) < 0.015
    assert abs(float((draws.fixed == 1).mean()) - 0.75) < 0.015
    assert abs(float((draws.time == 4).mean()) - 0.5) < 0.015
    changed = np.asarray(draws.time)[np.asarray(draws.time) != 4]
    assert changed.min() >= 0 and changed.max() <= 10_000 and changed.std() > 1000


# -- bad laws ----------------------------------------------------------------------
class Raises(Law):
    name = "raises"
    writes = ("toggle",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        raise RuntimeError("boom")


class WrongShape(Law):
    name = "wrong_shape"
    writes = ("toggle",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"toggle": point(jnp.zeros(3, jnp.int32))}


class UnknownAttribute(Law):
    name = "unknown_attribute"
    writes = ("lamp",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"lamp": point(1)}


class Undeclared(Law):
    name = "undeclared"
    writes = ("toggle",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"coin": point(1)}


class OutOfDomain(Law):
    name = "out_of_domain"
    writes = ("toggle",)

    def precondition(self, state, action):
        return action == 1

    def effect(self, state, action):
        return {"toggle": point(state.toggle + 1)}


class Fractional(Law):
    name = "fractional"
    writes = ("toggle",)

    def precondition(self, state, action):
        return action == 1

    def effect(self, state, action):
        return {"toggle": point(0.7)}


class VectorPrecondition(Law):
    name = "vector_precondition"
    writes = ("toggle",)

    def precondition(self, state, action):
        return jnp.ones(2, bool)

    def effect(self, state, action):
        return {"toggle": point(0)}


@pytest.mark.parametrize(
    ("law", "attribute", "words"),
    [
        (Raises(), None, "raised RuntimeError: boom"),
        (WrongShape(), "toggle", "wrong shape"),
        (UnknownAttribute(), "lamp", "unknown attribute"),
        (Undeclared(), "coin", "not listed in writes"),
        (OutOfDomain(), "toggle", "outside the domain 0..1"),
        (Fractional(), "toggle", "not a whole number (off by 0.3)"),
        (VectorPrecondition(), None, "scalar"),
    ],
)
def test_laws_bad_laws_are_rejected_by_name(
    switches_schema, switches_data, law, attribute, words
):
    with pytest.raises(LawError) as caught:
        LawModel.build(
            [Flip(), law],
            switches_schema,
            examples=(switches_data.states, switches_data.actions),
        )
    message = str(caught.value)
    assert f"law {law.name!r}" in message
    if attribute:
        assert f"attribute {attribute!r}" in message
    assert words in message
    assert caught.value.law == law.name


def test_laws_data_from_another_environment_is_rejected(switches_schema):
    columns = {"theta": np.zeros((3,)), "omega": np.zeros((3,))}
    with pytest.raises(ValueError, match="does not match environment"):
        switches_schema.encode_columns(columns)
    columns = {
        "toggle": np.array([0, 2]),
        "coin": np.zeros(2),
        "fixed": np.zeros(2),
        "time": np.zeros(2),
    }
    with pytest.raises(ValueError, match="'toggle' row 1 holds 2"):
        switches_schema.encode_columns(columns)


def test_laws_data_fractional_discrete_values_are_refused_scaled_ones_rounded():
    """A discrete attribute holding 0.5 is refused (not truncated to 0); a scaled
    float attribute is quantised to ``round(value * scale)`` as before."""
    import jax.numpy as jnp

    from symworld.programs import Schema

    schema = Schema.from_state(
        "toy/Lamp-v0",
        {"light": jnp.float32(0.0), "tick": jnp.int32(0)},
        {"light": (0, 8), "tick": (0, 9)},
        scales={"light": 4.0},
    )
    codes = schema.encode_columns(
        {"light": np.array([0.25, 0.3, 2.0]), "tick": np.array([0.0, 1.0, 9.0])}
    )
    np.testing.assert_array_equal(codes, [[1, 0], [1, 1], [8, 9]])
    with pytest.raises(
        ValueError,
        match=r"attribute 'tick' row 2 holds 0\.9, not a whole number "
        r"\(its domain is 0\.\.9\)",
    ):
        schema.encode_columns({"light": np.zeros(3), "tick": np.array([0.0, 1.0, 0.9])})


def test_laws_fit_names_laws_the_data_never_activate(
    switches_schema, switches_data, caplog
):
    states, actions, following = switches_data
    keep = np.flatnonzero(np.asarray(actions) == 0)[:200]
    part = jax.tree_util.tree_map(lambda x: x[keep], (states, actions, following))
    model = LawModel.build([Spread(), Flip()], switches_schema)
    with caplog.at_level("WARNING", logger="symworld.programs.model"):
        _, result = model.fit(*part, key=jax.random.key(0), steps=5)
    assert result.law_support.tolist() == [200, 0]
    assert "1 of 2 laws were never active on the 200 transitions" in caplog.text
    assert caplog.text.rstrip().endswith("flip")


def test_laws_data_without_a_transition_is_refused_naming_the_file(tmp_path):
    """A file whose every episode has one row holds no transition: the reader
    names the file and says so (it raised a reshape error before)."""
    from symworld.programs.data import transitions_from_file
    from symworld.programs.environments import law_environment
    from symworld.trajectory import Trajectory
    from symworld.trajectory_io import write_trajectory

    environment = law_environment("symworld/Switches-v0")
    schema = environment.schema(environment.env())
    one = np.zeros(1, np.int64)
    path = write_trajectory(
        Trajectory(
            episode=one,
            step=one,
            state={name: one.copy() for name in ("toggle", "coin", "fixed", "time")},
            action={"action": one.copy()},
            reward=np.zeros(1),
            terminated=np.zeros(1, bool),
            truncated=np.zeros(1, bool),
            metadata={"env_id": "symworld/Switches-v0"},
        ),
        tmp_path / "one_row.npz",
    )
    with pytest.raises(ValueError, match=r"one_row\.npz: no transitions"):
        transitions_from_file(str(path), schema)
