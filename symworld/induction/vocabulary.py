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


def row_distance(xs: jax.Array, ys: jax.Array, position: jax.Array) -> jax.Array:
    """int32 ``(N,)``: Chebyshev distance from ``position`` to every row."""
    distance = jnp.maximum(jnp.abs(xs - position[0]), jnp.abs(ys - position[1]))
    return distance.astype(jnp.int32)


def focus_rows(mask: jax.Array, size: int) -> tuple[jax.Array, jax.Array]:
    """The first ``size`` rows where ``mask`` holds: int32 ``(size,)`` row
    indices (padded with the last row) and bool ``(size,)`` which are real."""
    count = mask.shape[0]
    (rows,) = jnp.nonzero(mask, size=size, fill_value=count)
    valid = rows < count
    return jnp.minimum(rows, count - 1).astype(jnp.int32), valid


def row_ends(
    xs: jax.Array,
    ys: jax.Array,
    offsets: tuple[tuple[int, int], ...],
    mirror: jax.Array,
    empty: int,
    grid: jax.Array | None = None,
    enterable: tuple[int, ...] = (),
) -> jax.Array:
    """int32 ``(K, R, 2)``: where each of ``R`` rows at ``(xs, ys)`` ends after
    trying each of ``K`` steps ``offsets``. A step off the grid, onto a cell the
    ``mirror`` grid does not mark ``empty``, or (with ``grid``) onto a value not
    in ``enterable`` leaves the row where it is."""
    start = jnp.stack([xs, ys], axis=-1).astype(jnp.int32)
    steps = jnp.asarray(offsets, jnp.int32).reshape(-1, 2)
    ends = start[None] + steps[:, None]
    width, height = mirror.shape
    inside = (
        (ends[..., 0] >= 0)
        & (ends[..., 0] < width)
        & (ends[..., 1] >= 0)
        & (ends[..., 1] < height)
    )
    x = jnp.clip(ends[..., 0], 0, width - 1)
    y = jnp.clip(ends[..., 1], 0, height - 1)
    free = inside & (mirror[x, y] == empty)
    if grid is not None and enterable:
        free &= jnp.isin(grid[x, y], jnp.asarray(enterable))
    stays = jnp.all(steps == 0, axis=-1)[:, None]
    return jnp.where((stays | free)[..., None], ends, start[None])


def mirror_moves(
    mirror: jax.Array,
    xs: jax.Array,
    ys: jax.Array,
    rows: jax.Array,
    ends: jax.Array,
    movers: jax.Array,
    empty: int,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The ``mirror`` grid after ``R`` rows (indices ``rows``, at ``(xs, ys)``)
    move to one of ``K`` ``ends`` (``(K, R, 2)``, from :func:`row_ends`).

    **Returns:** ``(values, sites, where)``: int32 ``(K, M)`` the values of the
    ``M = R (K + 1)`` flat cells ``sites`` under each outcome (a row's own cell
    holds its row if it stays and ``empty`` if it leaves; the cell an outcome
    enters holds the row under that outcome and ``empty`` under the others) and
    bool ``(M,)`` the cells spoken about (a mover's own cell, and each cell one
    and only one mover may enter)."""
    width, height = mirror.shape
    start = jnp.stack([xs, ys], axis=-1).astype(jnp.int32)
    own = jnp.clip(start[:, 0], 0, width - 1) * height + jnp.clip(
        start[:, 1], 0, height - 1
    )
    entered = ends[..., 0] * height + ends[..., 1]  # (K, R)
    leaves = ~jnp.all(ends == start[None], axis=-1) & movers[None]
    claims = jnp.zeros(width * height, jnp.int32).at[entered].add(leaves)
    alone = leaves & (claims[entered] == 1)
    slots = rows.astype(jnp.int32)
    outcomes = ends.shape[0]
    values = []
    for k in range(outcomes):
        mine = jnp.arange(outcomes)[:, None] == k
        values.append(
            jnp.concatenate(
                [
                    jnp.where(leaves[k], empty, slots),
                    jnp.where(mine, slots[None], empty).reshape(-1),
                ]
            )
        )
    sites = jnp.concatenate([own, entered.reshape(-1)])
    where = jnp.concatenate([movers, alone.reshape(-1)])
    return jnp.stack(values).astype(jnp.int32), sites.astype(jnp.int32), where
