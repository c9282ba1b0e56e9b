"""Effect distributions: what a law predicts for the attributes it writes.

Every effect is a categorical distribution over an explicit *support* of values at
each site it speaks about. The constructors cover the cases laws need:

- :func:`point` — a single value (deterministic law);
- :func:`change` — the current value plus ``k`` (relative change), optionally clipped;
- :func:`categorical` — several values with fixed or learnable probabilities;
- :func:`bernoulli` — the values 0 and 1;
- :func:`uniform` — several values, equally likely;
- :func:`moves` — the current value plus one of several offsets (movement).

Probabilities may be plain numbers or arrays (fixed), or built from a law's
learnable parameters (:class:`ProbabilityTerm`), e.g. ``bernoulli(self.param("p"))``
or ``categorical([x, x + 1], [1 - p, p * 0.5])``. A learnable term is stored as a
constant log-offset plus the names of the parameter components it multiplies, so
the model evaluates every law once per transition and only recombines these pieces
while fitting.

A distribution covers either every site of the attribute (``sites=None``; values
broadcast to the attribute's shape) or the sites listed in ``sites`` (indices into
the flattened attribute, e.g. the tile the player faces). ``where`` masks the sites
the law actually speaks about (e.g. only the cows in an object table); a masked-off
site is left to the other laws, or to the persistence default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

ArrayLike = Any

MAX_COMPONENTS = 2  # learnable factors one support entry may multiply


@dataclasses.dataclass(frozen=True)
class ProbabilityTerm:
    """A probability ``exp(log_offset) * prod(components)``.

    ``components`` are names of learnable parameter components
    (``"law/param:p"``, ``"law/param:not"`` for ``1 - p``, ``"law/param:3"`` for
    entry 3 of a simplex); ``log_offset`` is a float or array of the batch shape.
    """

    log_offset: ArrayLike = 0.0
    components: tuple[str, ...] = ()

    def __mul__(self, other: Any) -> ProbabilityTerm:
        if isinstance(other, ProbabilityTerm):
            components = self.components + other.components
            if len(components) > MAX_COMPONENTS:
                raise ValueError(
                    f"a probability may multiply at most {MAX_COMPONENTS} learnable "
                    f"parameters; got {components}"
                )
            return ProbabilityTerm(self.log_offset + other.log_offset, components)
        return ProbabilityTerm(
            self.log_offset + jnp.log(jnp.asarray(other, jnp.float32)), self.components
        )

    __rmul__ = __mul__


@dataclasses.dataclass(frozen=True)
class LearnedProbability(ProbabilityTerm):
    """The learnable probability ``p`` of a :class:`~symworld.programs.law.Probability`
    parameter; ``1 - p`` is its complement."""

    complement_name: str = ""

    def __rsub__(self, other: Any) -> ProbabilityTerm:
        if not (isinstance(other, int | float) and float(other) == 1.0):
            raise ValueError("only 1 - p is supported for a learnable probability")
        return ProbabilityTerm(0.0, (self.complement_name,))


@dataclasses.dataclass(frozen=True)
class Distribution:
    """A law's prediction for one attribute.

    **Fields** (``M`` sites, ``S`` support entries):

    - ``values``: tuple of ``S`` integer arrays (each broadcastable to ``(M,)`` or to
      the attribute's shape); duplicates add up.
    - ``probabilities``: tuple of ``S`` :class:`ProbabilityTerm` (fixed ones have no
      components); they should sum to 1 at every site.
    - ``sites``: int ``(M,)`` flat indices into the attribute, or ``None`` for all.
    - ``where``: bool mask (broadcastable to the sites), or ``None`` for all.
    """

    values: tuple[ArrayLike, ...]
    probabilities: tuple[ProbabilityTerm, ...]
    sites: ArrayLike | None = None
    where: ArrayLike | None = None

    @property
    def support_size(self) -> int:
        return len(self.values)

    def component_names(self) -> tuple[tuple[str, ...], ...]:
        """Static learnable components of each support entry."""
        return tuple(term.components for term in self.probabilities)


PROBABILITY_TOLERANCE = 1e-3
"""How far fixed probabilities may stray from ``0..1`` and their sum from 1."""


def _fixed_values(probabilities: Sequence[Any]) -> list[np.ndarray] | None:
    """Concrete fixed probabilities as float64 arrays; ``None`` when any is
    learnable or traced (checked later on the model's outputs)."""
    values = []
    for probability in probabilities:
        leaves = jax.tree_util.tree_leaves(probability)
        if any(isinstance(x, ProbabilityTerm | jax.core.Tracer) for x in leaves):
            return None
        values.append(np.asarray(probability, np.float64))
    return values


def _check_fixed(probabilities: Sequence[Any], what: str) -> None:
    values = _fixed_values(probabilities)
    if values is None:
        return
    for value in values:
        if np.any(np.isnan(value)):
            raise ValueError(f"{what}: a probability is NaN")
        if np.any(value < -PROBABILITY_TOLERANCE):
            raise ValueError(f"{what}: probability {value.min():g} is negative")
        if np.any(value > 1 + PROBABILITY_TOLERANCE):
            raise ValueError(f"{what}: probability {value.max():g} exceeds 1")
    if len(values) > 1:
        total = np.sum(np.broadcast_arrays(*values), axis=0)
        worst = np.max(np.abs(total - 1.0))
        if worst > PROBABILITY_TOLERANCE:
            raise ValueError(
                f"{what}: the probabilities sum to "
                f"{np.ravel(total)[np.argmax(np.abs(total - 1.0))]:g}, not 1"
            )


def _term(probability: Any) -> ProbabilityTerm:
    if isinstance(probability, ProbabilityTerm):
        return probability
    return ProbabilityTerm(jnp.log(jnp.asarray(probability, jnp.float32)), ())


def categorical(
    support: Sequence[ArrayLike],
    probabilities: Sequence[Any] | None = None,
    *,
    where: ArrayLike | None = None,
    sites: ArrayLike | None = None,
) -> Distribution:
    """Values ``support[i]`` with probability ``probabilities[i]`` (uniform if
    ``None``). Probabilities may be numbers, arrays or learnable terms."""
    support = tuple(support)
    if not support:
        raise ValueError("a categorical needs at least one support value")
    if probabilities is None:
        probabilities = [1.0 / len(support)] * len(support)
    _check_fixed(probabilities, "categorical")
    probabilities = tuple(_term(p) for p in probabilities)
    if len(probabilities) != len(support):
        raise ValueError(
            f"{len(support)} support values but {len(probabilities)} probabilities"
        )
    return Distribution(
        values=tuple(jnp.asarray(v) for v in support),
        probabilities=probabilities,
        sites=sites,
        where=where,
    )


def point(
    value: ArrayLike, *, where: ArrayLike | None = None, sites: ArrayLike | None = None
) -> Distribution:
    """The value ``value`` with certainty."""
    return categorical([value], [1.0], where=where, sites=sites)


def change(
    current: ArrayLike,
    k: ArrayLike,
    *,
    low: int | None = None,
    high: int | None = None,
    where: ArrayLike | None = None,
    sites: ArrayLike | None = None,
) -> Distribution:
    """The relative change ``current + k``, clipped to ``low..high`` when given."""
    value = jnp.asarray(current) + k
    if low is not None or high is not None:
        value = jnp.clip(value, low, high)
    return point(value, where=where, sites=sites)


def bernoulli(
    probability: Any, *, where: ArrayLike | None = None, sites: ArrayLike | None = None
) -> Distribution:
    """1 with ``probability``, else 0. ``probability`` is a number or array (fixed)
    or any learnable term :func:`categorical` accepts built from
    :class:`~symworld.programs.law.Probability` parameters (``p``, ``1 - p``,
    ``p * 0.25``, ``p * q``); ``1 - probability`` is then spelled as a sum of such
    terms on duplicate 0 entries (duplicates add up)."""
    _check_fixed([probability], "bernoulli")
    term = _term(probability)
    if term.components:
        off = _one_minus(term)
    else:
        off = [ProbabilityTerm(jnp.log1p(-jnp.exp(term.log_offset)), ())]
    return categorical([0] * len(off) + [1], [*off, term], where=where, sites=sites)


def _one_minus(term: ProbabilityTerm) -> list[ProbabilityTerm]:
    """``1 - c * x1 * ... * xn`` as a sum of terms, from ``1 - c * X = (1 - c) +
    c * (1 - X)`` and ``1 - x1 * X' = (1 - x1) + x1 * (1 - X')``: each term
    multiplies at most ``n`` components. The fixed part ``1 - c`` is left out when
    ``c`` is the plain number 1 (a bare ``p``, ``1 - p`` or ``p * q``), so the
    support size depends on how the term was written, never on traced values."""
    pieces = []
    offset = term.log_offset
    if not (isinstance(offset, int | float) and offset == 0.0):
        pieces.append(ProbabilityTerm(jnp.log1p(-jnp.exp(offset)), ()))
    before: tuple[str, ...] = ()
    for component in term.components:
        pieces.append(ProbabilityTerm(offset, (*before, _complement(component))))
        before = (*before, component)
    return pieces


def _complement(component: str) -> str:
    """The component name of ``1 - x`` for a learnable Probability component."""
    stem, _, kind = component.rpartition(":")
    if kind == "p":
        return f"{stem}:not"
    if kind == "not":
        return f"{stem}:p"
    raise ValueError(
        f"bernoulli cannot form 1 minus the Simplex entry {component!r}; write "
        "categorical([0, 1], [...]) with the entries of the simplex instead"
    )


def uniform(
    support: Sequence[ArrayLike],
    *,
    where: ArrayLike | None = None,
    sites: ArrayLike | None = None,
) -> Distribution:
    """Every value of ``support`` with equal probability."""
    return categorical(support, None, where=where, sites=sites)


def moves(
    current: ArrayLike,
    offsets: Sequence[int],
    probabilities: Sequence[Any] | None = None,
    *,
    low: int | None = None,
    high: int | None = None,
    blocked: Sequence[ArrayLike] | None = None,
    where: ArrayLike | None = None,
    sites: ArrayLike | None = None,
) -> Distribution:
    """``current + offsets[i]`` with ``probabilities[i]``; a move whose ``blocked[i]``
    is true (or that leaves ``low..high``) stays at ``current``."""
    current = jnp.asarray(current)
    offsets = list(offsets)
    if blocked is not None:
        # A 0-d array has __len__ but no length; tracers carry ndim.
        single = getattr(blocked, "ndim", 1) == 0 or not hasattr(blocked, "__len__")
        if single or len(blocked) != len(offsets):
            got = (
                f"the single {type(blocked).__name__} {blocked!r}"
                if single
                else f"{len(blocked)} masks"
            )
            raise ValueError(
                f"moves: blocked must hold one mask per offset ({len(offsets)}), "
                f"got {got}"
            )
    values = []
    for position, offset in enumerate(offsets):
        value = current + offset
        if blocked is not None:
            value = jnp.where(blocked[position], current, value)
        if low is not None or high is not None:
            lo = -np.inf if low is None else low
            hi = np.inf if high is None else high
            value = jnp.where((value < lo) | (value > hi), current, value)
        values.append(value)
    return categorical(values, probabilities, where=where, sites=sites)
