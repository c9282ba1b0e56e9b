"""Bad model settings, schemas and laws are refused when built, with a message that
names the field, attribute or law (never a silent NaN or a law that does nothing)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.laws import switches as switch_laws
from symworld.programs import (
    Law,
    LawError,
    LawModel,
    Priors,
    Probability,
    Schema,
    bernoulli,
    moves,
    point,
)


@pytest.mark.parametrize("epsilon", [1.5, 1.0, 0.0, -0.5, float("nan")])
def test_laws_build_refuses_an_epsilon_outside_zero_one(switches_schema, epsilon):
    with pytest.raises(ValueError, match=r"LawModel.build: epsilon must be .* got"):
        LawModel.build(switch_laws.library(), switches_schema, epsilon=epsilon)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"epsilon": 2.0}, "Priors.epsilon must be a number strictly between 0 and 1"),
        ({"epsilon": 0.0}, "Priors.epsilon must be a number strictly between 0 and 1"),
        ({"weight_rate": -1.0}, "Priors.weight_rate must be a positive finite number"),
        ({"weight_rate": 0.0}, "Priors.weight_rate must be a positive finite number"),
        ({"persistence": (0.0, -1.0)}, r"Priors.persistence\[0\] must be a positive"),
        ({"persistence": (1.0,)}, "Priors.persistence must be the"),
    ],
)
def test_laws_priors_refuse_bad_values_naming_the_field(fields, words):
    with pytest.raises(ValueError, match=words):
        Priors(**fields)


def test_laws_good_epsilon_and_priors_are_kept(switches_schema):
    model = LawModel.build(switch_laws.library(), switches_schema, epsilon=0.01)
    assert model.epsilon == 0.01
    assert Priors(weight_rate=2, epsilon=0.5).weight_rate == 2


def _coin_law(effect):
    """A law that always applies and writes ``coin`` with ``effect(state)``."""

    class CoinLaw(Law):
        name = "coin_sites"
        writes = ("coin",)

        def precondition(self, state, action):
            return jnp.bool_(True)

        def effect(self, state, action):
            return {"coin": effect(state)}

    return CoinLaw()


@pytest.mark.parametrize(
    ("sites", "index"), [([5], 5), ([-1], -1), (np.array([0, 1]), 1)]
)
def test_laws_constant_sites_off_the_attribute_are_refused(
    switches_schema, sites, index
):
    law = _coin_law(lambda state: point(1 - state.coin, sites=sites))
    with pytest.raises(LawError) as caught:
        LawModel.build([law], switches_schema)
    message = str(caught.value)
    assert "law 'coin_sites', attribute 'coin'" in message
    assert f"sites= holds the index {index}, outside 0..0" in message


def test_laws_state_dependent_sites_may_leave_the_attribute(switches_schema):
    """A site computed from the state (here 1 on the template, beyond the one site
    of ``coin``) is inactive where it is off the attribute, not refused."""
    law = _coin_law(lambda state: point(1, sites=state.toggle + 1 - state.toggle * 2))
    model = LawModel.build([law], switches_schema)
    assert model.layout.blocks[0].sites == 1


class _Branching(Law):
    """Chooses in Python on the state (``part`` says where): not compilable."""

    name = "branching"
    writes = ("coin",)

    def __init__(self, part):
        self.part = part

    def precondition(self, state, action):
        if self.part == "precondition" and action == 1:
            return jnp.bool_(False)
        return jnp.bool_(True)

    def effect(self, state, action):
        value = 1 if self.part == "effect" and state.coin > 0 else 0
        return {"coin": point(value)}


@pytest.mark.parametrize("part", ["precondition", "effect"])
def test_laws_python_choices_on_the_state_are_refused_when_built(switches_schema, part):
    with pytest.raises(LawError) as caught:
        LawModel.build([_Branching(part)], switches_schema)
    message = str(caught.value)
    assert message.startswith(
        f"law 'branching': the {part} uses the value of the state or the action "
        "in Python"
    )
    assert "TracerBoolConversionError" in message and "jnp.where" in message
    LawModel.build([_Branching("neither")], switches_schema)  # the same law, fine


SWITCH_DOMAINS = {"toggle": (0, 1), "coin": (0, 1), "fixed": (0, 1), "time": (0, 99)}


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"roles": {"togle": "clock"}}, r"roles names \['togle'\], not attributes"),
        (
            {"roles": {"coin": "switch.randm"}},
            "attribute 'coin' has the unknown role 'switch.randm'",
        ),
        (
            {"domains": {**SWITCH_DOMAINS, "time": (5, 10)}},
            "the example state: attribute 'time' row 0 holds 0, outside its "
            "domain 5..10",
        ),
        (
            {"domains": {**SWITCH_DOMAINS, "time": (0, 1.5)}},
            "attribute 'time': the domain bounds must be whole numbers",
        ),
        (
            {"domains": {**SWITCH_DOMAINS, "time": (0, 2**40)}},
            "attribute 'time': the domain 0..1099511627776 leaves the int32 range",
        ),
        ({"num_actions": 0}, "num_actions must be a positive integer .* got 0"),
        ({"num_actions": -1}, "num_actions must be a positive integer .* got -1"),
        ({"num_actions": 2.5}, "num_actions must be a positive integer .* got 2.5"),
    ],
)
def test_laws_schema_refuses_bad_roles_domains_and_actions(
    switches_env, options, words
):
    state = switches_env.reset(jax.random.key(0))
    options = {"domains": SWITCH_DOMAINS, **options}
    with pytest.raises(ValueError, match=words):
        Schema.from_state("test/Switches-v0", state, **options)


def test_laws_schema_keeps_known_and_extra_roles(switches_env):
    state = switches_env.reset(jax.random.key(0))
    schema = Schema.from_state(
        "test/Switches-v0",
        state,
        {**SWITCH_DOMAINS, "time": (0.0, 99.0)},
        roles={"coin": "switch.random", "toggle": "my.lamp"},
        extra_roles=("my.lamp",),
        num_actions=2,
    )
    assert [a.role for a in schema.attributes] == ["my.lamp", "switch.random", "", ""]
    assert (schema["time"].low, schema["time"].high) == (0, 99)
    assert schema.num_actions == 2


@pytest.mark.parametrize(
    ("probability", "words"),
    [
        # 0.5 on the template, 1.5 on the first transition whose clock reads 1
        (lambda state: 0.5 + state.time, "a probability is 1.5, outside [0, 1], on"),
        (lambda state: 0.5 - state.time, "a probability is NaN on"),
    ],
)
def test_laws_state_dependent_probability_outside_0_1_is_named(
    switches_schema, switches_data, probability, words
):
    law = _coin_law(lambda state: bernoulli(probability(state)))
    row = int(np.argmax(np.asarray(switches_data.states.time) == 1))
    with pytest.raises(LawError) as caught:
        LawModel.build(
            [law],
            switches_schema,
            examples=(switches_data.states, switches_data.actions),
        )
    assert f"{words} example transition {row}" in str(caught.value)


_Flip = switch_laws.ToggleFlips


class _ParameterNotTuple(_Flip):
    name = "parameter_not_tuple"
    parameters = Probability("p")


class _SameParameterTwice(_Flip):
    name = "same_parameter_twice"
    parameters = (Probability("p"), Probability("p"))


class _BlockedScalar(_Flip):
    name = "blocked_scalar"

    def effect(self, state, action):
        return {"toggle": moves(state.toggle, [0, 1], blocked=jnp.bool_(True))}


@pytest.mark.parametrize(
    ("laws", "error", "words"),
    [
        ([_ParameterNotTuple()], LawError, "law 'parameter_not_tuple': parameters"),
        (["flip"], LawError, "laws[0] is a str, not a symworld.programs.Law"),
        ([_Flip], LawError, "laws[0] is the class ToggleFlips, not an instance"),
        (
            [_SameParameterTwice()],
            LawError,
            "law 'same_parameter_twice': declares the parameter 'p' more than once",
        ),
        ([], ValueError, "laws must be a non-empty list of Law instances, got"),
        (_Flip(), ValueError, "laws must be a non-empty list of Law instances, got"),
        (
            [_BlockedScalar()],
            LawError,
            "law 'blocked_scalar': effect raised ValueError: moves: blocked must "
            "hold one mask per offset (2), got the single",
        ),
    ],
)
def test_laws_malformed_law_lists_are_refused_naming_the_law(
    switches_schema, laws, error, words
):
    with pytest.raises(error) as caught:
        LawModel.build(laws, switches_schema)
    assert words in str(caught.value)
