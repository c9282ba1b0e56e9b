"""Focused layouts: running the laws over the few entity rows that can change.

A Crafter-OO state carries a 256-slot object table, but on one transition only the
living objects near the player can change (6 on average, 11 at most, in 256
random-policy states). Laws that compute over the whole table spend most of their
time, and write most of their (law, site) pairs (10,752 of 12,913), on rows that
cannot change.

A law may offer a *focused* variant (:meth:`Law.focused(rows)
<symworld.programs.law.Law.focused>`) that computes over at most ``rows`` rows
chosen per transition and writes only their sites, and that reports
(:meth:`Law.overflow <symworld.programs.law.Law.overflow>`) when more rows matter.
:func:`focused_layout` builds the layout of the focused variants of a layout's laws,
with the unfocused layout as its ``reference``: its attribute plans keep the
reference's pooling modes and draw sizes
(:func:`~symworld.programs.attribute_pooling.attribute_plans`), and on a transition
that does not overflow its active pairs are the reference's active pairs in the
same order. Sampling and scoring on it therefore give the reference's results: the
same draws key for key, and the same log-probabilities up to float32 summation
order (``tests/laws/test_laws_focus.py``).

When a transition overflows, :func:`unless_overflow` evaluates the reference layout
instead, in the other branch of a ``lax.cond``. Under ``vmap`` a per-member
condition would turn that ``cond`` into a select that runs both layouts for every
member; given the ``vmap``'s ``axis_name`` the condition is whether *any* member
overflows (a ``psum`` over the axis), which stays a true branch: the batch runs
the focused laws, or, when some member overflows, the unfocused ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

import jax
import jax.numpy as jnp

from symworld.programs.layout import LawError, Layout

logger = logging.getLogger(__name__)

PyTree = Any

DEFAULT_ROWS = 32  # entity rows a focused law computes over

BatchAxis = Hashable | tuple[Hashable, ...] | None
"""The ``axis_name`` of the ``vmap`` a call runs under, a tuple of names for nested
ones, ``()`` for an unbatched call, or ``None`` (the unfocused laws run)."""


def focused_layout(layout: Layout, rows: int = DEFAULT_ROWS) -> Layout | None:
    """The layout of ``layout``'s laws focused on ``rows`` rows (cached on
    ``layout``), or ``None`` when no law has a focused variant.

    Raises :class:`~symworld.programs.layout.LawError` naming the law when a
    focused variant writes other blocks than its law, or changes the number of
    pairs of an attribute that is not pooled by its active pairs (mode
    ``"budget"``), since such a layout could not draw what the reference draws.
    """
    name = f"_focused_layout_{int(rows)}"
    if name in layout.__dict__:
        return layout.__dict__[name]
    laws = [law.focused(rows) for law in layout.laws]
    if all(a is b for a, b in zip(laws, layout.laws, strict=True)):
        layout.__dict__[name] = None
        return None
    focused = Layout(laws, layout.schema)
    focused.reference = layout
    _check_blocks(layout, focused)
    layout.__dict__[name] = focused
    logger.info(
        "focused layout on %d rows: %d pairs per transition instead of %d",
        rows,
        focused.num_pairs,
        layout.num_pairs,
    )
    return focused


def _check_blocks(reference: Layout, focused: Layout) -> None:
    from symworld.programs.attribute_pooling import attribute_plans

    if len(focused.blocks) != len(reference.blocks):
        raise LawError(
            "(focused layout)", "the focused laws write other blocks than the laws"
        )
    for dense, narrow in zip(reference.blocks, focused.blocks, strict=True):
        if (dense.law, dense.attribute, dense.support) != (
            narrow.law,
            narrow.attribute,
            narrow.support,
        ) or not (dense.components == narrow.components).all():
            raise LawError(
                reference.laws[dense.law].name,
                "its focused variant writes another block",
                reference.schema.attributes[dense.attribute].name,
            )
    for dense, narrow in zip(
        attribute_plans(reference), attribute_plans(focused), strict=True
    ):
        if dense.mode != "budget" and dense.pairs != narrow.pairs:
            changed = [
                reference.laws[reference.blocks[b].law].name
                for b, c in zip(dense.blocks, narrow.blocks, strict=True)
                if reference.blocks[b].sites != focused.blocks[c].sites
            ]
            raise LawError(
                changed[0] if changed else "(focused layout)",
                f"its focused variant changes the pairs of an attribute pooled as "
                f"{dense.mode!r} (only attributes pooled by their active pairs, "
                f"'budget', may be focused)",
                reference.schema.attributes[dense.attribute].name,
            )


def overflows(layout: Layout, state: PyTree, action: jax.Array) -> jax.Array:
    """Bool scalar: some law of the (focused) ``layout`` cannot speak for this
    transition (:meth:`Law.overflow <symworld.programs.law.Law.overflow>`)."""
    flags = [jnp.asarray(law.overflow(state, action), bool) for law in layout.laws]
    return jnp.any(jnp.stack(flags)) if flags else jnp.bool_(False)


def any_member(flag: jax.Array, batch_axis: BatchAxis = ()) -> jax.Array:
    """Bool scalar: ``flag`` for some member of the batch named ``batch_axis`` (a
    ``psum`` over the axis; ``flag`` itself with ``()`` or ``None``). A ``cond`` or
    loop decided this way stays a true branch or loop under ``vmap``: the whole
    batch runs it, instead of every member selecting its whole operand."""
    flag = jnp.asarray(flag)
    if batch_axis in ((), None):
        return flag.astype(bool)
    return jax.lax.psum(flag.astype(jnp.int32), batch_axis) > 0


def unless_overflow(
    overflow: jax.Array,
    fast: Callable[[PyTree], PyTree],
    exact: Callable[[PyTree], PyTree],
    operand: PyTree,
    batch_axis: BatchAxis = (),
) -> PyTree:
    """``fast(operand)`` unless ``overflow``, else ``exact(operand)``, in one
    ``lax.cond``.

    ``batch_axis``: the ``axis_name`` (or a tuple of names) of the ``vmap`` this
    runs under; the condition is then whether any member of the batch overflows,
    so that the ``cond`` stays a true branch (the whole batch takes ``exact``
    when one member needs it). With ``()`` each call decides alone, which under an
    unnamed ``vmap`` becomes a select that runs both functions."""
    return jax.lax.cond(any_member(overflow, batch_axis), exact, fast, operand)
