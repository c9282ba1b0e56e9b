"""Grid navigation for the explorer: breadth-first distances and the first step
of a shortest path, on a boolean map of passable cells.

Maps are indexed ``[x, y]`` like the schema's ``map`` attribute; a *direction*
is a unit step ``(dx, dy)``. Everything is plain numpy: one distance map costs
a few hundred vectorised shifts of a ``(W, H)`` array.
"""

from __future__ import annotations

import numpy as np

UNREACHED = -1


def shift(mask: np.ndarray, dx: int, dy: int, fill: bool | int = False) -> np.ndarray:
    """``out[x, y] = mask[x + dx, y + dy]`` (``fill`` outside the map)."""
    out = np.full_like(mask, fill)
    width, height = mask.shape
    xs = slice(max(0, -dx), min(width, width - dx))
    ys = slice(max(0, -dy), min(height, height - dy))
    xt = slice(max(0, dx), min(width, width + dx))
    yt = slice(max(0, dy), min(height, height + dy))
    out[xs, ys] = mask[xt, yt]
    return out


def distances(
    passable: np.ndarray,
    start: tuple[int, int],
    directions: tuple[tuple[int, int], ...],
    limit: int = 96,
) -> np.ndarray:
    """int32 ``(W, H)``: steps from ``start`` to every cell through passable
    cells (``start`` itself counts as passable), :data:`UNREACHED` elsewhere or
    beyond ``limit`` steps."""
    result = np.full(passable.shape, UNREACHED, np.int32)
    frontier = np.zeros(passable.shape, bool)
    frontier[start] = True
    result[start] = 0
    open_cells = passable.copy()
    open_cells[start] = False
    for step in range(1, limit + 1):
        grown = np.zeros_like(frontier)
        for dx, dy in directions:
            grown |= shift(frontier, -dx, -dy)
        frontier = grown & open_cells
        if not frontier.any():
            break
        result[frontier] = step
        open_cells &= ~frontier
    return result


def first_step(
    distance: np.ndarray,
    goal: tuple[int, int],
    directions: tuple[tuple[int, int], ...],
) -> int | None:
    """Index into ``directions`` of the first step of a shortest path from the
    start (distance 0) to ``goal``; ``None`` when the goal is the start or not
    reached."""
    x, y = goal
    if distance[x, y] <= 0:
        return None
    width, height = distance.shape
    while distance[x, y] > 1:
        here = distance[x, y]
        for dx, dy in directions:
            u, v = x - dx, y - dy
            if 0 <= u < width and 0 <= v < height and distance[u, v] == here - 1:
                x, y = u, v
                break
        else:  # pragma: no cover - a distance map always has a predecessor
            return None
    for index, (dx, dy) in enumerate(directions):
        u, v = x - dx, y - dy
        if _inside(u, v, width, height) and distance[u, v] == 0:
            return index
    return None


def _inside(x: int, y: int, width: int, height: int) -> bool:
    return 0 <= x < width and 0 <= y < height
