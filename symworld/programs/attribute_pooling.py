"""Pooling attribute by attribute: the fast path of sampling and scoring.

:mod:`symworld.programs.pooling` pools one transition by sorting *every* support
entry of *every* (law, site) pair and scattering over *every* site of the state
(10,840 sites and 47,000 entries for Crafter-OO). This module computes the same
distribution, per attribute, from the pairs that can write it:

- A site with exactly one active pair has the closed form
  ``p(v) = (r q(v) + (1 - r) / |D|) / (r sum(q) + 1 - r)``: sampled with one
  uniform per pair (the law's own support with probability ``r sum(q) / Z``,
  else a uniform value of the domain) and scored with ``S`` comparisons.
- Sites where two or more active pairs meet (*conflicts*) are pooled exactly by
  :func:`_pool_group` over the union of their supports: for small attributes
  (``pairs x support <= GROUP_ENTRIES``) over all their pairs, for large ones over
  at most ``CONFLICT_BUDGET`` conflicting pairs gathered per transition. Beyond
  that budget the extra pairs are drawn as if alone (counted by
  :func:`conflict_overflow`; none in 10,000 random Crafter-OO steps, see
  ``docs/laws.md``).
- Sites no active pair speaks about keep their value, except that the
  persistence default changes each with probability ``1 - rho_k``: small
  attributes draw one uniform per site; large ones (more than
  ``DENSE_PERSISTENCE`` sites) draw the gaps between changed sites from the
  geometric distribution, which is exact for the first ``PERSISTENCE_CHANGES``
  changes of an attribute per step (a site that turns out covered is then
  overwritten by its pooled draw, as independence allows).

Sampling a ``"budget"`` attribute visits only its *active* pairs
(:func:`_draw_budget_chunked`): a running count over the ``P`` pairs ranks them,
``ACTIVE_CHUNK`` of them are read per ``while_loop`` turn from the laws' blocks in
place (one turn unless more apply), and conflicts are pooled over the first
``FIRST_CONFLICTS`` shared pairs, the rest of the budget only in a loop entered
when a site has more. It draws, key for key, what the dense path over every pair
(``sample_state(dense=True)``) draws (beyond the conflict budget, where both are
approximate, which of two writes to a site wins may differ); scoring keeps the
dense path.

Nothing touches the encoded state vector: the state's leaves are read and written
in place, so a step costs the laws plus a few operations per active pair.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from symworld.programs.focus import any_member
from symworld.programs.layout import Layout, law_blocks
from symworld.programs.pooling import reliability

PyTree = Any

# An attribute with at most this many entries is pooled whole, every step: the
# pooling's masks grow with the square of the entries, so larger attributes take
# the closed form and pool only their conflicts (Crafter-OO's 40-entry
# achievements: planning 6-8 % faster that way than pooled whole).
GROUP_ENTRIES = 16
CONFLICT_BUDGET = 16  # conflicting pairs pooled exactly per large attribute
DENSE_PERSISTENCE = 64  # attributes up to this size draw persistence per site
PERSISTENCE_CHANGES = 32  # changes per step the geometric draw can place
ACTIVE_CHUNK = 8  # active pairs of a "budget" attribute drawn per loop turn
STREAM_BLOCK = 8  # the active pairs' uniforms are drawn this many ranks per key
FIRST_CONFLICTS = 4  # shared pairs pooled without entering the budget's loop


@dataclasses.dataclass(frozen=True)
class AttributePlan:
    """Static pooling plan of one attribute.

    - ``attribute``: index in the schema; ``size``: sites; ``domain``: ``|D|``;
      ``low``: the domain's low end.
    - ``blocks``: layout block indices writing this attribute; ``pairs``: their
      total number of pairs; ``support``: the widest support among them.
    - ``mode``: ``"none"`` (no law writes it), ``"single"`` (no two pairs can meet
      on a site), ``"group"`` (pooled whole by :func:`_pool_group`) or
      ``"budget"`` (closed form plus a budget of exactly pooled conflicts).
    - ``draw_pairs``: the pairs of the unfocused layout (equal to ``pairs`` unless
      the layout is a focused one, :mod:`symworld.programs.focus`); the sizes of
      the random draws and of the conflict budget follow it, so that a focused
      layout draws what the unfocused one draws.
    """

    attribute: int
    size: int
    domain: int
    low: int
    blocks: tuple[int, ...]
    pairs: int
    support: int
    mode: str
    draw_pairs: int


def attribute_plans(layout: Layout) -> tuple[AttributePlan, ...]:
    """The static plan of every attribute of ``layout``'s schema (cached on it).

    A focused layout (``layout.reference`` set, see
    :mod:`symworld.programs.focus`) keeps the modes and draw sizes of its
    reference's plans."""
    cached = layout.__dict__.get("_attribute_plans")
    if cached is not None:
        return cached
    reference = getattr(layout, "reference", None)
    if reference is not None:
        plans = []
        for plan in attribute_plans(reference):
            blocks = tuple(
                i for i, b in enumerate(layout.blocks) if b.attribute == plan.attribute
            )
            pairs = sum(layout.blocks[i].sites for i in blocks)
            plans.append(dataclasses.replace(plan, blocks=blocks, pairs=pairs))
        plans = tuple(plans)
        layout.__dict__["_attribute_plans"] = plans
        return plans
    plans = []
    for k, attribute in enumerate(layout.schema.attributes):
        blocks = tuple(i for i, b in enumerate(layout.blocks) if b.attribute == k)
        pairs = sum(layout.blocks[i].sites for i in blocks)
        support = max([layout.blocks[i].support for i in blocks], default=1)
        if not blocks:
            mode = "none"
        elif len(blocks) == 1 and (pairs == 1 or layout.blocks[blocks[0]].identity):
            mode = "single"
        elif pairs * support <= GROUP_ENTRIES:
            mode = "group"
        else:
            mode = "budget"
        plans.append(
            AttributePlan(
                k,
                attribute.size,
                attribute.domain_size,
                attribute.low,
                blocks,
                pairs,
                support,
                mode,
                pairs,
            )
        )
    plans = tuple(plans)
    layout.__dict__["_attribute_plans"] = plans
    return plans


class AttributePairs(NamedTuple):
    """The pairs of one attribute on one transition (``P`` pairs, ``S`` entries).

    - ``active`` bool ``(P,)``; ``site`` int32 ``(P,)`` local site (in range);
      ``values`` int32 ``(P, S)`` offsets from the domain's low end;
      ``q`` float32 ``(P, S)`` entry probabilities (0 for padding);
      ``reliable`` float32 ``(P,)`` the law's ``r``.
    """

    active: jax.Array
    site: jax.Array
    values: jax.Array
    q: jax.Array
    reliable: jax.Array


class BlockPairs(NamedTuple):
    """One law's pairs on one attribute, as the law wrote them (``M`` pairs,
    ``S_b`` entries of the block's own support; nothing padded or exponentiated).

    - ``active`` bool ``(M,)``; ``site`` int32 ``(M,)`` local site (in range);
      ``values`` int32 ``(M, S_b)`` offsets from the domain's low end;
      ``log_q`` float32 ``(M, S_b)`` entry log-probabilities; ``reliable``
      float32 scalar, the law's ``r``.
    """

    active: jax.Array
    site: jax.Array
    values: jax.Array
    log_q: jax.Array
    reliable: jax.Array


def evaluate_blocks(
    layout: Layout,
    state: PyTree,
    action: jax.Array,
    weights: jax.Array,
    log_components: jax.Array,
    epsilon: float,
) -> list[BlockPairs]:
    """Run every law once on one transition: one :class:`BlockPairs` per layout
    block, in block order."""
    r_law = reliability(weights, epsilon)
    out = []
    for part in law_blocks(layout, state, action):
        attribute = layout.schema.attributes[part.block.attribute]
        offset = part.log_offset
        components = part.block.components
        if components.size and (components >= 0).any():
            learned = jnp.where(
                components >= 0,
                log_components[np.clip(components, 0, None)],
                0.0,
            ).sum(-1)
            offset = offset + learned
        out.append(
            BlockPairs(
                part.active,
                part.site.astype(jnp.int32),
                (part.values - attribute.low).astype(jnp.int32),
                offset.astype(jnp.float32),
                r_law[part.law],
            )
        )
    return out


def _pad(x: jax.Array, width: int, fill: Any) -> jax.Array:
    return jnp.pad(x, ((0, 0), (0, width - x.shape[1])), constant_values=fill)


def _as_attribute_pairs(blocks: list[BlockPairs], width: int) -> AttributePairs:
    """The blocks of one attribute concatenated, supports padded to ``width``."""
    return AttributePairs(
        jnp.concatenate([b.active for b in blocks]),
        jnp.concatenate([b.site for b in blocks]),
        jnp.concatenate([_pad(b.values, width, 0) for b in blocks]),
        jnp.concatenate([_pad(jnp.exp(b.log_q), width, 0.0) for b in blocks]),
        jnp.concatenate([jnp.broadcast_to(b.reliable, b.active.shape) for b in blocks]),
    )


def evaluate_attributes(
    layout: Layout,
    state: PyTree,
    action: jax.Array,
    weights: jax.Array,
    log_components: jax.Array,
    epsilon: float,
) -> dict[int, AttributePairs]:
    """Run every law once on one transition and group its pairs by attribute."""
    blocks = evaluate_blocks(layout, state, action, weights, log_components, epsilon)
    return {
        plan.attribute: _as_attribute_pairs(
            [blocks[b] for b in plan.blocks], plan.support
        )
        for plan in attribute_plans(layout)
        if plan.mode != "none"
    }


def _read_blocks(blocks: list[BlockPairs], index: jax.Array, read) -> jax.Array:
    """``read(block, local)`` at attribute-wide pair positions ``index`` (``(K,)``),
    each position read from the block that holds it, without concatenating."""
    starts = np.cumsum([0] + [b.active.shape[0] for b in blocks])
    result = None
    for start, end, block in zip(starts[:-1], starts[1:], blocks, strict=True):
        inside = (index >= start) & (index < end)
        value = read(block, jnp.clip(index - start, 0, end - start - 1))
        inside = jnp.reshape(inside, inside.shape + (1,) * (value.ndim - 1))
        result = value if result is None else jnp.where(inside, value, result)
    return result


def _gather_blocks(
    blocks: list[BlockPairs], width: int, index: jax.Array, valid: jax.Array
) -> AttributePairs:
    """The pairs at attribute-wide positions ``index`` (``(K,)``), ``active``
    masked by ``valid``: equal to ``_gather(_as_attribute_pairs(blocks, width),
    index, valid)`` at the cost of ``K`` pairs instead of all of them."""
    return AttributePairs(
        _read_blocks(blocks, index, lambda b, i: b.active[i]) & valid,
        _read_blocks(blocks, index, lambda b, i: b.site[i]),
        _read_blocks(blocks, index, lambda b, i: _pad(b.values[i], width, 0)),
        _read_blocks(blocks, index, lambda b, i: _pad(jnp.exp(b.log_q[i]), width, 0.0)),
        _read_blocks(blocks, index, lambda b, i: jnp.broadcast_to(b.reliable, i.shape)),
    )


# -- one pair alone ------------------------------------------------------------------
def _single(pairs: AttributePairs, domain: int):
    """``(mass, log Z, floor)`` of each pair's closed form."""
    mass = pairs.q.sum(-1)
    r = pairs.reliable
    normaliser = r * mass + (1.0 - r)
    floor = (1.0 - r) / domain
    return mass, normaliser, floor


def _single_draw(pairs: AttributePairs, domain: int, u: jax.Array) -> jax.Array:
    """One draw per pair from its closed form, from one uniform ``u`` per pair."""
    mass, normaliser, _ = _single(pairs, domain)
    r = pairs.reliable
    x = u * normaliser
    law_part = r * mass
    from_law = x < law_part
    # Inverse CDF over the support (duplicates add up).
    target = x / jnp.maximum(r, 1e-30)
    cumulative = jnp.cumsum(pairs.q, axis=-1)
    entry = jnp.sum(cumulative <= target[:, None], axis=-1)
    entry = jnp.minimum(entry, pairs.q.shape[1] - 1)
    # Skip padding entries at the end: the last entry with positive mass.
    last = pairs.q.shape[1] - 1 - jnp.argmax((pairs.q > 0)[:, ::-1], axis=-1)
    entry = jnp.minimum(entry, last)
    law_value = jnp.take_along_axis(pairs.values, entry[:, None], axis=-1)[:, 0]
    rest = (x - law_part) / jnp.maximum(1.0 - r, 1e-30)
    uniform_value = jnp.clip(jnp.floor(rest * domain), 0, domain - 1).astype(jnp.int32)
    return jnp.where(from_law, law_value, uniform_value)


def _single_log_prob(pairs: AttributePairs, domain: int, value: jax.Array):
    """log p of ``value`` (offsets ``(P,)``) at each pair's site, pair alone."""
    _, normaliser, floor = _single(pairs, domain)
    q = jnp.sum(jnp.where(pairs.values == value[:, None], pairs.q, 0.0), axis=-1)
    return jnp.log(pairs.reliable * q + floor) - jnp.log(normaliser)


# -- a group of pairs pooled exactly --------------------------------------------------
class _Group(NamedTuple):
    """Exact pooling of ``G`` pairs (``E = G S`` entries) on shared sites."""

    pairs: AttributePairs
    entry_site: jax.Array  # (E,)
    entry_value: jax.Array  # (E,)
    first: jax.Array  # (E,) first entry of its (site, value)
    score: jax.Array  # (E,) unnormalised log score
    same_site: jax.Array  # (E, E)
    leader: jax.Array  # (G,) bool: the first active pair of its site
    pair_entry_site: jax.Array  # (G, E) pair i's site == entry j's site
    rest: jax.Array  # (G,) log score of a value outside the union at the site
    union: jax.Array  # (G,) distinct values in the union at the site
    log_normaliser: jax.Array  # (G,)


def _expert_log(pairs: AttributePairs, domain: int, values: jax.Array) -> jax.Array:
    """``log(r_i q_i(v) + (1 - r_i) / D)`` for every pair ``i`` and value ``v``:
    ``(G, V)`` for ``values`` ``(V,)``."""
    match = pairs.values[:, :, None] == values[None, None, :]
    q = jnp.sum(jnp.where(match, pairs.q[:, :, None], 0.0), axis=1)
    floor = (1.0 - pairs.reliable) / domain
    return jnp.log(pairs.reliable[:, None] * q + floor[:, None])


def _pool_group(pairs: AttributePairs, domain: int) -> _Group:
    count, width = pairs.values.shape
    entry_site = jnp.repeat(pairs.site, width)
    entry_value = pairs.values.reshape(-1)
    entry_valid = jnp.repeat(pairs.active, width) & (pairs.q.reshape(-1) > 0)
    same_site = entry_site[:, None] == entry_site[None, :]
    same = same_site & (entry_value[:, None] == entry_value[None, :])
    size = entry_site.shape[0]
    earlier = jnp.tril(jnp.ones((size, size), bool), k=-1)
    first = entry_valid & ~jnp.any(same & earlier & entry_valid[None, :], axis=-1)

    pair_entry_site = (pairs.site[:, None] == entry_site[None, :]) & pairs.active[
        :, None
    ]  # (G, E)
    expert = _expert_log(pairs, domain, entry_value)  # (G, E)
    score = jnp.sum(jnp.where(pair_entry_site, expert, 0.0), axis=0)

    floor = jnp.log1p(-pairs.reliable) - jnp.log(float(domain))
    pair_pair = (pairs.site[:, None] == pairs.site[None, :]) & pairs.active[None, :]
    rest = jnp.sum(jnp.where(pair_pair, floor[None, :], 0.0), axis=1)  # (G,)
    earlier_pair = jnp.tril(jnp.ones((count, count), bool), k=-1)
    leader = pairs.active & ~jnp.any(pair_pair & earlier_pair, axis=1)

    in_site = (pairs.site[:, None] == entry_site[None, :]) & first[None, :]  # (G, E)
    union = jnp.sum(in_site, axis=1)
    remaining = domain - union
    rest_total = jnp.where(
        remaining > 0,
        rest + jnp.log(jnp.maximum(remaining, 1).astype(jnp.float32)),
        -jnp.inf,
    )
    cell = jnp.where(in_site, score[None, :], -jnp.inf)
    top = jnp.maximum(jnp.max(cell, axis=1), rest_total)
    top = jnp.where(jnp.isfinite(top), top, 0.0)
    total = jnp.sum(jnp.exp(cell - top[:, None]), axis=1) + jnp.exp(rest_total - top)
    return _Group(
        pairs,
        entry_site,
        entry_value,
        first,
        score,
        same_site,
        leader,
        in_site,
        rest,
        union,
        top + jnp.log(total),
    )


def _group_draw(
    group: _Group, domain: int, key: jax.Array, noise_pairs: int | None = None
) -> jax.Array:
    """One exact draw per pair's site (pairs of one site agree).

    The noise is drawn for ``noise_pairs`` pairs (default: the group's) and the
    first rows used, so a group of the first ``G`` pairs of a larger budget draws
    what the larger group draws on those pairs' sites."""
    key_cells, key_rest, key_uniform = jax.random.split(key, 3)
    count = group.leader.shape[0]
    size = group.score.shape[0]
    noise_pairs = count if noise_pairs is None else noise_pairs
    width = size // count
    gumbel = jax.random.gumbel(key_cells, (noise_pairs * width,))[:size]
    perturbed = jnp.where(
        group.pair_entry_site, (group.score + gumbel)[None, :], -jnp.inf
    )
    best_entry = jnp.argmax(perturbed, axis=1)
    best = jnp.max(perturbed, axis=1)
    # The rest option's Gumbel and uniform come from the site's leader pair.
    pair_pair = group.pairs.site[:, None] == group.pairs.site[None, :]
    leader_of = jnp.argmax(pair_pair & group.leader[None, :], axis=1)
    rest_gumbel = jax.random.gumbel(key_rest, (noise_pairs,))[leader_of]
    u = jax.random.uniform(key_uniform, (noise_pairs,))[leader_of]
    remaining = domain - group.union
    rest_total = jnp.where(
        remaining > 0,
        group.rest + jnp.log(jnp.maximum(remaining, 1).astype(jnp.float32)),
        -jnp.inf,
    )
    use_rest = rest_total + rest_gumbel > best
    # The k-th value outside the union: k plus the union values it passes.
    k = jnp.clip(jnp.floor(u * remaining), 0, jnp.maximum(remaining - 1, 0)).astype(
        jnp.int32
    )
    value = group.entry_value
    # Union values of entry j's site below its value, and so the values outside
    # the union below it.
    below = jnp.sum(
        group.same_site & group.first[None, :] & (value[None, :] < value[:, None]),
        axis=1,
    )
    gap = value - below
    passed = jnp.sum(group.pair_entry_site & (gap[None, :] <= k[:, None]), axis=1)
    rest_value = k + passed
    return jnp.where(use_rest, rest_value, value[best_entry]).astype(jnp.int32)


def _group_log_prob(group: _Group, domain: int, value: jax.Array) -> jax.Array:
    """log p of ``value`` (``(G,)`` offsets) at each pair's site."""
    pairs = group.pairs
    expert = _expert_log(pairs, domain, value)  # (G_i, G_p)
    pair_pair = (pairs.site[:, None] == pairs.site[None, :]) & pairs.active[:, None]
    score = jnp.sum(jnp.where(pair_pair, expert, 0.0), axis=0)
    return score - group.log_normaliser


def _gather(
    pairs: AttributePairs, index: jax.Array, valid: jax.Array
) -> AttributePairs:
    return AttributePairs(
        pairs.active[index] & valid,
        pairs.site[index],
        pairs.values[index],
        pairs.q[index],
        pairs.reliable[index],
    )


def _gated(pairs: AttributePairs, gate: jax.Array) -> AttributePairs:
    """``pairs`` where ``gate``, else inactive zeros: every field selected by the
    flag of the loop or branch that pools them. A pooling that depended on the flag
    through ``active`` alone would be hoisted out of its loop by XLA as
    loop-invariant code, and run on every step (see
    :func:`_whole_budget_if_needed`)."""
    return jax.tree_util.tree_map(
        lambda x: jnp.where(gate, x, jnp.zeros((), x.dtype)), pairs
    )


def _site_counts(plan: AttributePlan, pairs: AttributePairs) -> jax.Array:
    """Active pairs at each pair's site (``(P,)``)."""
    count = (
        jnp.zeros((plan.size,), jnp.int32)
        .at[pairs.site]
        .add(pairs.active.astype(jnp.int32))
    )
    return count[pairs.site]


def _conflicts(plan: AttributePlan, pairs: AttributePairs):
    """Indices of up to ``CONFLICT_BUDGET`` pairs on shared sites, their validity
    and the conflict mask."""
    shared = pairs.active & (_site_counts(plan, pairs) > 1)
    budget = min(CONFLICT_BUDGET, plan.draw_pairs)
    (index,) = jnp.nonzero(shared, size=budget, fill_value=0)
    valid = jnp.arange(budget) < jnp.sum(shared)
    return index, valid, shared


def conflict_overflow(
    layout: Layout,
    state: PyTree,
    action: jax.Array,
    weights: jax.Array,
    log_components: jax.Array,
    epsilon: float,
) -> jax.Array:
    """int32: conflicting pairs beyond the budget on this transition (0 means the
    fast path is exact)."""
    grouped = evaluate_attributes(
        layout, state, action, weights, log_components, epsilon
    )
    total = jnp.int32(0)
    for plan in attribute_plans(layout):
        if plan.mode != "budget":
            continue
        _, _, shared = _conflicts(plan, grouped[plan.attribute])
        total = total + jnp.maximum(jnp.sum(shared) - CONFLICT_BUDGET, 0)
    return total


# -- persistence -----------------------------------------------------------------------
def _persist(
    plan_size: int, domain: int, leaf: jax.Array, rho: jax.Array, key: jax.Array
) -> jax.Array:
    """The persistence default on a flat leaf of offsets: each site changes with
    ``1 - rho`` to a uniformly chosen other value."""
    if domain == 1:
        return leaf
    key_where, key_shift = jax.random.split(key)
    if plan_size <= DENSE_PERSISTENCE:
        change = jax.random.uniform(key_where, (plan_size,)) >= rho
        shift = jax.random.randint(key_shift, (plan_size,), 1, domain)
        return jnp.where(change, (leaf + shift) % domain, leaf)
    # Gaps between changed sites ~ Geometric(1 - rho), exact for the first few.
    u = jax.random.uniform(key_where, (PERSISTENCE_CHANGES,), minval=1e-12)
    gaps = jnp.floor(jnp.log(u) / jnp.log(jnp.maximum(rho, 1e-12)))
    gaps = jnp.where(rho <= 0.0, 0.0, gaps)
    positions = jnp.cumsum(gaps + 1.0) - 1.0
    inside = positions < plan_size
    index = jnp.where(inside, positions, plan_size).astype(jnp.int32)
    shift = jax.random.randint(key_shift, (PERSISTENCE_CHANGES,), 1, domain)
    changed = (leaf[jnp.clip(index, 0, plan_size - 1)] + shift) % domain
    return leaf.at[index].set(changed, mode="drop")


# -- large attributes: only the active pairs ----------------------------------------
def _active_chunk(
    ends: jax.Array, total: jax.Array, chunk: int, number: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """Positions ``(chunk,)`` of the active pairs ranked ``number * chunk`` onward
    (``ends`` is the running count of active pairs) and which of them exist."""
    rank = number * chunk + jnp.arange(chunk, dtype=jnp.int32)
    position = jnp.searchsorted(ends, rank + 1, side="left").astype(jnp.int32)
    return jnp.clip(position, 0, ends.shape[0] - 1), rank < total


def _chunk_uniforms(key: jax.Array, number: jax.Array, chunk: int) -> jax.Array:
    """float32 ``(chunk,)``: the uniforms of the active pairs ranked
    ``number * chunk`` onward, one per pair.

    The uniform of rank ``k`` is entry ``k % STREAM_BLOCK`` of the block drawn with
    ``fold_in(key, k // STREAM_BLOCK)``: it depends on the rank alone, so every
    chunk size (and the dense path) gives a pair the same uniform, and the chunk
    is a cost setting only."""
    first = number * chunk
    start = first // STREAM_BLOCK
    aligned = chunk % STREAM_BLOCK == 0  # such chunks start on a block
    blocks = -(-(chunk + (0 if aligned else STREAM_BLOCK - 1)) // STREAM_BLOCK)
    table = jax.vmap(
        lambda block: jax.random.uniform(
            jax.random.fold_in(key, block), (STREAM_BLOCK,)
        )
    )(start + jnp.arange(blocks, dtype=jnp.int32)).reshape(-1)
    if aligned:
        return table
    return jax.lax.dynamic_slice(table, (first - start * STREAM_BLOCK,), (chunk,))


def _rank_uniforms(key: jax.Array, active: jax.Array) -> jax.Array:
    """float32 ``(P,)``: :func:`_chunk_uniforms` laid out by each active pair's
    rank, for the dense path."""
    size = -(-active.shape[0] // STREAM_BLOCK) * STREAM_BLOCK
    table = _chunk_uniforms(key, jnp.int32(0), size)
    rank = jnp.cumsum(active.astype(jnp.int32)) - 1
    return table[jnp.clip(rank, 0, None)]


def _draw_budget_chunked(
    plan: AttributePlan,
    blocks: list[BlockPairs],
    out: jax.Array,
    key_pool: jax.Array,
    key_group: jax.Array,
    chunk: int,
    batch_axis=None,
) -> jax.Array:
    """The draw of a ``"budget"`` attribute visiting only its active pairs,
    ``chunk`` at a time (one loop turn unless more than ``chunk`` pairs apply).

    Equal, draw for draw, to the dense path of :func:`sample_state` (the same
    uniform per active pair, :func:`_chunk_uniforms`, drawn for the active pairs
    only; the same conflict budget in the same pair order; the same group key):
    a first pass counts active pairs per site, a second draws each active pair
    alone and writes it, collecting the first ``CONFLICT_BUDGET`` pairs on shared
    sites; those are then pooled exactly and their sites overwritten. The cost is
    one running count over the ``P`` pairs plus work on the active ones, instead
    of work on every entry of every pair.

    With ``batch_axis`` (the ``axis_name`` of the enclosing ``vmap``) the loops
    turn while some member of the batch has pairs left (a member with none left
    reads no pair and writes nothing), and the conflicts are pooled only when some
    member has one (pooling no pair changes nothing): the same draws, without the
    per-turn selects of the whole carry that a ``vmap``-ed loop makes, and without
    the pooling of conflicts on the many steps where no rollout has any."""
    chunk = min(chunk, plan.draw_pairs)
    budget = min(CONFLICT_BUDGET, plan.draw_pairs)
    width = plan.support
    active = jnp.concatenate([b.active for b in blocks])
    ends = jnp.cumsum(active.astype(jnp.int32))
    total = ends[-1]

    def more(carry):
        return any_member(carry[0] * chunk < total, batch_axis)

    def count(carry):
        number, counts = carry
        index, valid = _active_chunk(ends, total, chunk, number)
        site = _read_blocks(blocks, index, lambda b, i: b.site[i])
        counts = counts.at[jnp.where(valid, site, plan.size)].add(1, mode="drop")
        return number + 1, counts

    _, counts = jax.lax.while_loop(
        more, count, (jnp.int32(0), jnp.zeros((plan.size,), jnp.int32))
    )

    def draw(carry):
        number, out, shared, shared_count = carry
        index, valid = _active_chunk(ends, total, chunk, number)
        pairs = _gather_blocks(blocks, width, index, valid)
        u = _chunk_uniforms(key_pool, number, chunk)
        value = _single_draw(pairs, plan.domain, u)
        out = out.at[jnp.where(valid, pairs.site, plan.size)].set(value, mode="drop")
        sharing = pairs.active & (counts[pairs.site] > 1)
        rank = shared_count + jnp.cumsum(sharing.astype(jnp.int32)) - 1
        slot = jnp.where(sharing & (rank < budget), rank, budget)
        shared = jax.tree_util.tree_map(
            lambda kept, new: kept.at[slot].set(new, mode="drop"), shared, pairs
        )
        return number + 1, out, shared, shared_count + jnp.sum(sharing)

    # The first ``budget`` pairs on shared sites are copied into the carry as the
    # loop reads them (inactive zeros after the last). Gathered again after the
    # loop, they cost a block-by-block gather on every step; gathered inside the
    # pooling's branch, XLA fuses that gather's selects into every (entry, entry)
    # comparison of the pooling and recomputes them there (several times the
    # pooling's own cost).
    none = AttributePairs(
        jnp.zeros((budget,), bool),
        jnp.zeros((budget,), jnp.int32),
        jnp.zeros((budget, width), jnp.int32),
        jnp.zeros((budget, width), jnp.float32),
        jnp.zeros((budget,), jnp.float32),
    )
    _, out, gathered, shared_count = jax.lax.while_loop(
        more, draw, (jnp.int32(0), out, none, jnp.int32(0))
    )

    def pooled(count: int, gate: jax.Array, base: jax.Array) -> jax.Array:
        """``base`` with the sites of the first ``count`` shared pairs pooled
        (``base`` unchanged where ``gate`` is False)."""
        pairs = _gated(jax.tree_util.tree_map(lambda x: x[:count], gathered), gate)
        drawn = _group_draw(
            _pool_group(pairs, plan.domain), plan.domain, key_group, budget
        )
        target = jnp.where(pairs.active, pairs.site, plan.size)
        return base.at[target].set(drawn, mode="drop")

    # Pooling costs (pairs x support)^2, so the first FIRST_CONFLICTS shared
    # pairs are pooled always and the whole budget only in a loop that runs once
    # when (under vmap: for any member of the batch) there are more.
    # Everything in the loop body depends on its flag, so that XLA cannot hoist
    # it out of the loop as loop-invariant code (it would then run every step).
    # (The whole budget's sites include the first pairs' sites, so pooling it
    # over ``first`` draws what pooling it over ``out`` draws.)
    small = min(FIRST_CONFLICTS, budget)
    if batch_axis in ((), None):
        first = pooled(small, jnp.bool_(True), out)
    else:
        # The branch's flag is its operand, so that the pooling depends on it.
        some = any_member(shared_count > 0, batch_axis)
        first = jax.lax.cond(
            some, lambda gate: pooled(small, gate, out), lambda gate: out, some
        )
    if small == budget:
        return first
    return _whole_budget_if_needed(
        lambda gate, base: pooled(budget, gate, base),
        first,
        shared_count > small,
        batch_axis,
    )


def _whole_budget_if_needed(pooled, first, more: jax.Array, batch_axis=None):
    """``first`` (the first ``FIRST_CONFLICTS`` shared pairs pooled), or
    ``pooled(True, first)`` (the whole budget) when ``more`` — in a ``while_loop``
    that runs once when (for any member of ``batch_axis``) there are more.

    ``pooled(gate, base)`` must depend on ``gate`` throughout, so that XLA cannot
    hoist it out of the loop as loop-invariant code (it would then run every step);
    with ``batch_axis`` it must return ``base`` where ``gate`` is false."""
    _, out = jax.lax.while_loop(
        lambda carry: any_member(carry[0], batch_axis),
        lambda carry: (jnp.bool_(False), pooled(*carry)),
        (more, first),
    )
    return out


# -- public entry points -------------------------------------------------------------
def _leaf_offsets(layout: Layout, state: PyTree) -> list[jax.Array]:
    """Every leaf as a flat int32 vector of offsets from its domain's low end."""
    leaves = jax.tree_util.tree_leaves(state)
    out = []
    for attribute, leaf in zip(layout.schema.attributes, leaves, strict=True):
        leaf = jnp.asarray(leaf)
        if attribute.scale != 1.0:
            leaf = jnp.round(leaf * attribute.scale)
        out.append(jnp.reshape(leaf, (-1,)).astype(jnp.int32) - attribute.low)
    return out


def sample_state(
    layout: Layout,
    state: PyTree,
    action: jax.Array,
    weights: jax.Array,
    log_components: jax.Array,
    persistence: jax.Array,
    epsilon: float,
    key: jax.Array,
    chunk: int = ACTIVE_CHUNK,
    dense: bool = False,
    batch_axis=None,
) -> PyTree:
    """Draw a next state (same pytree as ``state``) from the pooled model.

    ``"budget"`` attributes visit only their active pairs, ``chunk`` per loop turn
    (:func:`_draw_budget_chunked`); ``dense=True`` runs the reference path over
    every pair instead, which draws the same state for the same key and chunk.
    ``batch_axis``: the ``axis_name`` (or tuple of names) of the ``vmap`` this
    runs under, if any; its loops and conflict pooling are then decided once for
    the batch (the same draws).
    """
    if int(chunk) < 1:
        raise ValueError(
            f"chunk must be at least 1 active pair per loop turn, got {chunk}"
        )
    blocks = evaluate_blocks(layout, state, action, weights, log_components, epsilon)
    schema = layout.schema
    template, treedef = jax.tree_util.tree_flatten(state)
    leaves = _leaf_offsets(layout, state)
    keys = jax.random.split(key, len(schema.attributes))
    new_leaves = []
    for plan, attribute, leaf, like in zip(
        attribute_plans(layout), schema.attributes, leaves, template, strict=True
    ):
        key_persist, key_pool, key_group = jax.random.split(keys[plan.attribute], 3)
        out = _persist(
            plan.size, plan.domain, leaf, persistence[plan.attribute], key_persist
        )
        own = [blocks[b] for b in plan.blocks]
        if plan.mode == "budget" and not dense:
            out = _draw_budget_chunked(
                plan, own, out, key_pool, key_group, chunk, batch_axis
            )
        elif plan.mode != "none":
            pairs = _as_attribute_pairs(own, plan.support)
            if plan.mode == "group":
                group = _pool_group(pairs, plan.domain)
                value = _group_draw(group, plan.domain, key_group)
                write = group.leader
            else:
                if plan.mode == "budget":
                    u = _rank_uniforms(key_pool, pairs.active)
                else:
                    u = jax.random.uniform(key_pool, (plan.pairs,))
                value = _single_draw(pairs, plan.domain, u)
                write = pairs.active
                if plan.mode == "budget":
                    index, valid, shared = _conflicts(plan, pairs)
                    group = _pool_group(_gather(pairs, index, valid), plan.domain)
                    drawn = _group_draw(group, plan.domain, key_group)
                    # Pairs in the budget take the exact draw of their site.
                    value = value.at[index].set(jnp.where(valid, drawn, value[index]))
            target = jnp.where(write, pairs.site, plan.size)
            out = out.at[target].set(value, mode="drop")
        new = out + attribute.low
        if attribute.scale != 1.0:
            new = new / attribute.scale
        new_leaves.append(
            jnp.reshape(new, attribute.shape).astype(jnp.asarray(like).dtype)
        )
    return jax.tree_util.tree_unflatten(treedef, new_leaves)


def _in_budget(index: jax.Array, valid: jax.Array, size: int) -> jax.Array:
    """bool ``(size,)``: pairs gathered into the conflict budget."""
    return (
        jnp.zeros((size,), bool)
        .at[jnp.where(valid, index, size)]
        .set(True, mode="drop")
    )


class Scorer(NamedTuple):
    """What scoring a next state of one transition needs, computed once."""

    grouped: dict[int, AttributePairs]
    groups: dict[int, Any]


def prepare_scorer(
    layout: Layout,
    state: PyTree,
    action: jax.Array,
    weights: jax.Array,
    log_components: jax.Array,
    epsilon: float,
) -> Scorer:
    grouped = evaluate_attributes(
        layout, state, action, weights, log_components, epsilon
    )
    groups = {}
    for plan in attribute_plans(layout):
        if plan.mode == "group":
            groups[plan.attribute] = (
                _scoring_group(_pool_group(grouped[plan.attribute], plan.domain)),
            )
        elif plan.mode == "budget":
            groups[plan.attribute] = _conflict_group(plan, grouped[plan.attribute])
    return Scorer(grouped, groups)


def _scoring_group(group: _Group, rows: int | None = None) -> _Group:
    """``group`` without the ``(E, E)`` and ``(G, E)`` masks only drawing needs,
    padded with inactive pairs to ``rows`` pairs (``rows * S`` entries)."""
    count = group.leader.shape[0]
    rows = count if rows is None else rows

    def pad(x, fill, per_pair=True):
        extra = (rows - count) * (1 if per_pair else x.shape[0] // max(count, 1))
        widths = [(0, extra)] + [(0, 0)] * (x.ndim - 1)
        return jnp.pad(x, widths, constant_values=fill)

    pairs = group.pairs
    return _Group(
        AttributePairs(
            pad(pairs.active, False),
            pad(pairs.site, 0),
            pad(pairs.values, -1),
            pad(pairs.q, 0.0),
            pad(pairs.reliable, 0.0),
        ),
        pad(group.entry_site, 0, per_pair=False),
        pad(group.entry_value, -1, per_pair=False),
        pad(group.first, False, per_pair=False),
        pad(group.score, 0.0, per_pair=False),
        None,
        pad(group.leader, False),
        None,
        pad(group.rest, 0.0),
        pad(group.union, 0),
        pad(group.log_normaliser, 0.0),
    )


def _conflict_group(plan: AttributePlan, pairs: AttributePairs):
    """``(group, index, valid, shared)`` of a ``"budget"`` attribute for scoring:
    its conflicting pairs (:func:`_conflicts`) pooled exactly.

    As in sampling (:func:`_draw_budget_chunked`), the first ``FIRST_CONFLICTS``
    shared pairs are pooled always and the whole budget only in a loop that runs
    once when (under ``vmap``: for any member of the batch) there are more; both
    give a group of the budget's rows, the unused ones inactive."""
    index, valid, shared = _conflicts(plan, pairs)
    budget = index.shape[0]

    def pooled(count: int, gate: jax.Array) -> _Group:
        chosen = _gated(_gather(pairs, index[:count], valid[:count]), gate)
        return _scoring_group(_pool_group(chosen, plan.domain), budget)

    small = min(FIRST_CONFLICTS, budget)
    group = pooled(small, jnp.bool_(True))
    if small < budget:
        # Unnamed vmap: each member keeps its own carry where its flag is false.
        group = _whole_budget_if_needed(
            lambda gate, _: pooled(budget, gate), group, jnp.sum(shared) > small
        )
    return group, index, valid, shared


class ScoringRoles(NamedTuple):
    """How each pair of one attribute takes part in scoring its site (``P`` pairs).

    - ``leader``: bool ``(P,)`` the pair whose pooled value scores its site (one
      per covered site).
    - ``grouped``: bool ``(P,)`` the pair's site is pooled exactly by the
      attribute's group (``mode == "group"``, or a conflict in the budget).
    - ``slot``: int32 ``(P,)`` the pair's position in that group (0 otherwise).
    - ``group``: the attribute's :class:`_Group`, or ``None`` for ``"single"``.
    """

    leader: jax.Array
    grouped: jax.Array
    slot: jax.Array
    group: Any


def scoring_roles(
    plan: AttributePlan, scorer: Scorer, pairs: AttributePairs
) -> ScoringRoles:
    """The :class:`ScoringRoles` of one attribute's pairs on one transition."""
    if plan.mode == "group":
        (group,) = scorer.groups[plan.attribute]
        every = jnp.ones((plan.pairs,), bool)
        return ScoringRoles(
            group.leader, every, jnp.arange(plan.pairs, dtype=jnp.int32), group
        )
    if plan.mode != "budget":
        none = jnp.zeros((plan.pairs,), bool)
        return ScoringRoles(
            pairs.active, none, jnp.zeros((plan.pairs,), jnp.int32), None
        )
    group, index, valid, shared = scorer.groups[plan.attribute]
    in_budget = _in_budget(index, valid, plan.pairs)
    # Conflicting pairs in the budget: only each site's leader counts.
    leader = pairs.active & ~in_budget
    leader = leader.at[jnp.where(valid & group.leader, index, plan.pairs)].set(
        True, mode="drop"
    )
    # Conflicting pairs beyond the budget: count once per site.
    beyond = shared & ~in_budget
    leader = leader & ~(beyond & ~_first_at_site(plan, pairs, beyond))
    slot = (
        jnp.zeros((plan.pairs,), jnp.int32)
        .at[jnp.where(valid, index, plan.pairs)]
        .set(jnp.arange(index.shape[0], dtype=jnp.int32), mode="drop")
    )
    return ScoringRoles(leader, in_budget, slot, group)


def persistence_log_probs(
    domain: int | jax.Array, rho: jax.Array, leaf: jax.Array, following: jax.Array
) -> jax.Array:
    """float32: the persistence default's log-probability of ``following``
    (offsets) given the current ``leaf`` (offsets, same shape); ``-inf`` outside
    the domain. ``domain`` (the number of values) and ``rho`` are scalars or
    arrays of ``leaf``'s shape (one per site)."""
    inside = (following >= 0) & (following < domain)
    if isinstance(domain, int):
        log_others = float(np.log(max(domain - 1, 1)))
    else:
        log_others = jnp.log(jnp.maximum(domain - 1, 1).astype(jnp.float32))
    persistent = jnp.where(
        following == leaf, jnp.log(rho), jnp.log1p(-rho) - log_others
    )
    persistent = jnp.where(jnp.asarray(domain) == 1, 0.0, persistent)
    return jnp.where(inside, persistent, -jnp.inf)


def site_log_probs_of_attribute(
    plan: AttributePlan,
    scorer: Scorer,
    persistence: jax.Array,
    leaf: jax.Array,
    following: jax.Array,
    roles: ScoringRoles | None = None,
) -> jax.Array:
    """float32 ``(plan.size,)``: ``log p_s`` of the next value at every site of one
    attribute, given the current and next leaves (offsets, ``(plan.size,)``);
    ``-inf`` outside the domain. ``roles``: the attribute's
    :func:`scoring_roles`, if the caller has them."""
    inside = (following >= 0) & (following < plan.domain)
    persistent = persistence_log_probs(
        plan.domain, persistence[plan.attribute], leaf, following
    )
    if plan.mode == "none":
        return persistent
    pairs = scorer.grouped[plan.attribute]
    observed = jnp.clip(following[pairs.site], 0, plan.domain - 1)
    if roles is None:
        roles = scoring_roles(plan, scorer, pairs)
    if plan.mode == "group":
        pooled = _group_log_prob(roles.group, plan.domain, observed)
    else:
        pooled = _single_log_prob(pairs, plan.domain, observed)
        if plan.mode == "budget":
            _, index, _, _ = scorer.groups[plan.attribute]
            exact = _group_log_prob(roles.group, plan.domain, observed[index])
            pooled = jnp.where(roles.grouped, exact[roles.slot], pooled)
    # Each covered site's pooled value replaces its persistence term, so that
    # candidates which differ only in equally likely values get bit-identical
    # totals (ties stay ties, as in the whole-state pooling).
    pooled = jnp.where(inside[pairs.site], pooled, -jnp.inf)
    return persistent.at[jnp.where(roles.leader, pairs.site, plan.size)].set(
        pooled, mode="drop"
    )


def score_state(
    layout: Layout,
    scorer: Scorer,
    persistence: jax.Array,
    state_leaves: list[jax.Array],
    next_leaves: list[jax.Array],
) -> jax.Array:
    """float32: ``log p(next_state | state, action)`` from a :class:`Scorer`;
    the leaves are :func:`_leaf_offsets` of the two states."""
    total = jnp.float32(0.0)
    for plan, leaf, following in zip(
        attribute_plans(layout), state_leaves, next_leaves, strict=True
    ):
        total = total + jnp.sum(
            site_log_probs_of_attribute(plan, scorer, persistence, leaf, following)
        )
    return total


def _first_at_site(plan: AttributePlan, pairs: AttributePairs, mask: jax.Array):
    """bool ``(P,)``: the lowest-index pair of ``mask`` at its site."""
    index = jnp.arange(plan.pairs)
    lowest = (
        jnp.full((plan.size,), plan.pairs, jnp.int32)
        .at[pairs.site]
        .min(jnp.where(mask, index, plan.pairs))
    )
    return mask & (lowest[pairs.site] == index)


def leaf_offsets(layout: Layout, state: PyTree) -> list[jax.Array]:
    """Public alias of the flat offset leaves used by :func:`score_state`."""
    return _leaf_offsets(layout, state)
