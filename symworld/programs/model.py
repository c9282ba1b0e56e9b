"""LawModel: a world model made of readable laws pooled in a numpyro program.

Build one from a law list and a schema (bad laws are rejected here, and again by
``fit`` on its own transitions), fit it to transitions (MAP by default; SVI and
NUTS through the same numpyro program), then use it as any
:class:`~symworld.worldmodel.WorldModel`::

    model = LawModel.build(laws, schema)
    model, result = model.fit(states, actions, next_states, key=jax.random.key(0))
    following = model.sample(jax.random.key(1), state, action)
    score = model.log_prob(state, action, following)

``sample``/``log_prob``/``rollout`` take one transition and are pure jnp, so
``jax.jit`` and ``jax.vmap`` (and :func:`symworld.worldmodel.batch_sample` etc.)
apply directly. :meth:`LawModel.candidate_log_probs` scores many candidate next
states of one transition while running the laws only once, each candidate from the
sites where it differs from the current state
(:mod:`symworld.programs.candidate_scoring`).

``sample``, ``log_prob`` and :meth:`LawModel.score_candidates` can run the laws
*focused* on the entity rows that can change (``focus`` rows,
:mod:`symworld.programs.focus`): pass ``batch_axis``, the ``axis_name`` of the
``vmap`` they run under (a tuple for nested ones, ``()`` outside ``vmap``). A
transition where more rows matter falls back to the unfocused laws, decided once
per batch so that the fallback stays a real branch; both give the same results (the
same draws key for key). Without ``batch_axis`` the unfocused laws run, as do
``pooled``, ``site_log_probs``, ``site_table`` and fitting.
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
    check_epsilon,
    compile_transitions,
    fit,
    initial_values,
    log_components_from,
)
from symworld.programs.focus import (
    DEFAULT_ROWS,
    BatchAxis,
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
from symworld.programs.transition_inputs import (
    check_action,
    check_state,
    checked_examples,
    checked_transitions,
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
        value outside the attribute's domain, and ``ValueError`` when ``epsilon``
        is not strictly between 0 and 1.
        """
        check_epsilon(epsilon, "LawModel.build: epsilon")
        if isinstance(laws, Law) or not (laws := list(laws)):
            raise ValueError(
                "LawModel.build: laws must be a non-empty list of Law instances, "
                f"got {laws!r}"
            )
        layout = Layout(laws, schema)
        if examples is not None:
            states, actions = checked_examples(schema, examples)
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
        epsilon = check_epsilon(epsilon, "LawModel: epsilon")
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

        Raises ``ValueError`` when the three inputs differ in length ``T`` (or
        ``T`` is 0), a state is not a pytree of the schema's structure (a plain
        dict is not matched by name), a value is not an integer inside its
        attribute's domain (naming the attribute and row), an action lies outside
        the schema's action space (naming the row), or ``steps`` /
        ``learning_rate`` are not a count / a positive finite number; and
        :class:`~symworld.programs.layout.LawError` naming the law and attribute
        when a law, on these transitions, predicts a value outside the
        attribute's domain (the check :meth:`build` runs on its ``examples``).
        """
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
            raise ValueError(f"steps must be an integer, got {steps!r}")
        if steps < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        if not (np.isfinite(learning_rate) and learning_rate > 0):
            raise ValueError(
                f"learning_rate must be a positive finite number, got {learning_rate}"
            )
        states, actions, next_states = checked_transitions(
            self.schema, states, actions, next_states
        )
        check_domains(self.layout, states, jnp.asarray(actions, jnp.int32))
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
        never = [
            law.name
            for law, count in zip(self.laws, data.law_support, strict=True)
            if count == 0
        ]
        if never:
            logger.warning(
                "%d of %d laws were never active on the %d transitions, so the "
                "data say nothing about them (their weights stay near 0): %s",
                len(never),
                len(self.laws),
                data.num_transitions,
                ", ".join(never),
            )
        return fitted, result._replace(law_support=data.law_support)

    # -- prediction -----------------------------------------------------------------
    def pooled(self, state: PyTree, action: jax.Array) -> Pooled:
        """The pooled prediction for one transition."""
        self._check_one(state, action)
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

    def _focused(self, compute, state: PyTree, action: jax.Array, batch_axis):
        """``compute(layout, state)`` on the focused layout, or on the unfocused
        one where the transition overflows; the unfocused laws alone when
        ``batch_axis`` is ``None`` or there is no focused layout (see
        :func:`~symworld.programs.focus.unless_overflow`)."""
        focused = self.focused_layout
        if focused is None or batch_axis is None:
            return compute(self.layout, state)
        return unless_overflow(
            overflows(focused, state, action),
            lambda state: compute(focused, state),
            lambda state: compute(self.layout, state),
            state,
            batch_axis,
        )

    def sample(
        self,
        key: jax.Array,
        state: PyTree,
        action: PyTree,
        *,
        batch_axis: BatchAxis = None,
    ) -> PyTree:
        """Draw a next state: the laws run once, each attribute is pooled from the
        pairs that can write it, and sites no active law speaks about follow the
        persistence default (see :mod:`symworld.programs.attribute_pooling`).

        With ``batch_axis`` (the ``axis_name`` of the enclosing ``vmap``, a tuple
        of names for nested ones, or ``()`` outside ``vmap``) the laws run focused
        (the same draw key for key, see the module docstring)."""
        self._check_one(state, action)
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
                batch_axis=batch_axis,
            )

        return self._focused(compute, state, action, batch_axis)

    def site_log_probs(
        self, state: PyTree, action: PyTree, next_state: PyTree
    ) -> jax.Array:
        """float32 ``(N,)``: the log-probability of each site of ``next_state``."""
        self._check_one(state, action)
        check_state(self.schema, next_state, "next_state")
        return site_log_probs(
            self.layout,
            site_constants(self.layout),
            self.pooled(state, action),
            self.persistence,
            self.schema.encode(state),
            self.schema.encode(next_state),
        )

    def log_prob(
        self,
        state: PyTree,
        action: PyTree,
        next_state: PyTree,
        *,
        batch_axis: BatchAxis = None,
    ) -> jax.Array:
        """float32: ``log p(next_state | state, action)``; ``batch_axis`` as in
        :meth:`sample` (focused laws, the same value up to float32 summation
        order)."""
        self._check_one(state, action)
        check_state(self.schema, next_state, "next_state")
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

        return self._focused(compute, state, action, batch_axis)

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

        The laws run once; each candidate is scored from its differences to the
        current state (at most ``budget`` sites, see
        :mod:`symworld.programs.candidate_scoring`), and a candidate with more
        differences is scored exactly over every site by a ``lax.cond`` branch.
        Under ``vmap`` that branch becomes a select and runs for every candidate;
        batch with :meth:`score_candidates` (or :meth:`site_table` and
        :func:`~symworld.programs.candidate_scoring.score_candidates`) instead.
        """
        table = self.site_table(state, action)
        fast = score_candidates(
            self.layout, table, self.persistence, candidates, budget
        )

        def one(item):
            candidate, exact, log_prob = item
            return jax.lax.cond(
                exact,
                lambda: log_prob,
                lambda: score_whole(self.layout, table, self.persistence, candidate),
            )

        return jax.lax.map(one, (candidates, fast.exact, fast.log_prob))

    def score_candidates(
        self,
        state: PyTree,
        action: PyTree,
        candidates: jax.Array,
        *,
        budget: int = DEFAULT_BUDGET,
        batch_axis: BatchAxis = None,
    ) -> CandidateScores:
        """The fast scores of ``M`` *encoded* candidate next states ``(M, N)``
        from their differences to the current state
        (:func:`~symworld.programs.candidate_scoring.score_candidates`; candidates
        beyond ``budget`` differing sites are marked not ``exact``, to be scored by
        :func:`~symworld.programs.candidate_scoring.score_whole` from
        :meth:`site_table`). The laws run once, focused when ``batch_axis`` is
        given (as in :meth:`sample`; scores equal up to float32 summation
        order)."""
        self._check_one(state, action)
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

        return self._focused(compute, state, action, batch_axis)

    def site_table(
        self,
        state: PyTree,
        action: PyTree,
        reference: jax.Array | None = None,
    ) -> SiteTable:
        """The per-transition :class:`~symworld.programs.candidate_scoring.
        SiteTable` (the laws run once); ``reference`` is an encoded next state
        int32 ``(N,)``, by default the current state."""
        self._check_one(state, action)
        encoded = self.schema.encode(state)
        return site_table(
            self.layout,
            self._scorer(state, action),
            self.persistence,
            encoded,
            encoded if reference is None else reference,
        )

    def _check_one(self, state: PyTree, action: PyTree) -> None:
        check_state(self.schema, state)
        check_action(action, num_actions=self.schema.num_actions)

    def _scorer(
        self, state: PyTree, action: PyTree, layout: Layout | None = None
    ) -> Scorer:
        """The laws (of ``layout``, default the model's) run on one transition;
        callers check their inputs."""
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
