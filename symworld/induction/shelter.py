"""A den: two cells in a row, walled on every side but one gate, that the player
can seal from inside by building on the gate, and open again by digging it.

Facing follows the last move in a grid world with a facing (the player faces
the cell it would enter), so a player cannot face an open neighbour without
stepping onto it. A one-cell hole therefore cannot be sealed from inside; a
straight two-cell dead end can: walk in to the inner cell, step back to the
outer one (now facing the gate), build on the gate. The inner and outer cells
may also be dug out of blocking cells first. Everything here is learnt by the
explorer: which values block, which action builds a blocking value on which
values (and what it costs), and which action digs which blocking value.

All maps are indexed ``[x, y]`` like the schema's ``map`` grid.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from symworld.induction.navigation import UNREACHED, shift


@dataclasses.dataclass(frozen=True)
class Den:
    """``inner`` and ``outer`` cells, the ``gate`` beyond the outer cell and the
    unit step ``(dx, dy)`` from inner to outer to gate."""

    inner: tuple[int, int]
    outer: tuple[int, int]
    gate: tuple[int, int]
    step: tuple[int, int]


def find_den(
    open_cells: np.ndarray,
    diggable: np.ndarray,
    gate_ok: np.ndarray,
    distance: np.ndarray,
    steps: tuple[tuple[int, int], ...],
    *,
    radius: int,
    exit_wall: bool = False,
    closed: np.ndarray | None = None,
    cost: np.ndarray | None = None,
) -> Den | None:
    """The den whose gate is nearest (at most ``radius`` steps away), or ``None``;
    with ``cost`` (float ``(W, H)``, in steps), the one whose gate has the
    least distance plus cost.

    **Arguments:**

    - ``open_cells``: bool ``(W, H)``, cells the player can stand on.
    - ``diggable``: bool ``(W, H)``, blocking cells the player can dig open.
    - ``gate_ok``: bool ``(W, H)``, open cells the player can build on.
    - ``distance``: int32 ``(W, H)``, steps from the player
      (:data:`~symworld.induction.navigation.UNREACHED` where not reachable).
    - ``steps``: the four unit steps of the grid.

    Every side cell of the inner and outer cells and the cell behind the inner
    one must be closed (not open; a diggable wall still blocks walkers). With
    ``exit_wall`` (the gate, once built, cannot be dug open again), at least one
    of these walls must be diggable, so that the player can leave through it.
    ``closed`` (bool ``(W, H)``): the cells known to block walkers, when a cell
    that is not open may still let creatures through (a value never tried);
    default: every cell that is not open.
    """
    walled = ~open_cells if closed is None else closed
    room = open_cells | diggable
    reached = (distance != UNREACHED) & (distance <= radius)
    best: tuple[float, tuple[int, int], tuple[int, int]] | None = None
    for dx, dy in steps:
        sides = [(ex, ey) for ex, ey in steps if ex * dx + ey * dy == 0]
        # indexed by the gate g: outer g - s, inner g - 2s, behind g - 3s
        ok = gate_ok & reached
        ok &= shift(room, -dx, -dy) & shift(room, -2 * dx, -2 * dy)
        ok &= shift(walled, -3 * dx, -3 * dy, True)
        walls = [(-3 * dx, -3 * dy)]
        for ex, ey in sides:
            ok &= shift(walled, ex - dx, ey - dy, True)
            ok &= shift(walled, ex - 2 * dx, ey - 2 * dy, True)
            walls += [(ex - dx, ey - dy), (ex - 2 * dx, ey - 2 * dy)]
        if exit_wall:
            way_out = np.zeros_like(ok)
            for wx, wy in walls:
                way_out |= shift(diggable, wx, wy)
            ok &= way_out
        if not ok.any():
            continue
        extra = 0.0 if cost is None else cost
        costs = np.where(ok, distance + extra, np.inf)
        index = int(np.argmin(costs))
        gate = np.unravel_index(index, ok.shape)
        if best is None or costs.flat[index] < best[0]:
            best = (float(costs.flat[index]), (int(gate[0]), int(gate[1])), (dx, dy))
    if best is None:
        return None
    _, (gx, gy), (dx, dy) = best
    return Den(
        inner=(gx - 2 * dx, gy - 2 * dy),
        outer=(gx - dx, gy - dy),
        gate=(gx, gy),
        step=(dx, dy),
    )
