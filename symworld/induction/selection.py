"""Selecting laws with the law model: fit a set, score it by penalised likelihood.

The penalised log-likelihood of a fitted law set is the law model's
log-likelihood of the data (:func:`symworld.programs.fitting.log_likelihood`)
minus the BIC penalty ``0.5 * k * log T``, ``k`` = one weight per law plus the
learnable probabilities (persistence defaults, shared by every set, cancel).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from symworld.programs import Law, LawModel
from symworld.programs.attributes import Schema
from symworld.programs.fitting import Priors, compile_transitions, log_likelihood
from symworld.programs.law import Probability

PyTree = Any


@dataclasses.dataclass(frozen=True)
class FittedSet:
    """A fitted law set and its scores.

    - ``model``: the fitted :class:`LawModel`.
    - ``log_likelihood``: nats on the data; ``parameters``: ``k``;
      ``score``: ``log_likelihood - 0.5 k log T``.
    """

    model: LawModel
    log_likelihood: float
    parameters: int
    score: float


def count_parameters(laws: Sequence[Law]) -> int:
    """One weight per law plus each learnable probability's free entries."""
    total = 0
    for law in laws:
        total += 1
        for parameter in law.parameters:
            total += 1 if isinstance(parameter, Probability) else parameter.size - 1
    return total


def fit_set(
    laws: Sequence[Law],
    schema: Schema,
    states: PyTree,
    actions: Any,
    next_states: PyTree,
    *,
    seed: int,
    steps: int = 500,
    weight_rate: float = 0.01,
) -> FittedSet:
    """Fit ``laws`` by MAP and score them.

    Selection is done by the BIC penalty, so the weights' Exponential prior is
    weak by default (``weight_rate``): with the law model's default rate of 1, the
    weight of a law whose prediction equals the uniform floor (a fair coin) falls
    to zero and its probability is left unidentified.
    """
    actions = np.asarray(actions, np.int32)
    model = LawModel.build(list(laws), schema, examples=(states, actions))
    encoded_next = np.asarray(jax.vmap(schema.encode)(next_states))
    fitted, _ = model.fit(
        states,
        actions,
        encoded_next,
        key=jax.random.key(seed),
        steps=steps,
        priors=Priors(weight_rate=weight_rate),
    )
    data = compile_transitions(fitted.layout, states, actions, encoded_next)
    value = float(
        log_likelihood(
            data,
            fitted.weights,
            fitted.log_components,
            fitted.persistence,
            fitted.epsilon,
        )
    )
    k = count_parameters(laws)
    score = value - 0.5 * k * math.log(max(len(actions), 2))
    return FittedSet(fitted, value, k, score)
