"""Reference models for the evaluation: null (nothing changes) and random.

The true model is :class:`symworld.worldmodel.EnvModel` over the environment.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from symworld.programs.attributes import Schema
from symworld.worldmodel import PyTree, WorldModel, states_equal

NULL_CHANGE_LOG_PROB = -5.0  # the null model's score of any changed next state


class NullModel(WorldModel):
    """Predicts that nothing changes: samples the state itself; scores ``0`` for an
    unchanged next state and ``-5`` for any other. With a ``schema``, "unchanged"
    means an equal encoding (:func:`~symworld.worldmodel.states_equal`): pass it
    when the candidates are decoded from encodings, as in the evaluation."""

    schema: Schema | None = eqx.field(static=True, default=None)

    def sample(self, key: jax.Array, state: PyTree, action: PyTree) -> PyTree:
        return state

    def log_prob(self, state: PyTree, action: PyTree, next_state: PyTree) -> jax.Array:
        same = states_equal(state, next_state, self.schema)
        return jnp.where(same, 0.0, NULL_CHANGE_LOG_PROB)


class RandomModel(WorldModel):
    """Knows nothing: scores every candidate ``0`` (so ties fall to the seeded
    candidate order, i.e. chance) and samples the state with one uniformly chosen
    site given a uniformly random value of its domain."""

    schema: Schema = eqx.field(static=True)

    def sample(self, key: jax.Array, state: PyTree, action: PyTree) -> PyTree:
        encoded = self.schema.encode(state)
        key_site, key_value = jax.random.split(key)
        site = jax.random.randint(key_site, (), 0, encoded.shape[0])
        low = jnp.asarray(self.schema.site_low())[site]
        size = jnp.asarray(self.schema.site_domain_size())[site]
        value = low + jax.random.randint(key_value, (), 0, size)
        return self.schema.decode(encoded.at[site].set(value))

    def log_prob(self, state: PyTree, action: PyTree, next_state: PyTree) -> jax.Array:
        return jnp.float32(0.0)
