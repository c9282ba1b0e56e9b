"""The one interface every world model implements.

A world model answers three questions about a transition ``(state, action) ->
next_state``: imagine one (:meth:`WorldModel.sample`), score one
(:meth:`WorldModel.log_prob`), and imagine many in sequence
(:meth:`WorldModel.rollout`). States and actions are pytrees of arrays with static
shapes, so each method can be wrapped in ``jax.jit`` and batched with ``jax.vmap``.
Models are ``equinox`` modules: their parameters are array leaves, so a model can be
passed straight into a jitted function (``jax.jit(batch_rollout)(model, ...)``), and
its bound methods compile with ``equinox.filter_jit(model.rollout)``. (A bare
``jax.jit(model.rollout)`` fails: JAX would have to hash the model's arrays.)

:class:`EnvModel` turns a pure JAX environment into a world model: the true dynamics,
used by planners and evaluations as the oracle.
"""

from __future__ import annotations

import abc
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from symworld.functional import FunctionalEnv

PyTree = Any


class WorldModel(eqx.Module):
    """Abstract world model over single transitions.

    Subclasses implement :meth:`sample` and :meth:`log_prob` for *one* transition;
    batches come from ``jax.vmap`` (see :func:`batch_sample`, :func:`batch_log_prob`,
    :func:`batch_rollout`).
    """

    @abc.abstractmethod
    def sample(self, key: jax.Array, state: PyTree, action: PyTree) -> PyTree:
        """Imagine one step.

        **Arguments:**

        - ``key``: a PRNG key.
        - ``state``: one state (pytree; no batch axis).
        - ``action``: one action (scalar int for discrete, ``(A,)`` float otherwise).

        **Returns:** the next state, with the structure, shapes and dtypes of ``state``.
        """

    @abc.abstractmethod
    def log_prob(self, state: PyTree, action: PyTree, next_state: PyTree) -> jax.Array:
        """Log-probability (or log-density) of ``next_state`` given ``state`` and
        ``action``; a float32 scalar, ``-inf`` for an impossible transition."""

    def rollout(
        self,
        key: jax.Array,
        state: PyTree,
        actions: PyTree = None,
        *,
        steps: int | None = None,
    ) -> PyTree:
        """Imagine ``T`` steps from ``state`` under ``actions``.

        **Arguments:**

        - ``key``: a PRNG key; step ``t`` uses ``jax.random.fold_in(key, t)``.
        - ``state``: the initial state (no batch axis).
        - ``actions``: actions with a leading time axis of length ``T``; ``None``
          for an action-free model, which then needs ``steps``.
        - ``steps``: ``T``, required when ``actions`` is ``None``; otherwise it
          must equal the actions' length if given. A Python int (it sets the
          scan's length): under ``jax.jit`` pass it as a static argument.

        **Returns:** the ``T`` next states, each leaf with a leading axis ``T``
        (the initial state is not included).
        """
        length = rollout_length(type(self).__name__, actions, steps)

        def one_step(current, inputs):
            t, action = inputs
            following = self.sample(jax.random.fold_in(key, t), current, action)
            return following, following

        _, states = jax.lax.scan(one_step, state, (jnp.arange(length), actions))
        return states


def rollout_length(owner: str, actions: PyTree, steps: int | None) -> int:
    """``T`` of a rollout: the actions' leading axis, or ``steps`` when the actions
    are ``None``; raises ``ValueError`` naming ``owner`` when neither gives it or
    the two disagree."""
    if actions is None:
        if steps is None:
            raise ValueError(
                f"{owner}.rollout: no actions; an action-free model needs steps=T "
                "(with actions=None), any other model actions with a leading axis T"
            )
        if isinstance(steps, bool) or int(steps) != steps or steps < 0:
            raise ValueError(f"steps must be an integer >= 0, got {steps}")
        return int(steps)
    leaves = jax.tree_util.tree_leaves(actions)
    if not leaves or not jnp.shape(leaves[0]):
        raise ValueError(
            f"{owner}.rollout: actions need a leading time axis T, got "
            f"shape {jnp.shape(leaves[0]) if leaves else None}"
        )
    length = int(jnp.shape(leaves[0])[0])
    if steps is not None and steps != length:
        raise ValueError(f"steps={steps} but actions have length {length}")
    return length


def batch_sample(
    model: WorldModel, key: jax.Array, states: PyTree, actions: PyTree
) -> PyTree:
    """:meth:`WorldModel.sample` over a leading batch axis ``B`` (one key per row);
    ``actions`` may be ``None`` for an action-free model."""
    keys = jax.random.split(key, _batch_size(states, actions))
    return jax.vmap(model.sample)(keys, states, actions)


def _batch_size(states: PyTree, actions: PyTree) -> int:
    """``B``, the leading axis of the actions, or of the states when the actions
    have no leaves (``None``)."""
    leaves = jax.tree_util.tree_leaves(actions) or jax.tree_util.tree_leaves(states)
    if not leaves or not jnp.shape(leaves[0]):
        raise ValueError(
            "batch functions need states (or actions) with a leading batch axis B"
        )
    return int(jnp.shape(leaves[0])[0])


def batch_log_prob(
    model: WorldModel, states: PyTree, actions: PyTree, next_states: PyTree
) -> jax.Array:
    """:meth:`WorldModel.log_prob` over a leading batch axis; returns ``(B,)``."""
    return jax.vmap(model.log_prob)(states, actions, next_states)


def batch_rollout(
    model: WorldModel,
    key: jax.Array,
    states: PyTree,
    actions: PyTree = None,
    *,
    steps: int | None = None,
) -> PyTree:
    """:meth:`WorldModel.rollout` for ``B`` starts and ``(B, T, ...)`` actions, or,
    for an action-free model, ``actions=None`` and ``steps=T``.

    Returns states with leading axes ``(B, T)``.
    """
    keys = jax.random.split(key, _batch_size(states, actions))
    return jax.vmap(lambda k, s, a: model.rollout(k, s, a, steps=steps))(
        keys, states, actions
    )


def states_equal(left: PyTree, right: PyTree, schema: Any = None) -> jax.Array:
    """True (bool scalar) when every leaf of two states is equal element for element;
    with a ``schema`` (:class:`~symworld.programs.attributes.Schema`), when their
    encodings are equal: the resolution at which the evaluation compares states
    (encoding rounds scaled attributes, such as Crafter-OO's daylight, to their
    scale, so a decoded state is not bit-equal to the one it was encoded from)."""
    if schema is not None:
        return jnp.all(schema.encode(left) == schema.encode(right))
    leaves = jax.tree_util.tree_map(lambda a, b: jnp.all(a == b), left, right)
    return jnp.all(jnp.stack(jax.tree_util.tree_leaves(leaves)))


class EnvModel(WorldModel):
    """The true dynamics of a :class:`~symworld.functional.FunctionalEnv` as a model.

    :meth:`sample` is the environment's own ``step``. :meth:`log_prob` uses the
    environment's exact ``transition_log_prob(state, action, next_state, params)`` when
    it defines one; otherwise it estimates the probability by drawing
    ``num_samples`` next states with the fixed ``key`` and counting exact matches,
    smoothed by ``1 / (num_samples + 1)`` so that an unseen but possible outcome is
    not ``-inf``. The estimate is exact for deterministic transitions of discrete
    states and has standard error ``sqrt(p (1 - p) / num_samples)`` otherwise.

    **Arguments:**

    - ``env``: the functional environment (static).
    - ``params``: its parameters (``None`` for ``env.default_params``).
    - ``num_samples``: Monte Carlo draws for :meth:`log_prob` when the env has no
      exact transition probability.
    - ``key``: the PRNG key of those draws, so that scores are deterministic.
    - ``schema``: when given, a draw matches a next state when their schema
      encodings are equal (see :func:`states_equal`); the evaluation scores
      decoded candidates, so pass the schema there.
    """

    env: FunctionalEnv = eqx.field(static=True)
    params: PyTree
    num_samples: int = eqx.field(static=True)
    key: jax.Array
    schema: Any = eqx.field(static=True)

    def __init__(
        self,
        env: FunctionalEnv,
        params: PyTree = None,
        *,
        num_samples: int = 256,
        key: jax.Array | None = None,
        schema: Any = None,
    ):
        self.env = env
        self.params = env.default_params if params is None else params
        self.num_samples = num_samples
        self.key = jax.random.key(0) if key is None else key
        self.schema = schema

    def sample(self, key: jax.Array, state: PyTree, action: PyTree) -> PyTree:
        self._check_action(action)
        next_state, _ = self.env.step(state, action, key, self.params)
        return next_state

    def log_prob(self, state: PyTree, action: PyTree, next_state: PyTree) -> jax.Array:
        self._check_action(action)
        exact = getattr(self.env, "transition_log_prob", None)
        if exact is not None:
            return exact(state, action, next_state, self.params)
        keys = jax.random.split(self.key, self.num_samples)
        draws = jax.vmap(lambda k: self.sample(k, state, action))(keys)
        hits = jax.vmap(lambda drawn: states_equal(drawn, next_state, self.schema))(
            draws
        )
        count = jnp.sum(hits).astype(jnp.float32)
        smoothed = (count + jnp.where(count == 0, 1.0, 0.0)) / (self.num_samples + 1)
        return jnp.log(smoothed)

    def _check_action(self, action: PyTree) -> None:
        """A discrete env's concrete action must be one whole number in range."""
        num_actions = getattr(self.env, "num_actions", None)
        if isinstance(num_actions, int):
            # symworld.programs imports this module: import at call time
            from symworld.programs.transition_inputs import check_action

            check_action(action, num_actions=num_actions)
