"""``bernoulli`` takes the learnable probability expressions ``categorical`` takes
(``p``, ``1 - p``, ``p * 0.25``, ``p * q``), and fitting recovers them."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.switches import SwitchesState
from symworld.programs import Law, LawModel, Probability, Simplex, bernoulli
from symworld.programs.layout import LawError

HEADS = 0.2  # how often the coin of the synthetic data reads 1
COUNT = 2000


def _coin_law(expression, parameters):
    class CoinLaw(Law):
        """The coin is redrawn."""

        name = "coin_redrawn"
        writes = ("coin",)

        def precondition(self, state, action):
            return jnp.bool_(True)

        def effect(self, state, action):
            return {"coin": bernoulli(expression(self))}

    CoinLaw.parameters = parameters
    return CoinLaw()


@pytest.fixture(scope="module")
def coin_data():
    """``COUNT`` transitions whose coin reads 1 with probability ``HEADS``."""
    rng = np.random.default_rng(0)
    zeros = jnp.zeros((COUNT,), jnp.int32)
    coins = jnp.asarray(rng.random(COUNT) < HEADS, jnp.int32)
    states = SwitchesState(zeros, jnp.roll(coins, 1), zeros, zeros)
    following = SwitchesState(zeros, coins, zeros, zeros)
    return states, zeros, following, float(np.mean(np.asarray(coins)))


EXPRESSIONS = {
    # name: (expression, parameters, parameter values giving P(coin = 1) = 0.2)
    "one_minus_p": (lambda law: 1 - law.param("p"), (Probability("p"),), [0.8]),
    "p_times_quarter": (
        lambda law: law.param("p") * 0.25,
        (Probability("p"),),
        [0.8],
    ),
    "p_times_q": (
        lambda law: law.param("p") * law.param("q"),
        (Probability("p"), Probability("q")),
        [0.5, 0.4],
    ),
}


def _coin_log_probs(model, state):
    """log-probabilities of the next state with the coin at 1 and at 0."""
    return [
        float(model.log_prob(state, 0, dataclasses.replace(state, coin=jnp.int32(c))))
        for c in (1, 0)
    ]


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_laws_bernoulli_learnable_expression_equals_the_fixed_probability(
    switches_schema, coin_data, name
):
    """At parameter values where the expression is 0.2, the model scores exactly as
    one whose law is ``bernoulli(0.2)``."""
    expression, parameters, numbers = EXPRESSIONS[name]
    learnable = LawModel.build([_coin_law(expression, parameters)], switches_schema)
    fixed = LawModel.build([_coin_law(lambda law: 0.2, ())], switches_schema)
    values = {
        "weights": np.ones(1),
        "persistence": np.full(4, 0.9),
        **{f"coin_redrawn/{p.name}": v for p, v in zip(parameters, numbers)},
    }
    learnable = LawModel.from_values(learnable.layout, values)
    state = jax.tree_util.tree_map(lambda x: x[0], coin_data[0])
    assert _coin_log_probs(learnable, state) == pytest.approx(
        _coin_log_probs(fixed, state), abs=1e-5
    )


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_laws_bernoulli_fits_learnable_expressions(switches_schema, coin_data, name):
    expression, parameters, _ = EXPRESSIONS[name]
    states, actions, following, heads = coin_data
    model = LawModel.build([_coin_law(expression, parameters)], switches_schema)
    fitted, _ = model.fit(
        states,
        actions,
        following,
        key=jax.random.key(0),
        steps=600,
        learning_rate=0.1,
    )
    state = jax.tree_util.tree_map(lambda x: x[0], states)
    one, zero = _coin_log_probs(fitted, state)
    # the other sites score alike in both, so the coin's odds are the ratio
    assert 1 / (1 + np.exp(zero - one)) == pytest.approx(heads, abs=0.02)


def test_laws_bernoulli_names_a_simplex_entry_it_cannot_complement(switches_schema):
    law = _coin_law(lambda law: law.param("s")[0], (Simplex("s", 2),))
    with pytest.raises(LawError, match="bernoulli cannot form 1 minus the Simplex"):
        LawModel.build([law], switches_schema)
