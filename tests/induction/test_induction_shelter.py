"""Finding a den (a straight two-cell dead end that can be sealed from inside) on
small hand-drawn maps: ``.`` open ground, ``#`` wall, ``d`` diggable wall."""

from __future__ import annotations

import numpy as np

from symworld.induction.navigation import distances
from symworld.induction.shelter import Den, find_den

STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def _read(rows: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Maps indexed [x, y] from rows of text (row = y)."""
    text = np.array([list(row) for row in rows]).T
    return text == ".", text == "d"


def _den(rows: list[str], start: tuple[int, int], radius: int = 30) -> Den | None:
    open_cells, diggable = _read(rows)
    distance = distances(open_cells, start, STEPS)
    return find_den(open_cells, diggable, open_cells, distance, STEPS, radius=radius)


def test_induction_den_in_a_dead_end_corridor():
    rows = [
        "#######",
        "#.....#",
        "#.....#",
        "###.###",
        "###.###",
        "#######",
    ]
    # corridor cells (3, 3) and (3, 4); the gate is (3, 2), entered moving down
    den = _den(rows, (1, 1))
    assert den == Den(inner=(3, 4), outer=(3, 3), gate=(3, 2), step=(0, -1))


def test_induction_den_needs_two_cells_in_a_row():
    rows = [
        "#######",
        "#.....#",
        "#.....#",
        "###.###",  # a one-cell hole cannot be sealed from inside
        "#######",
    ]
    assert _den(rows, (1, 1)) is None


def test_induction_den_dug_into_diggable_walls():
    rows = [
        "#######",
        "#.....#",
        "#.....#",
        "ddddddd",
        "ddddddd",
        "ddddddd",
    ]
    den = _den(rows, (1, 1))
    # the nearest gate on the bottom row of the open room, digging two cells down
    assert den is not None and den.step == (0, -1)
    assert den.gate[1] == 2 and den.outer == (den.gate[0], 3)
    assert den.inner == (den.gate[0], 4)
    assert den.gate == (1, 2)  # closest to the start (1, 1)


def test_induction_den_out_of_reach_is_not_chosen():
    rows = [
        "#########",
        "#.......#",
        "#.......#",
        "######.##",
        "######.##",
        "#########",
    ]
    # the corridor (6, 3)-(6, 4) has its gate (6, 2) six steps from (1, 1)
    assert _den(rows, (1, 1), radius=5) is None
    assert _den(rows, (1, 1), radius=6) == Den(
        inner=(6, 4), outer=(6, 3), gate=(6, 2), step=(0, -1)
    )


def test_induction_den_with_a_gate_that_stays_shut_needs_a_way_out():
    # the build sealing the gate cannot be dug open: the den must have a
    # diggable wall to leave through (here the cell behind the inner one)
    shut = [
        "#######",
        "#.....#",
        "#.....#",
        "###.###",
        "###.###",
        "#######",
    ]
    with_exit = shut[:5] + ["###d###"]
    for rows, expected in ((shut, None), (with_exit, (3, 4))):
        open_cells, diggable = _read(rows)
        distance = distances(open_cells, (1, 1), STEPS)
        den = find_den(
            open_cells, diggable, open_cells, distance, STEPS, radius=30, exit_wall=True
        )
        assert (den and den.inner) == expected


def test_induction_den_walls_must_be_known_to_block():
    # "?" is a value the player never tried: not open to it, but creatures may
    # walk there, so a corridor walled by it is no den unless it counts as closed
    rows = [
        "#######",
        "#.....#",
        "#.....#",
        "###.###",
        "###.?##",
        "#######",
    ]
    open_cells, diggable = _read(rows)
    distance = distances(open_cells, (1, 1), STEPS)
    text = np.array([list(row) for row in rows]).T
    known = text == "#"
    assert find_den(open_cells, diggable, open_cells, distance, STEPS, radius=30)
    den = find_den(
        open_cells, diggable, open_cells, distance, STEPS, radius=30, closed=known
    )
    assert den is None
