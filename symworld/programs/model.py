"""LawModel: a world model made of readable laws pooled in a numpyro program.

Build one from a law list and a schema (bad laws are rejected here), fit it to
transitions (MAP by default; SVI and NUTS through the same numpyro program), then
use it as any :class:`~symworld.worldmodel.WorldModel`::

    model = LawModel.build(laws, schema, examples=(states, actions))
    model = model.fit(states, actions, next_states, key=jax.random.key(0))
    following = model.sample(jax.random.key(1), state, action)
    score = model.log_prob(state, action, following)

``sample``/``log_prob``/``rollout`` take one transition and are pure jnp, so
``jax.jit`` and ``jax.vmap`` (and :func:`symworld.worldmodel.batch_sample` etc.)
apply directly. :meth:`LawModel.candidate_log_probs` scores many candidate next
states of one transition while running the laws only once, each candidate from the
sites where it differs from the current state
(:mod:`symworld.programs.candidate_scoring`).

``sample``, ``log_prob`` and the candidate scores run the laws *focused* on the
entity rows that can change (``focus`` rows, :mod:`symworld.programs.focus`) when
the law set offers focused variants, and fall back to the unfocused laws on a
transition where more rows matter; both give the same results (the same draws key
for key). ``pooled``, ``site_log_probs``, ``site_table`` and fitting use the
unfocused laws.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from symworld.programs.attribute_pooling import (
    Scorer,
    leaf_offsets,
    prepare_scorer,
    sample_state,
    score_state,
)
from symworld.programs.attributes import Schema
from symworld.programs.candidate_scoring import (
    DEFAULT_BUDGET,
    CandidateScores,
    SiteTable,
    score_candidates,
    score_whole,
    site_table,
)
from symworld.programs.fitting import (
    FitResult,
    Priors,
    compile_transitions,
    fit,
    initial_values,
    log_components_from,
)
from symworld.programs.focus import (
    DEFAULT_ROWS,
    focused_layout,
    overflows,
    unless_overflow,
)
from symworld.programs.law import Law, Probability
from symworld.programs.layout import Layout, check_domains, evaluate_pairs
from symworld.programs.pooling import (
    Pooled,
    pool,
    site_constants,
    site_log_probs,
)
from symworld.worldmodel import WorldModel

logger = logging.getLogger(__name__)

PyTree = Any


class LawModel(WorldModel):
    """Laws pooled per attribute by a weighted product of experts.

    **Fields:**

    - ``layout``: the static law set and schema (static).
    - ``weights``: float32 ``(L,)`` one non-negative weight per law.
    - ``log_components``: float32 ``(C,)`` log-probabilities of the laws'
      learnable parameters (see :class:`~symworld.programs.law.Probability`).
    - ``persistence``: float32 ``(K,)`` probability that a site of each attribute
      keeps its value when no active law speaks about it.
    - ``epsilon``: smoothing mass of each law's prediction (static).
    - ``parameter_values``: the learnable parameters by ``"law/param"`` name.
    - ``focus``: entity rows the focused laws compute over, or ``None`` to always
      run the unfocused laws (static; see :mod:`symworld.programs.focus`).
    """

    layout: Layout = eqx.field(static=True)
    weights: jax.Array
    log_components: jax.Array
    persistence: jax.Array
    parameter_values: dict[str, jax.Array]
    epsilon: float = eqx.field(static=True, default=1e-3)
    focus: int | None = eqx.field(static=True, default=DEFAULT_ROWS)

    # -- construction -------------------------------------------------------------
    @classmethod
    def build(
        cls,
        laws: Sequence[Law],
        schema: Schema,
        *,
        examples: tuple[PyTree, jax.Array] | None = None,
        epsilon: float = 1e-3,
    ) -> LawModel:
        """Check a law set against a schema and make an unfitted model (weights 1,
        parameters at their ``init``, persistence 0.9).

        Raises :class:`~symworld.programs.layout.LawError` naming the law (and
        attribute) when a law raises, returns the wrong shape, writes an unknown
        attribute, or, on the ``examples`` batch ``(states, actions)``, predicts a
        value outside the attribute's domain.
        """
        layout = Layout(laws, schema)
        if examples is not None:
            states, actions = examples
            check_domains(layout, states, jnp.asarray(actions, jnp.int32))
        values = initial_values(layout)
        return cls.from_values(layout, values, epsilon=epsilon)

    @classmethod
    def from_values(
        cls,
        layout: Layout,
        values: dict[str, Any],
        *,
        epsilon: float = 1e-3,
        focus: int | None = DEFAULT_ROWS,
    ) -> LawModel:
        """A model with the given constrained values (``"weights"``,
        ``"persistence"``, ``"law/param"``)."""
        parameter_values = {
            f"{layout.laws[i].name}/{p.name}": jnp.asarray(
                values[f"{layout.laws[i].name}/{p.name}"], jnp.float32
            )
            for i, p in layout.parameters
        }
        return cls(
            layout=layout,
            weights=jnp.asarray(values["weights"], jnp.float32),
            log_components=log_components_from(layout, parameter_values),
            persistence=jnp.clip(
                jnp.asarray(values["persistence"], jnp.float32), 1e-6, 1 - 1e-6
            ),
            parameter_values=parameter_values,
            epsilon=epsilon,
            focus=focus,
        )

    @property
    def laws(self) -> tuple[Law, ...]:
        return self.layout.laws

    @property
    def schema(self) -> Schema:
        return self.layout.schema

    # -- fitting --------------------------------------------------------------------
    def fit(
        self,
        states: PyTree,
        actions: jax.Array,
        next_states: jax.Array,
        *,
        key: jax.Array,
        method: str = "map",
        steps: int = 1000,
        learning_rate: float = 0.05,
        priors: Priors | None = None,
        **options: Any,
    ) -> tuple[LawModel, FitResult]:
        """Fit weights, law parameters and persistence to ``T`` transitions.

        **Arguments:**

        - ``states``: state pytree with leading axis ``T``; ``actions`` int ``(T,)``.
        - ``next_states``: encoded next states int32 ``(T, N)`` or a state pytree
          with leading axis ``T``.
        - ``method``: ``"map"`` (default), ``"svi"`` or ``"nuts"``.

        **Returns:** the fitted model and the :class:`FitResult`.
        """
        priors = priors or Priors(epsilon=self.epsilon)
        if not isinstance(next_states, np.ndarray | jax.Array):
            next_states = jax.vmap(self.schema.encode)(next_states)
        data = compile_transitions(self.layout, states, actions, next_states)
        logger.info(
            "fitting %d laws on %d transitions (%d active pairs) by %s",
            len(self.laws),
            data.num_transitions,
            data.law.shape[0],
            method,
        )
        result = fit(
            self.layout,
            data,
            key=key,
            priors=priors,
            method=method,
            steps=steps,
            learning_rate=learning_rate,
            **options,
        )
        fitted = LawModel.from_values(
            self.layout, result.values, epsilon=priors.epsilon, focus=self.focus
        )
        return fitted, result

    # -- prediction -----------------------------------------------------------------
    def pooled(self, state: PyTree, action: jax.Array) -> Pooled:
        """The pooled prediction for one transition."""
        pairs = evaluate_pairs(self.layout, state, jnp.asarray(action, jnp.int32))
        return pool(
            self.layout,
            site_constants(self.layout),
            pairs,
            self.weights,
            self.log_components,
            self.epsilon,
        )

    @property
    def focused_layout(self) -> Layout | None:
        """The layout of the laws focused on ``focus`` rows, or ``None`` (no
        focus, or no law with a focused variant)."""
        if self.focus is None:
            return None
        return focused_layout(self.layout, self.focus)

    def _focused(self, compute, state: PyTree, action: jax.Array):
        """``compute(layout, state)`` on the focused layout, or on the unfocused
        one where the transition overflows (or there is no focused layout)."""
        focused = self.focused_layout
        if focused is None:
            return compute(self.layout, state)
        return unless_overflow(
            overflows(focused, state, action),
            compute(focused, state),
            lambda gated: compute(self.layout, gated),
            state,
        )

    def sample(self, key: jax.Array, state: PyTree, action: PyTree) -> PyTree:
        """Draw a next state: the laws run once, each attribute is pooled from the
        pairs that can write it, and sites no active law speaks about follow the
        persistence default (see :mod:`symworld.programs.attribute_pooling`)."""
        action = jnp.asarray(action, jnp.int32)

        def compute(layout, state):
            return sample_state(
                layout,
                state,
                action,
                self.weights,
                self.log_components,
                self.persistence,
                self.epsilon,
                key,
            )

        return self._focused(compute, state, action)

    def site_log_probs(
        self, state: PyTree, action: PyTree, next_state: PyTree
    ) -> jax.Array:
        """float32 ``(N,)``: the log-probability of each site of ``next_state``."""
        return site_log_probs(
            self.layout,
            site_constants(self.layout),
            self.pooled(state, action),
            self.persistence,
            self.schema.encode(state),
            self.schema.encode(next_state),
        )

    def log_prob(self, state: PyTree, action: PyTree, next_state: PyTree) -> jax.Array:
        action = jnp.asarray(action, jnp.int32)
        following = leaf_offsets(self.layout, next_state)

        def compute(layout, state):
            return score_state(
                layout,
                self._scorer(state, action, layout),
                self.persistence,
                leaf_offsets(layout, state),
                following,
            )

        return self._focused(compute, state, action)

    def candidate_log_probs(
        self,
        state: PyTree,
        action: PyTree,
        candidates: jax.Array,
        *,
        budget: int = DEFAULT_BUDGET,
    ) -> jax.Array:
        """float32 ``(M,)``: log-probabilities of ``M`` *encoded* candidate next
        states ``(M, N)`` of one transition.

        The laws run once (focused, see :meth:`score_candidates`); each candidate
        is scored from its differences to the current state (at most ``budget``
        sites, see :mod:`symworld.programs.candidate_scoring`). When some
        candidate has more differences, the unfocused laws build the site table
        and each such candidate is scored exactly over every site by a
        ``lax.cond`` branch. Under ``vmap`` that branch becomes a select and runs
        for every candidate; batch with :meth:`score_candidates` instead.
        """
        action = jnp.asarray(action, jnp.int32)
        fast = self.score_candidates(state, action, candidates, budget=budget)

        def exact(state):
            table = self.site_table(state, action)

            def one(item):
                candidate, exact, log_prob = item
                return jax.lax.cond(
                    exact,
                    lambda: log_prob,
                    lambda: score_whole(
                        self.layout, table, self.persistence, candidate
                    ),
                )

            return jax.lax.map(one, (candidates, fast.exact, fast.log_prob))

        return unless_overflow(~jnp.all(fast.exact), fast.log_prob, exact, state)

    def score_candidates(
        self,
        state: PyTree,
        action: PyTree,
        candidates: jax.Array,
        *,
        budget: int = DEFAULT_BUDGET,
    ) -> CandidateScores:
        """The fast scores of ``M`` *encoded* candidate next states ``(M, N)``
        from their differences to the current state
        (:func:`~symworld.programs.candidate_scoring.score_candidates`; candidates
        beyond ``budget`` differing sites are marked not ``exact``), with the laws
        run once, focused when the model has a focused layout."""
        action = jnp.asarray(action, jnp.int32)

        def compute(layout, state):
            encoded = self.schema.encode(state)
            table = site_table(
                layout,
                self._scorer(state, action, layout),
                self.persistence,
                encoded,
                encoded,
            )
            return score_candidates(layout, table, self.persistence, candidates, budget)

        return self._focused(compute, state, action)

    def site_table(
        self, state: PyTree, action: PyTree, reference: jax.Array | None = None
    ) -> SiteTable:
        """The per-transition :class:`~symworld.programs.candidate_scoring.
        SiteTable` (the laws run once); ``reference`` is an encoded next state
        int32 ``(N,)``, by default the current state."""
        encoded = self.schema.encode(state)
        return site_table(
            self.layout,
            self._scorer(state, action),
            self.persistence,
            encoded,
            encoded if reference is None else reference,
        )

    def _scorer(
        self, state: PyTree, action: PyTree, layout: Layout | None = None
    ) -> Scorer:
        return prepare_scorer(
            self.layout if layout is None else layout,
            state,
            jnp.asarray(action, jnp.int32),
            self.weights,
            self.log_components,
            self.epsilon,
        )

    # -- reading --------------------------------------------------------------------
    def weight_table(self) -> dict[str, float]:
        """``{law name: weight}``."""
        return {
            law.name: float(w)
            for law, w in zip(self.laws, np.asarray(self.weights), strict=True)
        }

    def parameter_table(self) -> dict[str, Any]:
        """``{"law/param": value}`` (floats or lists)."""
        return {k: np.asarray(v).tolist() for k, v in self.parameter_values.items()}

    def persistence_table(self) -> dict[str, float]:
        """``{attribute: persistence probability}``."""
        return {
            a.name: float(r)
            for a, r in zip(
                self.schema.attributes, np.asarray(self.persistence), strict=True
            )
        }

    def probability(self, name: str) -> float:
        """A fitted :class:`Probability` parameter (``"law/param"``)."""
        for index, parameter in self.layout.parameters:
            if f"{self.laws[index].name}/{parameter.name}" == name and isinstance(
                parameter, Probability
            ):
                return float(self.parameter_values[name])
        raise KeyError(name)
