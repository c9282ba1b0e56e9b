"""Pooling the active laws' predictions into one distribution per site.

For a site ``j`` (one element of one attribute, domain ``D_j``) with active pairs
``I_j``, each law ``i`` predicts a smoothed categorical

    p~_i(v) = (1 - eps) q_i(v) + eps / |D_j|

(``q_i`` is the law's own distribution over its support), and the model is the
weighted product of experts

    p_j(v) ∝ prod_{i in I_j} p~_i(v) ** w_i,

with one non-negative weight ``w_i`` per law. Every value outside all supports
gets the same score, so the normaliser is computed from the union of supports
plus one analytic "rest" term and the domain is never enumerated.

A site that no active law speaks about uses the *persistence default* of its
attribute ``k``: it keeps its value with probability ``rho_k`` and otherwise
takes any other value of its domain uniformly. Sampling, scoring and fitting all
use exactly these two rules.

The per-transition computation groups support entries into *cells* ``(site,
value)`` with a sort (``jnp.unique`` with a static size), so its cost grows with
the number of pairs, not with the domain sizes.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from symworld.programs.layout import Layout, Pairs

BIG = jnp.iinfo(jnp.int32).max


class SiteConstants(NamedTuple):
    """Per-site constants of a schema (``N`` sites): attribute index, domain low
    end and domain size, all int32 ``(N,)``."""

    attribute: jax.Array
    low: jax.Array
    size: jax.Array


def site_constants(layout: Layout) -> SiteConstants:
    schema = layout.schema
    return SiteConstants(
        jnp.asarray(schema.site_attribute()),
        jnp.asarray(schema.site_low()),
        jnp.asarray(schema.site_domain_size()),
    )


class Pooled(NamedTuple):
    """The pooled next-state distribution of one transition.

    - ``covered``: bool ``(N,)`` sites some active law speaks about.
    - ``rest``: float32 ``(N,)`` score of a value outside every active support.
    - ``log_normaliser``: float32 ``(N,)``.
    - ``cell_key``: int32 ``(E,)`` sorted keys ``site * V + value - low`` (``BIG`` =
      unused); ``cell_score``: float32 ``(E,)`` the score of each cell.
    """

    covered: jax.Array
    rest: jax.Array
    log_normaliser: jax.Array
    cell_key: jax.Array
    cell_score: jax.Array


def support_log_probs(
    pairs: Pairs, components: jax.Array, log_components: jax.Array
) -> jax.Array:
    """float32 ``(P, S)``: log-probability of each support entry (fixed offset plus
    the learnable components it multiplies)."""
    learned = jnp.where(
        components >= 0, log_components[jnp.clip(components, 0, None)], 0.0
    ).sum(-1)
    return pairs.log_offset + learned


def reliability(weights: jax.Array, epsilon: float) -> jax.Array:
    """The reliability ``r = (1 - eps) (1 - exp(-w))`` of laws with weights ``w``."""
    return (1.0 - epsilon) * -jnp.expm1(-jnp.maximum(weights, 0.0))


def law_log_probs(
    values: jax.Array, log_q: jax.Array, domain: jax.Array, reliable: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Merge duplicate support values of each pair and mix with the uniform.

    ``reliable`` is each pair's reliability ``r`` (``(P,)``). Returns ``first``
    (bool ``(P, S)``: the entry is the first of its value), ``log_p`` (float32
    ``(P, S)``: ``log(r q(v) + (1 - r) / |D|)`` of the entry's value) and ``floor``
    (float32 ``(P,)``: ``log((1 - r) / |D|)``, any value outside the support).
    """
    valid = jnp.isfinite(log_q)
    same = (values[:, :, None] == values[:, None, :]) & valid[:, None, :]
    mass = jnp.sum(jnp.where(same, jnp.exp(log_q)[:, None, :], 0.0), axis=-1)
    support = log_q.shape[-1]
    earlier = jnp.tril(jnp.ones((support, support), bool), k=-1)
    first = valid & ~jnp.any(same & earlier[None], axis=-1)
    floor = jnp.log1p(-reliable) - jnp.log(domain.astype(jnp.float32))
    log_p = jnp.logaddexp(
        jnp.log(jnp.maximum(reliable, 1e-38))[:, None]
        + jnp.log(jnp.maximum(mass, 1e-38)),
        floor[:, None],
    )
    return first, log_p, floor


def pool(
    layout: Layout,
    constants: SiteConstants,
    pairs: Pairs,
    weights: jax.Array,
    log_components: jax.Array,
    epsilon: float,
) -> Pooled:
    """Pool one transition's active pairs (see the module docstring)."""
    num_sites = constants.size.shape[0]
    span = layout.value_span
    pair_law = jnp.asarray(layout.pair_law)
    components = jnp.asarray(layout.pair_components)
    site = pairs.site
    domain = constants.size[site]
    low = constants.low[site]
    reliable = reliability(weights, epsilon)[pair_law]

    log_q = support_log_probs(pairs, components, log_components)
    first, log_p, floor = law_log_probs(pairs.values, log_q, domain, reliable)
    use = first & pairs.active[:, None]
    bonus = jnp.where(use, log_p - floor[:, None], 0.0)

    rest = jax.ops.segment_sum(jnp.where(pairs.active, floor, 0.0), site, num_sites)
    covered = jax.ops.segment_sum(pairs.active.astype(jnp.int32), site, num_sites) > 0

    keys = jnp.where(use, site[:, None] * span + (pairs.values - low[:, None]), BIG)
    size = keys.size
    cell_key, inverse = jnp.unique(
        keys.reshape(-1), size=size, fill_value=BIG, return_inverse=True
    )
    inverse = inverse.reshape(-1)
    cell_bonus = jax.ops.segment_sum(bonus.reshape(-1), inverse, size)
    cell_valid = cell_key != BIG
    cell_site = jnp.where(cell_valid, cell_key // span, 0)
    cell_score = jnp.where(cell_valid, rest[cell_site] + cell_bonus, -jnp.inf)

    count = jax.ops.segment_sum(cell_valid.astype(jnp.int32), cell_site, num_sites)
    remaining = constants.size - count
    rest_total = jnp.where(
        remaining > 0,
        rest + jnp.log(jnp.maximum(remaining, 1).astype(jnp.float32)),
        -jnp.inf,
    )
    top = jnp.maximum(jax.ops.segment_max(cell_score, cell_site, num_sites), rest_total)
    top = jnp.where(jnp.isfinite(top), top, 0.0)
    total = jax.ops.segment_sum(
        jnp.where(cell_valid, jnp.exp(cell_score - top[cell_site]), 0.0),
        cell_site,
        num_sites,
    ) + jnp.exp(rest_total - top)
    log_normaliser = top + jnp.log(total)
    return Pooled(covered, rest, log_normaliser, cell_key, cell_score)


def site_log_probs(
    layout: Layout,
    constants: SiteConstants,
    pooled: Pooled,
    persistence: jax.Array,
    state: jax.Array,
    next_state: jax.Array,
) -> jax.Array:
    """float32 ``(N,)``: log-probability of each site of an encoded next state."""
    span = layout.value_span
    num_sites = constants.size.shape[0]
    offset = next_state - constants.low
    inside = (offset >= 0) & (offset < constants.size)
    key = jnp.arange(num_sites, dtype=jnp.int32) * span + jnp.clip(offset, 0, span - 1)
    position = jnp.clip(
        jnp.searchsorted(pooled.cell_key, key), 0, pooled.cell_key.shape[0] - 1
    )
    found = pooled.cell_key[position] == key
    score = jnp.where(found, pooled.cell_score[position], pooled.rest)
    pooled_log_prob = score - pooled.log_normaliser

    rho = persistence[constants.attribute]
    others = jnp.maximum(constants.size - 1, 1).astype(jnp.float32)
    persistent = jnp.where(
        next_state == state, jnp.log(rho), jnp.log1p(-rho) - jnp.log(others)
    )
    persistent = jnp.where(constants.size == 1, 0.0, persistent)
    log_prob = jnp.where(pooled.covered, pooled_log_prob, persistent)
    return jnp.where(inside, log_prob, -jnp.inf)


def sample_sites(
    key: jax.Array,
    layout: Layout,
    constants: SiteConstants,
    pooled: Pooled,
    persistence: jax.Array,
    state: jax.Array,
    retries: int = 4,
) -> jax.Array:
    """Draw an encoded next state: exact Gumbel-max over each covered site's cells
    and its rest mass; a value from the rest mass is drawn uniformly among values
    outside the active supports by up to ``retries`` rejection draws (the rest
    mass is at most ``eps`` per law, so a failed draw is rare; it then keeps the
    last draw)."""
    span = layout.value_span
    num_sites = constants.size.shape[0]
    key_cells, key_rest, key_uniform, key_keep, key_other = jax.random.split(key, 5)

    cell_valid = pooled.cell_key != BIG
    cell_site = jnp.where(cell_valid, pooled.cell_key // span, 0)
    cell_value = pooled.cell_key % span
    perturbed = pooled.cell_score + jax.random.gumbel(
        key_cells, pooled.cell_score.shape
    )
    perturbed = jnp.where(cell_valid, perturbed, -jnp.inf)
    best = jax.ops.segment_max(perturbed, cell_site, num_sites)
    chosen = jax.ops.segment_max(
        jnp.where(cell_valid & (perturbed >= best[cell_site]), cell_value, -1),
        cell_site,
        num_sites,
    )
    count = jax.ops.segment_sum(cell_valid.astype(jnp.int32), cell_site, num_sites)
    remaining = constants.size - count
    rest_total = jnp.where(
        remaining > 0,
        pooled.rest + jnp.log(jnp.maximum(remaining, 1).astype(jnp.float32)),
        -jnp.inf,
    )
    rest_perturbed = rest_total + jax.random.gumbel(key_rest, (num_sites,))
    use_rest = rest_perturbed > best

    sites = jnp.arange(num_sites, dtype=jnp.int32)
    draw = jnp.zeros((num_sites,), jnp.int32)
    accepted = jnp.zeros((num_sites,), bool)
    for attempt in range(retries):
        candidate = jax.random.randint(
            jax.random.fold_in(key_uniform, attempt), (num_sites,), 0, constants.size
        )
        probe = sites * span + candidate
        position = jnp.clip(
            jnp.searchsorted(pooled.cell_key, probe), 0, pooled.cell_key.shape[0] - 1
        )
        free = pooled.cell_key[position] != probe
        draw = jnp.where(accepted, draw, candidate)
        accepted = accepted | free
    pooled_value = jnp.where(use_rest, draw, chosen) + constants.low

    rho = persistence[constants.attribute]
    keep = jax.random.uniform(key_keep, (num_sites,)) < rho
    shift = jax.random.randint(
        key_other, (num_sites,), 1, jnp.maximum(constants.size, 2)
    )
    other = (state - constants.low + shift) % constants.size + constants.low
    persistent_value = jnp.where(keep | (constants.size == 1), state, other)
    return jnp.where(pooled.covered, pooled_value, persistent_value).astype(jnp.int32)
