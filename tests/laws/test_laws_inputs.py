"""Bad inputs to LawModel / induce are rejected with the input, attribute and row
named; laws with bad probabilities, preconditions or priors are rejected by name."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.switches import SwitchesState
from symworld.induction import induce
from symworld.laws import switches as switch_laws
from symworld.programs import (
    Law,
    LawError,
    LawModel,
    Probability,
    bernoulli,
    categorical,
    point,
)

KEY = jax.random.key(0)


@pytest.fixture(scope="module")
def small(switches_data):
    """The first 50 switches transitions."""
    return jax.tree_util.tree_map(lambda x: x[:50], switches_data)


@pytest.fixture(scope="module")
def model(switches_schema):
    return LawModel.build(switch_laws.correct_laws(), switches_schema)


def _cut(tree, n):
    return jax.tree_util.tree_map(lambda x: x[:n], tree)


def _as_dict(state):
    return {name: getattr(state, name) for name in ("toggle", "coin", "fixed", "time")}


def _replace(state, **values):
    return SwitchesState(**{**_as_dict(state), **values})


def test_laws_dict_states_are_rejected_not_read_in_key_order(model, small):
    state = SwitchesState(*(jnp.int32(v) for v in (0, 1, 1, 0)))
    following = {"toggle": 1, "coin": 0, "fixed": 1, "time": 1}
    with pytest.raises(ValueError, match="next_state: expected a SwitchesState") as e:
        model.log_prob(state, 1, following)
    assert "got a dict with keys ['coin', 'fixed', 'time', 'toggle']" in str(e.value)
    with pytest.raises(ValueError, match="^state: expected a SwitchesState"):
        model.sample(KEY, _as_dict(state), 1)
    with pytest.raises(ValueError, match="^next_states: expected a SwitchesState"):
        model.fit(small.states, small.actions, _as_dict(small.next_states), key=KEY)
    with pytest.raises(ValueError, match="^states: expected a SwitchesState"):
        model.fit(_as_dict(small.states), small.actions, small.next_states, key=KEY)
    with pytest.raises(ValueError, match="^next_states: expected a SwitchesState"):
        induce(model.schema, small.states, small.actions, _as_dict(small.next_states))


@pytest.mark.parametrize(
    ("states", "actions", "following", "words"),
    [
        (50, 30, 50, "states 50, actions 30, next_states 50"),
        (30, 50, 50, "states 30, actions 50, next_states 50"),
        (50, 50, 30, "states 50, actions 50, next_states 30"),
        (40, 40, 50, "states 40, actions 40, next_states 50"),
    ],
)
def test_laws_fit_and_induce_reject_transitions_of_different_lengths(
    model, small, states, actions, following, words
):
    inputs = (
        _cut(small.states, states),
        small.actions[:actions],
        _cut(small.next_states, following),
    )
    with pytest.raises(ValueError, match=words):
        model.fit(*inputs, key=KEY, steps=5)
    with pytest.raises(ValueError, match=words):
        induce(model.schema, *inputs)


def test_laws_fit_rejects_empty_and_misshapen_inputs(model, small):
    with pytest.raises(ValueError, match="no transitions"):
        model.fit(*_cut(small, 0), key=KEY)
    with pytest.raises(ValueError, match="no transitions"):
        induce(model.schema, *_cut(small, 0))
    with pytest.raises(ValueError, match=r"actions: .*got shape \(50, 1\)"):
        model.fit(small.states, small.actions[:, None], small.next_states, key=KEY)
    with pytest.raises(ValueError, match=r"encoded next states must have shape"):
        model.fit(small.states, small.actions, np.zeros((50, 2), np.int32), key=KEY)
    one = jax.tree_util.tree_map(lambda x: x[0], small.states)
    with pytest.raises(ValueError, match=r"states: attribute 'toggle' has shape \(\)"):
        model.fit(one, jnp.int32(1), one, key=KEY)


def test_laws_fit_rejects_values_outside_the_domain_or_not_integers(model, small):
    states, actions, following = small
    bad = _replace(following, toggle=following.toggle.at[3].set(9))
    with pytest.raises(
        ValueError, match="next_states: attribute 'toggle' row 3 holds 9, outside"
    ):
        model.fit(states, actions, bad, key=KEY)
    bad = _replace(states, time=states.time.at[7].set(-2))
    with pytest.raises(ValueError, match="states: attribute 'time' row 7 holds -2"):
        model.fit(bad, actions, following, key=KEY)
    half = actions.astype(jnp.float32).at[4].add(0.5)
    with pytest.raises(ValueError, match="actions: row 4 holds .*, not an integer"):
        model.fit(states, half, following, key=KEY)
    floats = _replace(following, coin=following.coin.astype(jnp.float32) + 0.5)
    with pytest.raises(ValueError, match="'coin' row 0 holds 0.5, not an integer"):
        model.fit(states, actions, floats, key=KEY)
    encoded = np.asarray(jax.vmap(model.schema.encode)(following), np.float32)
    encoded[2, 3] += 0.5
    with pytest.raises(ValueError, match="'time' row 2 holds .*, not an integer"):
        model.fit(states, actions, encoded, key=KEY)
    encoded[2, 3] = 10_001
    with pytest.raises(ValueError, match="'time' row 2 holds 10001, outside"):
        model.fit(states, actions, encoded, key=KEY)


def test_laws_fit_and_build_reject_actions_outside_the_action_space(
    model, small, switches_schema
):
    states, actions, following = small
    with pytest.raises(
        ValueError,
        match=r"^actions: row 0 holds action 5, outside the action space 0\.\.1 "
        "of symworld/Switches-v0$",
    ):
        model.fit(states, actions.at[0].set(5), following, key=KEY)
    with pytest.raises(ValueError, match="^actions: row 9 holds action -1, outside"):
        model.fit(states, actions.at[9].set(-1), following, key=KEY)
    with pytest.raises(ValueError, match="^examples: actions: row 2 holds action 2"):
        LawModel.build(
            switch_laws.correct_laws(),
            switches_schema,
            examples=(states, actions.at[2].set(2)),
        )
    one = jax.tree_util.tree_map(lambda x: x[0], states)
    with pytest.raises(ValueError, match=r"^action: 2 is outside the actions 0\.\.1$"):
        model.sample(KEY, one, 2)


def test_laws_build_names_what_examples_must_be(switches_schema, small):
    states, actions, _ = small
    laws = switch_laws.correct_laws()
    with pytest.raises(
        ValueError, match=r"^examples: states: expected a SwitchesState pytree"
    ) as error:
        LawModel.build(laws, switches_schema, examples=(_as_dict(states), actions))
    assert "got a dict with keys ['coin', 'fixed', 'time', 'toggle']" in str(
        error.value
    )
    with pytest.raises(
        ValueError,
        match=r"^examples: expected a pair \(states, actions\) of T transitions, got "
        "SwitchesState$",
    ):
        LawModel.build(laws, switches_schema, examples=states)


class _WritesTwo(Law):
    """Claims ``fixed`` becomes 2, outside its domain 0..1."""

    name = "fixed_is_two"
    writes = ("fixed",)

    def precondition(self, state, action):
        return True

    def effect(self, state, action):
        return {"fixed": point(2)}


def test_laws_fit_runs_builds_law_checks_on_its_own_data(switches_schema, small):
    """A model built without examples still refuses a law that predicts values
    outside the domain, once fit sees data, naming the law and the attribute."""
    unchecked = LawModel.build([_WritesTwo()], switches_schema)
    message = (
        "^law 'fixed_is_two', attribute 'fixed': predicts the value 2, outside the "
        r"domain 0\.\.1$"
    )
    with pytest.raises(LawError, match=message):
        unchecked.fit(*small, key=KEY, steps=5)
    with pytest.raises(LawError, match=message):  # build's check is unchanged
        LawModel.build(
            [_WritesTwo()], switches_schema, examples=(small.states, small.actions)
        )


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"learning_rate": float("nan")}, "learning_rate must be a positive"),
        ({"learning_rate": 0.0}, "learning_rate must be a positive"),
        ({"steps": -3}, "steps must be >= 0"),
        ({"steps": 2.5}, "steps must be an integer"),
    ],
)
def test_laws_fit_rejects_bad_options(model, small, options, words):
    with pytest.raises(ValueError, match=words):
        model.fit(*small, key=KEY, **options)


def test_laws_one_transition_methods_reject_batches(model, small):
    states, actions, following = small
    state = jax.tree_util.tree_map(lambda x: x[0], states)
    batch = "one state expected, got a batch .*size 50.*jax.vmap or .*batch_sample"
    with pytest.raises(ValueError, match="^state: " + batch):
        model.sample(KEY, states, actions)
    with pytest.raises(ValueError, match="^state: " + batch):
        model.log_prob(states, actions, following)
    with pytest.raises(ValueError, match="^next_state: " + batch):
        model.log_prob(state, 1, following)
    with pytest.raises(ValueError, match=r"one scalar action expected.*\(2,\)"):
        model.sample(KEY, state, jnp.array([1, 0]))
    # Under vmap each call sees one state: the check passes and the scores match.
    few = _cut(small, 3)

    def score(state, action, following):
        return model.log_prob(state, action, following)

    scores = jax.jit(jax.vmap(score))(*few)
    first = jax.tree_util.tree_map(lambda x: x[0], following)
    one = jax.jit(score)(state, actions[0], first)
    np.testing.assert_allclose(float(scores[0]), float(one), rtol=1e-6)


def test_laws_one_transition_methods_check_concrete_values(model, small):
    """Concrete states and actions are checked like fit's data; traced ones are
    not (their values are unknown), so jit and vmap still run."""
    states, actions, following = small
    state = jax.tree_util.tree_map(lambda x: x[0], states)
    bad = dataclasses.replace(state, toggle=jnp.asarray(9, state.toggle.dtype))
    with pytest.raises(ValueError, match="^state: attribute 'toggle' row 0 holds 9"):
        model.sample(KEY, bad, 1)
    with pytest.raises(ValueError, match="^next_state: attribute 'toggle' .* 9"):
        model.log_prob(state, 1, bad)
    with pytest.raises(ValueError, match="^action: 1.5 is not a whole-number"):
        model.sample(KEY, state, 1.5)
    with pytest.raises(ValueError, match=r"^action: -1 is outside the actions 0\.\.1$"):
        model.log_prob(state, -1, state)
    traced = jax.jit(lambda k, s, a: model.sample(k, s, a))(KEY, state, actions[0])
    np.testing.assert_array_equal(
        np.asarray(traced.toggle),
        np.asarray(model.sample(KEY, state, actions[0]).toggle),
    )


def _law(name, precondition, effect, parameters=()):
    return type(
        name,
        (Law,),
        {
            "name": name,
            "writes": ("coin",),
            "parameters": parameters,
            "precondition": lambda self, state, action: precondition(state),
            "effect": lambda self, state, action: {"coin": effect(self)},
        },
    )()


ALWAYS = jnp.bool_


@pytest.mark.parametrize(
    ("law", "words"),
    [
        (_law("above", lambda s: ALWAYS(True), lambda _: bernoulli(1.5)), "exceeds 1"),
        (
            _law("below", lambda s: ALWAYS(True), lambda _: bernoulli(-0.5)),
            "probability -0.5 is negative",
        ),
        (
            _law(
                "short",
                lambda s: ALWAYS(True),
                lambda _: categorical([0, 1], [0.1, 0.1]),
            ),
            "sum to 0.2, not 1",
        ),
        (
            _law("count", lambda s: s.toggle + 1, lambda _: point(0)),
            "precondition must return a bool, got int32",
        ),
        (
            _law("ratio", lambda s: jnp.float32(1.0), lambda _: point(0)),
            "precondition must return a bool, got float32",
        ),
        (
            _law(
                "bad_prior",
                lambda s: ALWAYS(True),
                lambda law: bernoulli(law.param("p")),
                (Probability("p", prior=(-1.0, 0.0)),),
            ),
            "parameter 'p': the Beta prior (-1.0, 0.0) needs two positive",
        ),
        (
            _law(
                "bad_init",
                lambda s: ALWAYS(True),
                lambda law: bernoulli(law.param("p")),
                (Probability("p", init=2.0),),
            ),
            "parameter 'p': init 2.0 is not strictly between 0 and 1",
        ),
    ],
)
def test_laws_bad_probabilities_preconditions_and_priors_are_rejected(
    switches_schema, law, words
):
    with pytest.raises(LawError, match=f"law {law.name!r}") as caught:
        LawModel.build([law], switches_schema)
    assert words in str(caught.value)
    assert caught.value.law == law.name


def test_laws_writes_as_a_string_and_empty_effects_are_rejected(switches_schema):
    stringy = _law("stringy", lambda s: ALWAYS(True), lambda _: point(0))
    type(stringy).writes = "coin"
    with pytest.raises(LawError, match="law 'stringy'") as caught:
        LawModel.build([stringy], switches_schema)
    assert "writes must be a non-empty tuple" in str(caught.value)
    assert "(write ('coin',))" in str(caught.value)
    silent = _law("silent", lambda s: ALWAYS(True), lambda _: point(0))
    type(silent).effect = lambda self, state, action: {}
    with pytest.raises(LawError, match="law 'silent'") as caught:
        LawModel.build([silent], switches_schema)
    assert "effect returned no prediction" in str(caught.value)


def test_laws_fixed_probabilities_that_sum_to_one_are_accepted(switches_schema):
    def scores(probabilities):
        support = [0, 1, 1][: len(probabilities)]
        law = _law(
            "split",
            lambda s: ALWAYS(True),
            lambda _: categorical(support, probabilities),
        )
        model = LawModel.build([law], switches_schema)
        state = SwitchesState(*(jnp.int32(v) for v in (0, 0, 1, 4)))
        heads = _replace(state, coin=jnp.int32(1))
        return [float(model.log_prob(state, 0, s)) for s in (state, heads)]

    # Duplicate values add up: 0.3 + 0.3 on coin = 1 is the same law as 0.6.
    thirds = scores([0.4, 0.3, 0.3])
    np.testing.assert_allclose(thirds, scores([0.4, 0.6]), rtol=1e-6)
    assert thirds[1] > thirds[0]
