"""Finding a den (a straight two-cell dead end that can be sealed from inside) on
small hand-drawn maps: ``.`` open ground, ``#`` wall, ``d`` diggable wall."""

from __future__ import annotations

import numpy as np

from symworld.induction.navigation import distances
from symworld.induction.shelter import Den, find_den

STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))
CORRIDOR = [  # a two-cell dead end below an open room
    "#######",
    "#.....#",
    "#.....#",
    "###.###",
    "###.###",
    "#######",
]


def _read(rows: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Maps indexed [x, y] from rows of text (row = y)."""
    text = np.array([list(row) for row in rows]).T
    return text == ".", text == "d"


def _den(
    rows: list[str], start: tuple[int, int], radius: int = 30, **options
) -> Den | None:
    open_cells, diggable = _read(rows)
    distance = distances(open_cells, start, STEPS)
    return find_den(
        open_cells, diggable, open_cells, distance, STEPS, radius=radius, **options
    )


def test_induction_den_in_a_dead_end_corridor():
    # corridor cells (3, 3) and (3, 4); the gate is (3, 2), entered moving down
    den = _den(CORRIDOR, (1, 1))
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
    shut = CORRIDOR
    with_exit = shut[:5] + ["###d###"]
    assert _den(shut, (1, 1)) is not None  # a gate it can dig open again
    assert _den(shut, (1, 1), exit_wall=True) is None
    den = _den(with_exit, (1, 1), exit_wall=True)
    assert den == Den(inner=(3, 4), outer=(3, 3), gate=(3, 2), step=(0, -1))


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
    known = np.array([list(row) for row in rows]).T == "#"
    assert _den(rows, (1, 1)) is not None
    assert _den(rows, (1, 1), closed=known) is None


TWO_DENS = [  # two corridors: the left one is nearer the start, the right safer
    "#########",
    "#.......#",
    "#.......#",
    "##.###.##",
    "##.###.##",
    "#########",
]


def test_induction_den_weighs_exposure_against_distance():
    # from (1, 1) the left gate (2, 2) is 2 steps away, the right one (6, 2) 6
    assert _den(TWO_DENS, (1, 1)).gate == (2, 2)
    cost = np.zeros((9, 6))
    cost[:5] = 10.0  # the left half is exposed (e.g. creatures were seen there)
    den = _den(TWO_DENS, (1, 1), cost=cost)
    assert den == Den(inner=(6, 4), outer=(6, 3), gate=(6, 2), step=(0, -1))
