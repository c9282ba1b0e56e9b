"""Fitting a law set: the numpyro program, the active-pair data it consumes, and
MAP / SVI / NUTS inference.

:func:`compile_transitions` runs every law once on every transition (vmapped in
chunks) and keeps only the *active* pairs, then groups their support entries into
cells ``(transition, site, value)`` with numpy. :func:`law_model` is an ordinary
numpyro model over that data:

- ``weights ~ Exponential(rate)`` (one per law; the MAP objective is the L1
  penalty ``rate * sum(w)``);
- each :class:`~symworld.programs.law.Probability` ``~ Beta(a, b)`` and each
  :class:`~symworld.programs.law.Simplex` ``~ Dirichlet``;
- ``persistence ~ Beta(a, b)`` per attribute (the default for sites no active
  law speaks about);
- the log-likelihood of every observed next state, added with ``numpyro.factor``.

Its cost per evaluation is linear in the number of active (law, site) pairs plus
one term per attribute for all uncovered sites (their counts are precomputed).
Any numpyro inference runs it; :func:`fit` offers MAP (``AutoDelta`` + Adam, the
default), SVI (``AutoNormal``) and NUTS.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import optax
from numpyro import handlers
from numpyro.distributions.transforms import biject_to
from numpyro.infer import MCMC, NUTS, SVI, Trace_ELBO
from numpyro.infer.autoguide import AutoNormal
from numpyro.infer.initialization import init_to_value
from numpyro.infer.util import log_density

from symworld.programs.law import Probability, Simplex
from symworld.programs.layout import Layout, Pairs, evaluate_pairs
from symworld.programs.pooling import reliability

logger = logging.getLogger(__name__)

PyTree = Any


@dataclasses.dataclass(frozen=True)
class Priors:
    """Prior hyper-parameters.

    - ``weight_rate``: rate of the Exponential prior on each law weight (the L1
      coefficient of the MAP objective).
    - ``persistence``: ``(a, b)`` of the Beta prior on each attribute's
      persistence probability.
    - ``epsilon``: smoothing mass of each law's prediction (see pooling).
    """

    weight_rate: float = 1.0
    persistence: tuple[float, float] = (1.0, 1.0)
    epsilon: float = 1e-3

    def __post_init__(self) -> None:
        _positive("Priors.weight_rate", self.weight_rate)
        if not isinstance(self.persistence, tuple | list) or len(self.persistence) != 2:
            raise ValueError(
                "Priors.persistence must be the (a, b) pair of a Beta prior, got "
                f"{self.persistence!r}"
            )
        _positive("Priors.persistence[0]", self.persistence[0])
        _positive("Priors.persistence[1]", self.persistence[1])
        check_epsilon(self.epsilon, "Priors.epsilon")


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    )


def _positive(field: str, value: Any) -> None:
    """``ValueError`` naming ``field`` unless ``value`` is a positive finite number."""
    if not _is_real(value) or not (math.isfinite(value) and value > 0):
        raise ValueError(f"{field} must be a positive finite number, got {value!r}")


def check_epsilon(value: Any, field: str = "epsilon") -> float:
    """``value`` as a float, or ``ValueError`` naming ``field`` unless it lies
    strictly between 0 and 1 (the smoothing mass of each law's prediction: 0 lets
    one law veto a value, 1 or more leaves no prediction)."""
    if not _is_real(value) or not 0.0 < float(value) < 1.0:
        raise ValueError(
            f"{field} must be a number strictly between 0 and 1, got {value!r}"
        )
    return float(value)


class CompiledTransitions(NamedTuple):
    """Active-pair data of ``T`` transitions (``Pc`` active pairs, ``S`` support
    entries, ``Q`` covered slots, ``G`` cells); numpy arrays.

    Pair arrays: ``law`` (Pc,), ``slot`` (Pc,), ``domain`` (Pc,), ``components``
    (Pc, S, C), ``log_offset`` (Pc, S), ``same`` (Pc, S, S) duplicate mask,
    ``first`` (Pc, S), ``cell`` (Pc, S) (``G`` for unused entries). Slot arrays:
    ``slot_domain`` (Q,), ``slot_observed_cell`` (Q,) (-1: observed value outside
    every support), ``slot_cells`` (Q,). ``cell_slot`` (G,). Persistence counts
    per attribute: ``kept`` (K,), ``changed`` (K,), ``changed_log_others`` scalar
    (sum of ``-log(D - 1)`` over changed uncovered sites). ``slot_count`` (Q,)
    float32: how many identical covered slots each slot stands for (``None``: one
    each; see :func:`sufficient_statistics`). ``law_support`` (L,) int64: on how
    many of the ``T`` transitions each law was active on at least one site.

    Compiled once and passed to jitted code as an argument (not a constant).
    """

    num_transitions: int
    law: np.ndarray
    slot: np.ndarray
    domain: np.ndarray
    components: np.ndarray
    log_offset: np.ndarray
    first: np.ndarray
    same: np.ndarray
    cell: np.ndarray
    cell_slot: np.ndarray
    slot_domain: np.ndarray
    slot_observed_cell: np.ndarray
    slot_cells: np.ndarray
    kept: np.ndarray
    changed: np.ndarray
    changed_log_others: float
    slot_count: np.ndarray | None = None
    law_support: np.ndarray | None = None


PAIR_TABLE_BYTES = 1 << 29
"""Memory budget (bytes) of the pair table of one chunk of transitions in
:func:`compile_transitions`: 12,913 Crafter-OO pairs at 2,048 transitions a
chunk took about 9 GB resident."""


def pair_chunk(layout: Layout, budget: int = PAIR_TABLE_BYTES) -> int:
    """Transitions per chunk whose pair table (int32 values and float32 offsets,
    ``(P, S)`` each per transition) fits ``budget`` bytes; between 16 and 2,048."""
    per_transition = max(layout.num_pairs, 1) * layout.support * 8
    return int(np.clip(budget // per_transition, 16, 2048))


@functools.lru_cache(maxsize=4)
def _pairs_and_encoding(layout: Layout) -> Callable:
    """Every pair's prediction and the encoded state, batched; compiled once per
    layout and batch size (the few most recent layouts are kept: a model is
    compiled for its fit, the inducer compiles many short-lived candidate sets)."""
    return jax.jit(
        jax.vmap(lambda s, a: (evaluate_pairs(layout, s, a), layout.schema.encode(s)))
    )


def compile_transitions(
    layout: Layout,
    states: PyTree,
    actions: jax.Array,
    next_states: jax.Array,
    *,
    chunk: int | None = None,
) -> CompiledTransitions:
    """Evaluate every law on every transition and keep the active pairs.

    **Arguments:**

    - ``states``: the state pytree with a leading batch axis ``T``.
    - ``actions``: int32 ``(T,)``.
    - ``next_states``: the *encoded* next states, int32 ``(T, N)``
      (:meth:`Schema.encode_columns` or a vmapped :meth:`Schema.encode`).
    - ``chunk``: transitions per law evaluation; ``None`` sizes it from the
      layout (:func:`pair_chunk`) so that the pair table of one chunk stays near
      :data:`PAIR_TABLE_BYTES`. The result does not depend on it.
    """
    schema = layout.schema
    num_transitions = int(np.asarray(actions).shape[0])
    if chunk is None:
        chunk = pair_chunk(layout)
    # One compiled program per (layout, chunk): short data pads its one chunk
    # to a power of two, the last chunk of long data repeats its final row.
    chunk = min(chunk, 1 << max(num_transitions - 1, 0).bit_length())
    site_attribute = schema.site_attribute()
    site_low = schema.site_low()
    site_size = schema.site_domain_size()
    num_attributes = len(schema.attributes)
    next_states = np.asarray(next_states)

    parts: dict[str, list[np.ndarray]] = {
        "t": [],
        "pair": [],
        "site": [],
        "values": [],
        "offset": [],
    }
    kept = np.zeros(num_attributes, np.int64)
    changed = np.zeros(num_attributes, np.int64)
    changed_log_others = 0.0
    for start in range(0, num_transitions, chunk):
        stop = min(start + chunk, num_transitions)
        padded = np.minimum(np.arange(start, start + chunk), stop - 1)
        batch_states = jax.tree_util.tree_map(lambda x, r=padded: x[r], states)
        pairs, encoded = _pairs_and_encoding(layout)(
            batch_states, jnp.asarray(np.asarray(actions)[padded], jnp.int32)
        )
        pairs = Pairs(*(np.asarray(x)[: stop - start] for x in pairs))
        encoded = np.asarray(encoded)[: stop - start]
        following = next_states[start:stop]
        rows, columns = np.nonzero(pairs.active)
        parts["t"].append(rows + start)
        parts["pair"].append(columns)
        parts["site"].append(pairs.site[rows, columns])
        parts["values"].append(pairs.values[rows, columns])
        parts["offset"].append(pairs.log_offset[rows, columns])

        covered = np.zeros(encoded.shape, bool)
        covered[rows, pairs.site[rows, columns]] = True
        uncovered = ~covered & (site_size[None, :] > 1)
        same = following == encoded
        kept += np.bincount(
            site_attribute[np.nonzero(uncovered & same)[1]], minlength=num_attributes
        )
        changed_sites = np.nonzero(uncovered & ~same)[1]
        changed += np.bincount(site_attribute[changed_sites], minlength=num_attributes)
        changed_log_others -= float(np.log(site_size[changed_sites] - 1.0).sum())

    t = np.concatenate(parts["t"]).astype(np.int64)
    pair = np.concatenate(parts["pair"]).astype(np.int64)
    site = np.concatenate(parts["site"]).astype(np.int64)
    values = np.concatenate(parts["values"]).astype(np.int64)
    offset = np.concatenate(parts["offset"]).astype(np.float32)
    support = layout.support
    pair_law = layout.pair_law[pair].astype(np.int64)
    num_laws = len(layout.laws)
    law_support = np.bincount(
        np.unique(t * num_laws + pair_law) % num_laws, minlength=num_laws
    ).astype(np.int64)

    # Covered slots (transition, site).
    slot_key = t * schema.num_sites + site
    unique_slots, slot = np.unique(slot_key, return_inverse=True)
    slot_t = unique_slots // schema.num_sites
    slot_site = unique_slots % schema.num_sites
    slot_domain = site_size[slot_site].astype(np.int32)

    # Duplicate values inside a pair, and the first entry of each value.
    valid = np.isfinite(offset)
    same = (values[:, :, None] == values[:, None, :]) & valid[:, None, :]
    earlier = np.tril(np.ones((support, support), bool), k=-1)
    first = valid & ~np.any(same & earlier[None], axis=-1)

    # Cells (slot, value).
    low = site_low[site][:, None]
    span = layout.value_span
    cell_keys = np.where(first, slot[:, None] * span + (values - low), -1)
    unique_cells, cell = np.unique(cell_keys.reshape(-1), return_inverse=True)
    cell = cell.reshape(cell_keys.shape)
    has_unused = unique_cells.size > 0 and unique_cells[0] == -1
    if has_unused:
        cell = cell - 1
        unique_cells = unique_cells[1:]
    num_cells = unique_cells.size
    cell = np.where(first, cell, num_cells).astype(np.int32)
    cell_slot = (unique_cells // span).astype(np.int32)
    slot_cells = np.bincount(cell_slot, minlength=unique_slots.size).astype(np.int32)

    observed = next_states[slot_t, slot_site].astype(np.int64) - site_low[slot_site]
    observed_key = np.arange(unique_slots.size) * span + observed
    position = np.clip(
        np.searchsorted(unique_cells, observed_key), 0, max(num_cells - 1, 0)
    )
    found = (
        (num_cells > 0) & (unique_cells[position] == observed_key)
        if num_cells
        else (np.zeros(unique_slots.size, bool))
    )
    slot_observed_cell = np.where(found, position, -1).astype(np.int32)

    return CompiledTransitions(
        num_transitions=num_transitions,
        law=pair_law.astype(np.int32),
        slot=slot.astype(np.int32),
        domain=site_size[site].astype(np.int32),
        components=layout.pair_components[pair].astype(np.int32),
        log_offset=offset,
        first=first,
        same=same,
        cell=cell,
        cell_slot=cell_slot,
        slot_domain=slot_domain,
        slot_observed_cell=slot_observed_cell,
        slot_cells=slot_cells,
        kept=kept.astype(np.float32),
        changed=changed.astype(np.float32),
        changed_log_others=changed_log_others,
        law_support=law_support,
    )


def sufficient_statistics(
    data: CompiledTransitions, *, bucket: bool = True
) -> CompiledTransitions:
    """Merge identical covered slots into one slot with a count.

    A covered slot's contribution to the log-likelihood depends only on its
    *configuration*: the laws of its active pairs, their fixed log-probability
    pieces and learnable components, which support entries share a value, which
    cell the observed value falls in, and the site's domain size. Slots with the
    same configuration (the same law predicting the same thing and being right or
    wrong in the same way, on thousands of transitions) are merged; the result
    holds each distinct configuration once, with ``slot_count`` saying how many
    slots it stands for. :func:`log_likelihood` of the result equals that of
    ``data`` (up to float rounding), but the optimisation loop touches only the
    distinct configurations.

    With ``bucket=True`` the pair, slot and cell axes are padded to powers of two
    (padding carries a count of 0), so that fits on data sets of similar size
    share one compiled optimiser.
    """
    law = np.asarray(data.law)
    slot = np.asarray(data.slot).astype(np.int64)
    cell = np.asarray(data.cell).astype(np.int64)
    cell_slot = np.asarray(data.cell_slot).astype(np.int64)
    slot_domain = np.asarray(data.slot_domain)
    slot_cells = np.asarray(data.slot_cells)
    observed = np.asarray(data.slot_observed_cell).astype(np.int64)
    same = np.asarray(data.same)
    log_offset = np.asarray(data.log_offset, np.float32)
    components = np.asarray(data.components)
    old_count = (
        np.ones(slot_domain.shape[0], np.float32)
        if data.slot_count is None
        else np.asarray(data.slot_count, np.float32)
    )
    num_pairs, support = log_offset.shape if log_offset.ndim == 2 else (0, 1)
    num_slots = slot_domain.shape[0]
    num_cells = cell_slot.shape[0]

    if num_slots:
        # Every valid entry's value as a slot-local cell id (-1: unused entry).
        first_same = np.argmax(same, axis=-1)
        value_cell = np.take_along_axis(cell, first_same, axis=-1)
        valid = same.any(axis=-1)
        slot_first_cell = np.searchsorted(cell_slot, np.arange(num_slots))
        local = np.where(valid, value_cell - slot_first_cell[slot][:, None], -1)
        observed_local = np.where(observed >= 0, observed - slot_first_cell, -1)
        pair_rows = np.concatenate(
            [
                law[:, None].astype(np.int64),
                local,
                log_offset.view(np.int32).astype(np.int64),
                components.reshape(num_pairs, -1).astype(np.int64),
            ],
            axis=1,
        )
        order = np.argsort(slot, kind="stable")
        per_slot = np.bincount(slot, minlength=num_slots)
        starts = np.concatenate([[0], np.cumsum(per_slot)[:-1]])
        header = np.stack([slot_domain, slot_cells, observed_local], axis=1).astype(
            np.int64
        )
        keep = np.zeros(num_slots, bool)
        count = np.zeros(num_slots, np.float64)
        for k in np.unique(per_slot):
            members = np.nonzero(per_slot == k)[0]
            rows = pair_rows[order[starts[members][:, None] + np.arange(k)]]
            rows = np.concatenate([header[members], rows.reshape(len(members), -1)], 1)
            _, first, inverse = np.unique(
                rows, axis=0, return_index=True, return_inverse=True
            )
            representative = members[first]
            keep[representative] = True
            np.add.at(count, representative[inverse.reshape(-1)], old_count[members])
    else:
        keep = np.zeros(0, bool)
        count = np.zeros(0, np.float64)

    slot_map = np.cumsum(keep) - 1
    pair_keep = keep[slot]
    cell_keep = keep[cell_slot] if num_cells else np.zeros(0, bool)
    cell_map = np.cumsum(cell_keep) - 1
    new_slots = int(keep.sum())
    new_cells = int(cell_keep.sum())
    new_pairs = int(pair_keep.sum())

    pad_pairs, pad_slots, pad_cells = new_pairs, new_slots, new_cells
    if bucket:
        pad_pairs = _bucket(new_pairs)
        pad_slots = _bucket(new_slots + 1)
        pad_cells = _bucket(new_cells)
    unused = pad_cells  # the cell index of entries that open no cell

    def padded(values, size, fill):
        out = np.full((size,) + values.shape[1:], fill, values.dtype)
        out[: values.shape[0]] = values
        return out

    pair_cell = cell[pair_keep]
    pair_cell = (
        np.where(
            pair_cell >= num_cells,
            unused,
            cell_map[np.clip(pair_cell, 0, num_cells - 1)],
        )
        if num_cells
        else np.full(pair_cell.shape, unused)
    )
    spare = new_slots  # padding pairs and cells belong to the first spare slot
    new_slot_domain = padded(slot_domain[keep].astype(np.int32), pad_slots, 2)
    new_slot_cells = padded(slot_cells[keep].astype(np.int32), pad_slots, 0)
    if pad_slots > new_slots:
        new_slot_cells[spare] = pad_cells - new_cells
        new_slot_domain[spare] = pad_cells - new_cells + 2
    kept_observed = observed[keep]
    kept_observed = (
        np.where(kept_observed >= 0, cell_map[np.clip(kept_observed, 0, None)], -1)
        if num_cells
        else kept_observed
    )
    return CompiledTransitions(
        num_transitions=data.num_transitions,
        law=padded(law[pair_keep].astype(np.int32), pad_pairs, 0),
        slot=padded(slot_map[slot[pair_keep]].astype(np.int32), pad_pairs, spare),
        domain=padded(
            np.asarray(data.domain)[pair_keep].astype(np.int32), pad_pairs, 2
        ),
        components=padded(components[pair_keep].astype(np.int32), pad_pairs, -1),
        log_offset=padded(log_offset[pair_keep], pad_pairs, -np.inf),
        first=padded(np.asarray(data.first)[pair_keep], pad_pairs, False),
        same=padded(same[pair_keep], pad_pairs, False),
        cell=padded(pair_cell.astype(np.int32), pad_pairs, unused),
        cell_slot=padded(
            slot_map[cell_slot[cell_keep]].astype(np.int32), pad_cells, spare
        ),
        slot_domain=new_slot_domain,
        slot_observed_cell=padded(kept_observed.astype(np.int32), pad_slots, -1),
        slot_cells=new_slot_cells,
        kept=data.kept,
        changed=data.changed,
        changed_log_others=data.changed_log_others,
        slot_count=padded(count[keep].astype(np.float32), pad_slots, 0.0),
        law_support=data.law_support,
    )


def _bucket(size: int, smallest: int = 64) -> int:
    """The next power of two >= ``size`` (at least ``smallest``)."""
    return max(smallest, 1 << max(int(size) - 1, 0).bit_length())


def log_components_from(layout: Layout, values: dict[str, jax.Array]) -> jax.Array:
    """float32 ``(C,)`` log-probability components from constrained parameter
    values keyed ``"law/param"``."""
    pieces = []
    for law_index, parameter in layout.parameters:
        name = f"{layout.laws[law_index].name}/{parameter.name}"
        value = values[name]
        if isinstance(parameter, Probability):
            value = jnp.clip(value, 1e-7, 1 - 1e-7)
            pieces.append(jnp.stack([jnp.log(value), jnp.log1p(-value)]))
        else:
            pieces.append(jnp.log(jnp.clip(value, 1e-12, 1.0)))
    if not pieces:
        return jnp.zeros((0,), jnp.float32)
    return jnp.concatenate(pieces).astype(jnp.float32)


@functools.partial(jax.jit, static_argnames=("epsilon",))
def log_likelihood(
    data: CompiledTransitions,
    weights: jax.Array,
    log_components: jax.Array,
    persistence: jax.Array,
    epsilon: float,
) -> jax.Array:
    """Sum of ``log p(next_state | state, action)`` over the compiled transitions
    (float32 scalar)."""
    num_slots = data.slot_domain.shape[0]
    num_cells = data.cell_slot.shape[0]
    components = jnp.asarray(data.components)
    learned = jnp.where(
        components >= 0,
        log_components[jnp.clip(components, 0, None)] if log_components.size else 0.0,
        0.0,
    ).sum(-1)
    log_q = jnp.asarray(data.log_offset) + learned
    valid = jnp.isfinite(jnp.asarray(data.log_offset))
    mass = jnp.sum(
        jnp.where(
            jnp.asarray(data.same),
            jnp.exp(jnp.where(valid, log_q, -jnp.inf))[:, None, :],
            0.0,
        ),
        axis=-1,
    )
    domain = jnp.asarray(data.domain, jnp.float32)
    reliable = reliability(weights, epsilon)[jnp.asarray(data.law)]
    floor = jnp.log1p(-reliable) - jnp.log(domain)
    log_p = jnp.logaddexp(
        jnp.log(jnp.maximum(reliable, 1e-38))[:, None]
        + jnp.log(jnp.maximum(mass, 1e-38)),
        floor[:, None],
    )
    bonus = jnp.where(jnp.asarray(data.first), log_p - floor[:, None], 0.0)
    slot = jnp.asarray(data.slot)
    rest = jax.ops.segment_sum(floor, slot, num_slots)
    cell_bonus = jax.ops.segment_sum(
        bonus.reshape(-1), jnp.asarray(data.cell).reshape(-1), num_cells + 1
    )[:num_cells]
    cell_slot = jnp.asarray(data.cell_slot)
    cell_score = rest[cell_slot] + cell_bonus
    remaining = jnp.asarray(data.slot_domain - data.slot_cells)
    rest_total = jnp.where(
        remaining > 0,
        rest + jnp.log(jnp.maximum(remaining, 1).astype(jnp.float32)),
        -jnp.inf,
    )
    top = jnp.maximum(jax.ops.segment_max(cell_score, cell_slot, num_slots), rest_total)
    top = jax.lax.stop_gradient(jnp.where(jnp.isfinite(top), top, 0.0))
    total = jax.ops.segment_sum(
        jnp.exp(cell_score - top[cell_slot]), cell_slot, num_slots
    ) + jnp.exp(rest_total - top)
    log_normaliser = top + jnp.log(total)
    observed = jnp.asarray(data.slot_observed_cell)
    observed_score = jnp.where(
        observed >= 0, cell_score[jnp.clip(observed, 0, None)], rest
    )
    per_slot = observed_score - log_normaliser
    if data.slot_count is not None:
        per_slot = jnp.asarray(data.slot_count) * per_slot
    pooled = jnp.sum(per_slot)

    persistent = (
        jnp.sum(jnp.asarray(data.kept) * jnp.log(persistence))
        + jnp.sum(jnp.asarray(data.changed) * jnp.log1p(-persistence))
        + data.changed_log_others
    )
    return pooled + persistent


def law_model(layout: Layout, priors: Priors, data: CompiledTransitions | None) -> None:
    """The numpyro program of a law set (see the module docstring). With
    ``data=None`` it only samples the priors."""
    num_laws = len(layout.laws)
    num_attributes = len(layout.schema.attributes)
    weights = numpyro.sample(
        "weights",
        dist.Exponential(priors.weight_rate).expand([num_laws]).to_event(1),
    )
    values = {}
    for law_index, parameter in layout.parameters:
        name = f"{layout.laws[law_index].name}/{parameter.name}"
        if isinstance(parameter, Probability):
            values[name] = numpyro.sample(name, dist.Beta(*parameter.prior))
        else:
            values[name] = numpyro.sample(
                name, dist.Dirichlet(jnp.full(parameter.size, parameter.concentration))
            )
    a, b = priors.persistence
    persistence = numpyro.sample(
        "persistence", dist.Beta(a, b).expand([num_attributes]).to_event(1)
    )
    if data is None:
        return
    persistence = jnp.clip(persistence, 1e-6, 1 - 1e-6)
    log_components = log_components_from(layout, values)
    numpyro.factor(
        "transitions",
        log_likelihood(data, weights, log_components, persistence, priors.epsilon),
    )


def persistence_mode(
    kept: np.ndarray,
    changed: np.ndarray,
    prior: tuple[float, float],
    fallback: np.ndarray,
) -> np.ndarray:
    """Exact MAP of each attribute's persistence, float32 ``(K,)``.

    The persistence block of the log joint is separable: which sites no active law
    covers depends on the preconditions alone, so attribute ``k``'s persistence
    has the posterior ``Beta(a + kept_k, b + changed_k)`` whatever the weights,
    with mode ``(kept_k + a - 1) / (kept_k + changed_k + a + b - 2)``. Gradient
    steps reach it only slowly when ``changed_k`` is 0 or tiny (Adam moves every
    such logit by about the same amount per step), which would leave a 64 x 64
    map with several random tile changes per sampled step. Attributes with no
    uncovered observation keep ``fallback``; values are clipped to
    ``[1e-6, 1 - 1e-6]`` as in the model.
    """
    a, b = prior
    kept = np.asarray(kept, np.float64)
    changed = np.asarray(changed, np.float64)
    total = kept + changed + a + b - 2
    observed = (kept + changed > 0) & (total > 0)
    mode = (kept + a - 1) / np.where(observed, total, 1.0)
    rho = np.where(observed, mode, np.asarray(fallback, np.float64))
    return np.clip(rho, 1e-6, 1 - 1e-6).astype(np.float32)


def initial_values(layout: Layout) -> dict[str, jax.Array]:
    """Starting point of inference: weights 1, parameters at their ``init``,
    persistence 0.9."""
    values: dict[str, jax.Array] = {
        "weights": jnp.ones(len(layout.laws)),
        "persistence": jnp.full(len(layout.schema.attributes), 0.9),
    }
    for law_index, parameter in layout.parameters:
        name = f"{layout.laws[law_index].name}/{parameter.name}"
        if isinstance(parameter, Probability):
            values[name] = jnp.asarray(parameter.init)
        elif isinstance(parameter, Simplex):
            values[name] = jnp.full(parameter.size, 1.0 / parameter.size)
    return values


class FitResult(NamedTuple):
    """Outcome of :func:`fit`.

    - ``values``: point estimates (constrained) keyed by sample-site name:
      ``"weights"`` (L,), ``"persistence"`` (K,), ``"law/param"``.
    - ``losses``: float32 ``(steps,)`` the objective per step (empty for NUTS).
    - ``method``: ``"map"``, ``"svi"`` or ``"nuts"``.
    - ``samples``: posterior draws per site for NUTS/SVI, else ``None``.
    - ``law_support``: int64 ``(L,)`` transitions on which each law was active
      (set by :meth:`LawModel.fit`; ``None`` from :func:`fit` alone).
    """

    values: dict[str, np.ndarray]
    losses: np.ndarray
    method: str
    samples: dict[str, np.ndarray] | None
    law_support: np.ndarray | None = None


def fit(
    layout: Layout,
    data: CompiledTransitions,
    *,
    key: jax.Array,
    priors: Priors = Priors(),
    method: str = "map",
    steps: int = 1000,
    learning_rate: float = 0.05,
    num_samples: int = 500,
    num_warmup: int = 500,
) -> FitResult:
    """Fit a law set to compiled transitions.

    ``method``: ``"map"`` (AutoDelta guide, Adam; the default), ``"svi"``
    (AutoNormal mean-field guide, Adam; point estimate = posterior median,
    ``num_samples`` draws kept) or ``"nuts"`` (``num_warmup`` + ``num_samples``
    NUTS draws; point estimate = posterior mean).
    """

    def model(batch):
        law_model(layout, priors, batch)

    init_values = initial_values(layout)
    data = _as_jax(sufficient_statistics(data))
    logger.info(
        "sufficient statistics: %d distinct covered-slot configurations",
        int(np.sum(np.asarray(data.slot_count) > 0)),
    )
    if method == "map":
        run, transforms = _law_map_runner(layout, priors, steps, learning_rate)
        start = {
            name: transforms[name].inv(jnp.asarray(init_values[name]))
            for name in transforms
        }
        params, losses = run(start, data)
        values = {name: np.asarray(transforms[name](u)) for name, u in params.items()}
        values["persistence"] = persistence_mode(
            data.kept, data.changed, priors.persistence, values["persistence"]
        )
        return FitResult(values, np.asarray(losses), method, None)
    init = init_to_value(values=init_values)
    if method == "svi":
        guide = AutoNormal(model, init_loc_fn=init, init_scale=0.05)
        svi = SVI(model, guide, optax.adam(learning_rate), Trace_ELBO())
        result = svi.run(key, steps, data, progress_bar=False)
        values = {k: np.asarray(v) for k, v in guide.median(result.params).items()}
        draws = guide.sample_posterior(
            jax.random.fold_in(key, 1), result.params, sample_shape=(num_samples,)
        )
        samples = {k: np.asarray(v) for k, v in draws.items()}
        return FitResult(values, np.asarray(result.losses), method, samples)
    if method == "nuts":
        mcmc = MCMC(
            NUTS(model, init_strategy=init),
            num_warmup=num_warmup,
            num_samples=num_samples,
            progress_bar=False,
        )
        mcmc.run(key, data)
        draws = {k: np.asarray(v) for k, v in mcmc.get_samples().items()}
        values = {k: v.mean(axis=0) for k, v in draws.items()}
        return FitResult(values, np.zeros(0, np.float32), method, draws)
    raise ValueError(f"unknown fitting method {method!r}; use map, svi or nuts")


def _as_jax(data: CompiledTransitions) -> CompiledTransitions:
    return CompiledTransitions(
        *(jnp.asarray(x) if isinstance(x, np.ndarray) else x for x in data)
    )


@functools.lru_cache(maxsize=16)
def _law_map_runner(
    layout: Layout, priors: Priors, steps: int, learning_rate: float
) -> tuple[Any, dict[str, Any]]:
    """The compiled MAP optimiser of a law set, cached by layout, priors, step
    count and learning rate, so that every fit of the same model (and of data
    padded to the same bucket sizes, see :func:`sufficient_statistics`) reuses
    one XLA executable. The key only seeds the prior trace that finds each
    site's support; it does not affect the result."""

    def model(batch):
        law_model(layout, priors, batch)

    run, _, transforms = map_program(
        model, initial_values(layout), jax.random.key(0), steps, learning_rate
    )
    return run, transforms


def map_program(
    model: Any,
    init_values: dict[str, jax.Array],
    key: jax.Array,
    steps: int,
    learning_rate: float,
) -> tuple[Any, dict[str, jax.Array], dict[str, Any]]:
    """The compiled MAP optimiser of a numpyro model: ``(run, start, transforms)``
    where ``run(start, data) -> (unconstrained params, losses)`` does ``steps``
    Adam steps on the negative log joint in unconstrained space."""
    prior_trace = handlers.trace(handlers.seed(model, key)).get_trace(None)
    transforms = {
        name: biject_to(site["fn"].support)
        for name, site in prior_trace.items()
        if site["type"] == "sample" and not site["is_observed"]
    }
    start = {
        name: transforms[name].inv(jnp.asarray(init_values[name]))
        for name in transforms
    }

    def loss(unconstrained, batch):
        values = {name: transforms[name](u) for name, u in unconstrained.items()}
        log_joint, _ = log_density(model, (batch,), {}, values)
        return -log_joint

    optimiser = optax.adam(learning_rate)

    @jax.jit
    def run(unconstrained, batch):
        def step(carry, _):
            params, opt_state = carry
            value, grads = jax.value_and_grad(loss)(params, batch)
            updates, opt_state = optimiser.update(grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), value

        (params, _), losses = jax.lax.scan(
            step, (unconstrained, optimiser.init(unconstrained)), None, length=steps
        )
        return params, losses

    return run, start, transforms


__all__ = [
    "map_program",
    "sufficient_statistics",
    "CompiledTransitions",
    "FitResult",
    "Priors",
    "compile_transitions",
    "fit",
    "initial_values",
    "law_model",
    "log_components_from",
    "log_likelihood",
]
