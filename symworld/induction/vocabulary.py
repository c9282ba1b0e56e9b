"""Helpers that induced laws (and the inducer's features) call on a state.

These are the only functions a generated law module imports besides
:mod:`symworld.programs`; all are written with ``jax.numpy`` on one transition so
the law model can vmap and compile them. Cells are ``(x, y)`` int32 pairs indexing
a 2-D grid ``grid[x, y]``; cells outside the grid are clipped to its border. An
object table is read through its alive mask and position columns ``xs``, ``ys``
(each ``(N,)``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def target_cell(
    position: jax.Array,
    facing: jax.Array,
    action: jax.Array,
    facing_offsets: tuple[tuple[int, int], ...],
    action_offsets: tuple[tuple[int, int], ...],
) -> jax.Array:
    """int32 ``(2,)``: the cell an action is aimed at.

    ``action_offsets[a]`` is the step that action ``a`` moves the player by
    (``(0, 0)`` for actions that do not move it); a moving action aims at the cell
    it moves into, every other action at the cell in front of the player
    (``position + facing_offsets[facing]``).
    """
    facing_table = jnp.asarray(facing_offsets, jnp.int32).reshape(-1, 2)
    action_table = jnp.asarray(action_offsets, jnp.int32).reshape(-1, 2)
    facing_index = jnp.clip(
        jnp.asarray(facing, jnp.int32), 0, facing_table.shape[0] - 1
    )
    action_index = jnp.clip(
        jnp.asarray(action, jnp.int32), 0, action_table.shape[0] - 1
    )
    step = action_table[action_index]
    moves = jnp.any(step != 0)
    offset = jnp.where(moves, step, facing_table[facing_index])
    return jnp.asarray(position, jnp.int32) + offset


def cell_value(grid: jax.Array, cell: jax.Array) -> jax.Array:
    """The grid value at ``cell`` (clipped to the grid)."""
    x = jnp.clip(cell[0], 0, grid.shape[0] - 1)
    y = jnp.clip(cell[1], 0, grid.shape[1] - 1)
    return grid[x, y]


def cell_index(grid_shape: tuple[int, int], cell: jax.Array) -> jax.Array:
    """int32 ``(1,)``: the flat index of ``cell`` in a grid of ``grid_shape``."""
    x = jnp.clip(cell[0], 0, grid_shape[0] - 1)
    y = jnp.clip(cell[1], 0, grid_shape[1] - 1)
    return jnp.reshape(x * grid_shape[1] + y, (1,)).astype(jnp.int32)


def window_contains(
    grid: jax.Array, centre: jax.Array, value: int, radius: int = 1
) -> jax.Array:
    """Bool scalar: ``value`` occurs in the ``(2r+1) x (2r+1)`` window around
    ``centre`` (cells outside the grid are ignored)."""
    offsets = jnp.arange(-radius, radius + 1, dtype=jnp.int32)
    xs = centre[0] + offsets[:, None]
    ys = centre[1] + offsets[None, :]
    inside = (xs >= 0) & (xs < grid.shape[0]) & (ys >= 0) & (ys < grid.shape[1])
    values = grid[
        jnp.clip(xs, 0, grid.shape[0] - 1), jnp.clip(ys, 0, grid.shape[1] - 1)
    ]
    return jnp.any(inside & (values == value))


def nearest_distance(
    mask: jax.Array, xs: jax.Array, ys: jax.Array, position: jax.Array
) -> jax.Array:
    """int32 scalar: Chebyshev distance from ``position`` to the nearest row of an
    object table where ``mask`` holds (a large number when none does)."""
    distance = jnp.maximum(jnp.abs(xs - position[0]), jnp.abs(ys - position[1]))
    return jnp.min(jnp.where(mask, distance, 1_000_000)).astype(jnp.int32)


def object_at(
    mask: jax.Array, xs: jax.Array, ys: jax.Array, cell: jax.Array
) -> jax.Array:
    """Bool scalar: some row where ``mask`` holds sits at ``cell``."""
    return jnp.any(mask & (xs == cell[0]) & (ys == cell[1]))


def object_slot(
    mask: jax.Array, xs: jax.Array, ys: jax.Array, cell: jax.Array
) -> jax.Array:
    """int32 ``(1,)``: the first row of an object table where ``mask`` holds and
    the object sits at ``cell`` (row 0 when there is none; guard with
    :func:`object_at`)."""
    here = mask & (xs == cell[0]) & (ys == cell[1])
    return jnp.reshape(jnp.argmax(here), (1,)).astype(jnp.int32)


def object_value(
    column: jax.Array, mask: jax.Array, xs: jax.Array, ys: jax.Array, cell: jax.Array
) -> jax.Array:
    """The value of an object-table ``column`` ``(N,)`` at the row of the object
    at ``cell`` (see :func:`object_slot`)."""
    return column[object_slot(mask, xs, ys, cell)[0]]
