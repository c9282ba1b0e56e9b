"""Bad model settings, schemas and laws are refused when built, with a message that
names the field, attribute or law (never a silent NaN or a law that does nothing)."""

from __future__ import annotations

import pytest

from symworld.laws import switches as switch_laws
from symworld.programs import LawModel, Priors


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
