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

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from symworld.programs import Law, LawModel
from symworld.programs.attributes import Schema
from symworld.programs.fitting import (
    Priors,
    compile_transitions,
    fit,
    log_likelihood,
    persistence_mode,
)
from symworld.programs.law import Probability
from symworld.programs.layout import Layout, check_domains

PyTree = Any


@dataclasses.dataclass(frozen=True)
class FittedSet:
    """A fitted law set and its scores.

    - ``model``: the fitted :class:`LawModel`.
    - ``log_likelihood``: nats on the data; ``parameters``: ``k``;
      ``score``: ``log_likelihood - 0.5 k log T``.
    - ``kept``, ``changed``: float ``(K,)`` per attribute, the site-steps no
      active law covered that kept / changed their value (what the
      persistence defaults were fitted on).
    """

    model: LawModel
    log_likelihood: float
    parameters: int
    score: float
    kept: np.ndarray
    changed: np.ndarray


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
    check: bool = True,
) -> FittedSet:
    """Fit ``laws`` by MAP and score them.

    Selection is done by the BIC penalty, so the weights' Exponential prior is
    weak by default (``weight_rate``): with the law model's default rate of 1, the
    weight of a law whose prediction equals the uniform floor (a fair coin) falls
    to zero and its probability is left unidentified.

    ``next_states`` is a state pytree with leading axis ``T`` or, already
    encoded, an int ``(T, N)`` numpy array (the inducer passes its encoding, so
    a search of many candidate sets does not encode the data again each time).

    The laws are evaluated on the transitions once (one compile) for both the
    fit and the score; ``check=False`` skips the domain check of
    :meth:`LawModel.build` (for laws the inducer wrote from observed values).
    """
    actions = np.asarray(actions, np.int32)
    layout = Layout(list(laws), schema)
    if check:
        check_domains(layout, states, jnp.asarray(actions))
    if isinstance(next_states, np.ndarray):
        encoded_next = next_states
    else:
        encoded_next = np.asarray(jax.jit(jax.vmap(schema.encode))(next_states))
    data = compile_transitions(layout, states, actions, encoded_next)
    priors = Priors(weight_rate=weight_rate)
    result = fit(layout, data, key=jax.random.key(seed), priors=priors, steps=steps)
    fitted = LawModel.from_values(layout, result.values, epsilon=priors.epsilon)
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
    return FittedSet(
        fitted,
        value,
        k,
        score,
        np.asarray(data.kept, np.float64),
        np.asarray(data.changed, np.float64),
    )


def held_out_defaults(fitted: FittedSet, unexplained: np.ndarray) -> FittedSet:
    """The set with its persistence defaults refitted as if ``unexplained``
    (float ``(K,)`` per attribute) more changes had been left to them.

    The defaults are fitted on the changes the library leaves unexplained in the
    data it was searched on, an optimistic count: the laws were searched on the
    same changes, and a mechanic first seen there was, until its law had enough
    support, a change nothing explained. The caller passes those changes; the
    mode is :func:`~symworld.programs.fitting.persistence_mode` under the same
    prior. An attribute the library never left to its default in the data (its
    laws cover every one of its site-steps) keeps its fitted value: nothing
    measured a default there.
    """
    left = (fitted.kept + fitted.changed) > 0
    extra = np.where(left, np.asarray(unexplained, np.float64), 0.0)
    changed = fitted.changed + extra
    persistence = persistence_mode(
        fitted.kept, changed, Priors().persistence, np.asarray(fitted.model.persistence)
    )
    model = eqx.tree_at(lambda m: m.persistence, fitted.model, jnp.asarray(persistence))
    return dataclasses.replace(fitted, model=model, changed=changed)
