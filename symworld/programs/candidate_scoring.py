"""Scoring many candidate next states of one transition by their differences.

Scoring a candidate next state ``c`` of a transition with the whole-state scorer
(:func:`~symworld.programs.attribute_pooling.score_state`) visits every site and
every (law, site) pair: 10,840 sites and 12,913 pairs per Crafter-OO candidate.
Candidates of one transition mostly agree, so this module scores each one from a
*reference* next state ``ref`` (by default the current state) and the sites where
they differ,

    log p(c) = log p(ref) + sum over sites s with c_s != ref_s of
               [log p_s(c_s) - log p_s(ref_s)],

which is exact because the pooled model factorises over sites. Per transition, a
:class:`SiteTable` is built once (the laws run once): for every site the row of the
pair that scores it (its support, reliability and normaliser, or its conflict
group's pooled cells) and ``log p_s(ref_s)``. Per candidate,
:func:`differences` lists up to ``budget`` differing sites, and
:func:`score_edits` looks up ``log p_s`` at just those sites: the cost per
candidate is one pass over its encoded state plus ``budget`` look-ups, not a pass
over every pair.

A candidate that differs from the reference in more than ``budget`` sites is not
scored by the fast path: :class:`CandidateScores` marks it ``exact == False``
with a ``NaN`` score and counts its differences, and :func:`score_whole` scores
it exactly from the same table (:meth:`LawModel.candidate_log_probs
<symworld.programs.model.LawModel.candidate_log_probs>` does that fallback).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from symworld.programs.attribute_pooling import (
    Scorer,
    _single,
    attribute_plans,
    persistence_log_probs,
    scoring_roles,
    site_log_probs_of_attribute,
)
from symworld.programs.layout import Layout
from symworld.programs.pooling import BIG

DEFAULT_BUDGET = 64  # differing sites scored per candidate by the fast path
WORD = 32  # sites per bit word when listing differences
ROW_TERMS = ("reliable", "floor", "normaliser", "grouped", "rest")


class SiteTable(NamedTuple):
    """Everything needed to score next states of one transition at any site.

    ``N`` sites, ``R`` pair rows (every pair of every attribute some law writes),
    ``S`` the widest support, ``E`` the cells of the exactly pooled conflict
    groups.

    - ``state``: int32 ``(N,)`` the encoded current state (persistence default).
    - ``reference``: int32 ``(N,)`` the encoded reference next state.
    - ``reference_log_prob``: float32 ``(N,)`` ``log p_s(ref_s)``;
      ``reference_total``: float32, the sum of its finite terms;
      ``reference_impossible``: int32, the number of ``-inf`` terms.
    - ``site_row``: int32 ``(N,)`` the row scoring each site; ``-1`` where no
      active law speaks about it.
    - ``row_values``: int32 ``(R, S)`` support values as offsets from the domain's
      low end (``-1`` padding); ``row_q``: float32 ``(R, S)`` their probabilities.
    - ``row_terms``: float32 ``(R, 5)`` per row, in :data:`ROW_TERMS` order: the
      pair's ``r``, ``(1 - r) / |D|`` and ``r sum(q) + 1 - r`` (the pair alone);
      ``1`` if the row's site is pooled by its conflict group, else ``0``; and
      then the log-probability of a value outside every support at the site.
      (One row of numbers, so that a look-up gathers it at once.)
    - ``cell_key``: int32 ``(E,)`` sorted ``site * span + offset`` of the groups'
      support values (``BIG`` unused); ``cell_log_prob``: float32 ``(E,)``.
    """

    state: jax.Array
    reference: jax.Array
    reference_log_prob: jax.Array
    reference_total: jax.Array
    reference_impossible: jax.Array
    site_row: jax.Array
    row_values: jax.Array
    row_q: jax.Array
    row_terms: jax.Array
    cell_key: jax.Array
    cell_log_prob: jax.Array


class Edits(NamedTuple):
    """The sites where ``M`` candidates differ from a reference (budget ``B``).

    - ``site``: int32 ``(M, B)`` differing sites in increasing order (padding:
      ``0`` with ``valid`` false); ``value``: int32 ``(M, B)`` the candidate's
      encoded value there.
    - ``valid``: bool ``(M, B)``; ``count``: int32 ``(M,)`` all differing sites,
      which may exceed ``B`` (then the edits are incomplete).
    """

    site: jax.Array
    value: jax.Array
    valid: jax.Array
    count: jax.Array


class CandidateScores(NamedTuple):
    """- ``log_prob``: float32 ``(M,)`` (``NaN`` where not ``exact``).
    - ``exact``: bool ``(M,)`` the candidate differs from the reference in at most
      ``budget`` sites, so ``log_prob`` is its score.
    - ``differing``: int32 ``(M,)`` the number of differing sites."""

    log_prob: jax.Array
    exact: jax.Array
    differing: jax.Array


class _SiteConstants(NamedTuple):
    attribute: np.ndarray  # int32 (N,)
    low: np.ndarray  # int32 (N,)
    size: np.ndarray  # int32 (N,)


def _constants(layout: Layout) -> _SiteConstants:
    cached = layout.__dict__.get("_candidate_site_constants")
    if cached is None:
        schema = layout.schema
        cached = _SiteConstants(
            schema.site_attribute(), schema.site_low(), schema.site_domain_size()
        )
        layout.__dict__["_candidate_site_constants"] = cached
    return cached


def site_table(
    layout: Layout,
    scorer: Scorer,
    persistence: jax.Array,
    state: jax.Array,
    reference: jax.Array,
) -> SiteTable:
    """Build the :class:`SiteTable` of one transition.

    **Arguments:**

    - ``scorer``: the transition's
      :func:`~symworld.programs.attribute_pooling.prepare_scorer` (the laws run).
    - ``persistence``: float32 ``(K,)`` the model's persistence probabilities.
    - ``state``, ``reference``: int32 ``(N,)`` encoded current state and
      reference next state.

    The reference terms ``log p_s(ref_s)`` are computed attribute by attribute
    from the pairs, as the whole-state scorer computes them
    (:func:`~symworld.programs.attribute_pooling.site_log_probs_of_attribute`),
    not looked up in the table.
    """
    schema = layout.schema
    offsets = schema.offsets
    span = layout.value_span
    plans = [p for p in attribute_plans(layout) if p.mode != "none"]
    width = max([p.support for p in plans], default=1)

    lows = [a.low for a in schema.attributes]
    site_rows, rows, keys, cells, reference_terms = [], [], [], [], []
    start = 0
    for plan in attribute_plans(layout):
        begin, end = offsets[plan.attribute], offsets[plan.attribute + 1]
        low = lows[plan.attribute]
        pairs = scorer.grouped.get(plan.attribute)
        roles = None if pairs is None else scoring_roles(plan, scorer, pairs)
        reference_terms.append(
            site_log_probs_of_attribute(
                plan,
                scorer,
                persistence,
                state[begin:end] - low,
                reference[begin:end] - low,
                roles,
            )
        )
        if plan.mode == "none":
            site_rows.append(jnp.full((plan.size,), -1, jnp.int32))
            continue
        index = start + jnp.arange(plan.pairs, dtype=jnp.int32)
        site_rows.append(
            jnp.full((plan.size,), -1, jnp.int32)
            .at[jnp.where(roles.leader, pairs.site, plan.size)]
            .set(index, mode="drop")
        )
        _, normaliser, floor = _single(pairs, plan.domain)
        pad = ((0, 0), (0, width - plan.support))
        rest = jnp.zeros((plan.pairs,), jnp.float32)
        if roles.group is not None:
            group = roles.group
            rest = jnp.where(
                roles.grouped,
                (group.rest - group.log_normaliser)[roles.slot],
                rest,
            )
            global_site = group.entry_site + offsets[plan.attribute]
            keys.append(
                jnp.where(group.first, global_site * span + group.entry_value, BIG)
            )
            cells.append(group.score - jnp.repeat(group.log_normaliser, plan.support))
        terms = (pairs.reliable, floor, normaliser, roles.grouped, rest)
        rows.append(
            (
                jnp.pad(pairs.values, pad, constant_values=-1),
                jnp.pad(pairs.q, pad),
                jnp.stack([t.astype(jnp.float32) for t in terms], axis=-1),
            )
        )
        start += plan.pairs

    def join(position, empty):
        parts = [row[position] for row in rows]
        return jnp.concatenate(parts) if parts else empty

    if keys:
        cell_key, cell_log_prob = jax.lax.sort(
            (jnp.concatenate(keys).astype(jnp.int32), jnp.concatenate(cells)),
            num_keys=1,
        )
    else:
        cell_key = jnp.full((1,), BIG, jnp.int32)
        cell_log_prob = jnp.zeros((1,), jnp.float32)
    reference_log_prob = jnp.concatenate(reference_terms)
    possible = jnp.isfinite(reference_log_prob)
    return SiteTable(
        state=jnp.asarray(state, jnp.int32),
        reference=jnp.asarray(reference, jnp.int32),
        reference_log_prob=reference_log_prob,
        reference_total=jnp.sum(jnp.where(possible, reference_log_prob, 0.0)),
        reference_impossible=jnp.sum(~possible).astype(jnp.int32),
        site_row=jnp.concatenate(site_rows),
        row_values=join(0, jnp.full((1, width), -1, jnp.int32)),
        row_q=join(1, jnp.zeros((1, width), jnp.float32)),
        row_terms=join(2, jnp.asarray([[0.0, 1.0, 1.0, 0.0, 0.0]], jnp.float32)),
        cell_key=cell_key,
        cell_log_prob=cell_log_prob,
    )


def site_log_probs(
    layout: Layout,
    table: SiteTable,
    persistence: jax.Array,
    sites: jax.Array,
    values: jax.Array,
) -> jax.Array:
    """float32 ``(B,)``: ``log p_s(v)`` at sites ``s`` (int32 ``(B,)``) for encoded
    values ``v`` (int32 ``(B,)``), exactly as the whole-state scorer sums them."""
    constants = _constants(layout)
    span = layout.value_span
    low = jnp.asarray(constants.low)[sites]
    size = jnp.asarray(constants.size)[sites]
    offset = values - low
    inside = (offset >= 0) & (offset < size)
    observed = jnp.clip(offset, 0, size - 1)

    row = table.site_row[sites]
    covered = row >= 0
    row = jnp.maximum(row, 0)
    q = jnp.sum(
        jnp.where(table.row_values[row] == observed[:, None], table.row_q[row], 0.0),
        axis=-1,
    )
    reliable, floor, normaliser, grouped_row, rest = jnp.moveaxis(
        table.row_terms[row], -1, 0
    )
    alone = jnp.log(reliable * q + floor) - jnp.log(normaliser)
    key = sites * span + observed
    position = jnp.clip(
        jnp.searchsorted(table.cell_key, key, method="scan_unrolled"),
        0,
        table.cell_key.shape[0] - 1,
    )
    grouped = jnp.where(
        table.cell_key[position] == key,
        table.cell_log_prob[position],
        rest,
    )
    pooled = jnp.where(grouped_row > 0, grouped, alone)

    rho = persistence[jnp.asarray(constants.attribute)[sites]]
    persistent = persistence_log_probs(size, rho, table.state[sites] - low, offset)
    log_prob = jnp.where(covered, pooled, persistent)
    return jnp.where(inside, log_prob, -jnp.inf)


def differences(
    reference: jax.Array, candidates: jax.Array, budget: int = DEFAULT_BUDGET
) -> Edits:
    """List the sites where each candidate differs from the reference.

    **Arguments:** ``reference`` int32 ``(N,)``; ``candidates`` int32 ``(M, N)``;
    ``budget``: how many differing sites to list per candidate.

    **Returns:** :class:`Edits` (``(M, budget)``); a candidate with ``count >
    budget`` has only its first ``budget`` differences listed.

    One pass packs each candidate's differences into 32-site bit words; the
    ``k``-th differing site is then found by a binary search over the words'
    running popcounts and a 5-step search inside its word, so no step scans the
    state more than once.
    """
    num_sites = reference.shape[0]
    words = -(-num_sites // WORD)
    differ = candidates != reference[None, :]
    differ = jnp.pad(differ, ((0, 0), (0, words * WORD - num_sites)))
    bits = jnp.left_shift(jnp.uint32(1), jnp.arange(WORD, dtype=jnp.uint32))
    packed = jnp.sum(
        jnp.where(differ.reshape(-1, words, WORD), bits, jnp.uint32(0)),
        axis=-1,
        dtype=jnp.uint32,
    )  # (M, words)
    counts = jax.lax.population_count(packed).astype(jnp.int32)
    running = jnp.cumsum(counts, axis=-1)  # (M, words)
    count = running[:, -1]

    rank = jnp.arange(budget, dtype=jnp.int32)
    word = jax.vmap(lambda r: jnp.searchsorted(r, rank, side="right"))(running)
    word = jnp.minimum(word, words - 1)  # (M, budget)
    before = jnp.take_along_axis(running - counts, word, axis=-1)
    within = rank[None, :] - before  # the within-th set bit of the word (0-based)
    bitmap = jnp.take_along_axis(packed, word, axis=-1)
    # Binary search for the highest bit position with at most ``within`` set bits
    # below it (``probe`` never exceeds 31).
    position = jnp.zeros_like(within)
    for step in (16, 8, 4, 2, 1):
        probe = position + step
        low_bits = bitmap & (
            jnp.left_shift(jnp.uint32(1), probe.astype(jnp.uint32)) - 1
        )
        below = jax.lax.population_count(low_bits).astype(jnp.int32)
        position = jnp.where(below <= within, probe, position)
    valid = rank[None, :] < count[:, None]
    site = jnp.where(valid, word * WORD + position, 0)
    value = jnp.take_along_axis(candidates, site, axis=-1)
    return Edits(site, value, valid, count)


def score_edits(
    layout: Layout,
    table: SiteTable,
    persistence: jax.Array,
    edits: Edits,
) -> CandidateScores:
    """Score candidates given by their :class:`Edits` from ``table.reference``."""
    budget = edits.site.shape[-1]
    shape = edits.site.shape
    sites = edits.site.reshape(-1)
    new = site_log_probs(
        layout, table, persistence, sites, edits.value.reshape(-1)
    ).reshape(shape)
    old = table.reference_log_prob[sites].reshape(shape)
    # Impossible (-inf) reference terms are counted, not summed, so that a
    # candidate which replaces them gets a finite score instead of inf - inf.
    possible = jnp.isfinite(old)
    delta = jnp.sum(
        jnp.where(edits.valid, new - jnp.where(possible, old, 0.0), 0.0), axis=-1
    )
    removed = jnp.sum(edits.valid & ~possible, axis=-1)
    log_prob = jnp.where(
        table.reference_impossible > removed,
        -jnp.inf,
        table.reference_total + delta,
    )
    exact = edits.count <= budget
    log_prob = jnp.where(exact, log_prob, jnp.nan)
    return CandidateScores(log_prob, exact, edits.count)


def score_candidates(
    layout: Layout,
    table: SiteTable,
    persistence: jax.Array,
    candidates: jax.Array,
    budget: int = DEFAULT_BUDGET,
) -> CandidateScores:
    """Score encoded candidates int32 ``(M, N)`` by their differences from
    ``table.reference`` (at most ``budget`` per candidate, see the module
    docstring)."""
    edits = differences(table.reference, candidates, budget)
    return score_edits(layout, table, persistence, edits)


def score_whole(
    layout: Layout, table: SiteTable, persistence: jax.Array, candidate: jax.Array
) -> jax.Array:
    """float32: the exact score of one encoded candidate (``(N,)``) from every
    site; the fallback for candidates beyond the budget."""
    every = jnp.arange(candidate.shape[0], dtype=jnp.int32)
    return jnp.sum(site_log_probs(layout, table, persistence, every, candidate))
