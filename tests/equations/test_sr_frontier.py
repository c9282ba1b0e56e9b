"""Result types: PySR's score, model selection, Pareto rule and hall_of_fame.csv."""

import math

import numpy as np
import pytest
import sympy as sp

from symworld.equations.frontier import (
    Equation,
    HallOfFame,
    HallOfFameFileError,
    ParetoFront,
    compute_scores,
    parse_equation,
    read_hall_of_fame,
    select_index,
    sympy_complexity,
    write_hall_of_fame,
)

x0, x1, x2, x3 = sp.symbols("x0 x1 x2 x3", real=True)


def test_scores_match_pysr_formula():
    complexity = [1, 3, 4, 7]
    loss = [2.0, 0.5, 0.4, 0.0]
    score = compute_scores(complexity, loss)
    assert score[0] == 0.0
    assert score[1] == pytest.approx(-math.log(0.5 / 2.0) / 2)
    assert score[2] == pytest.approx(-math.log(0.4 / 0.5) / 1)
    assert score[3] == math.inf


def test_model_selection_rules():
    loss = np.array([1.0, 0.1, 0.011, 0.01])
    complexity = np.array([1, 3, 5, 9])
    score = compute_scores(complexity, loss)
    # score: [0, ln(10)/2=1.15, ln(0.1/0.011)/2=1.10, ln(1.1)/4=0.024]
    assert select_index(loss, score, "accuracy") == 3
    assert select_index(loss, score, "score") == 1
    # "best": only rows with loss <= 1.5 * 0.01 are eligible -> rows 2, 3 -> row 2
    assert select_index(loss, score, "best") == 2
    assert select_index(loss, None, "best") == 3
    with pytest.raises(ValueError, match="model_selection"):
        select_index(loss, score, "fastest")


def test_pareto_rule_keeps_strict_improvements_only():
    eqs = [
        Equation.from_sympy(x0, 1.0, 1),
        Equation.from_sympy(x1, 0.5, 1),  # better at same complexity
        Equation.from_sympy(x0 + x1, 0.5, 3),  # not strictly better than x1
        Equation.from_sympy(x0 * x1, 0.2, 3),
        Equation.from_sympy(x0 * x1 + x2, float("nan"), 5),  # never on the front
        Equation.from_sympy(x0 * x1 * x2, 0.1, 5),
        Equation.from_sympy(x0 * x1 * x2 + x3, 0.3, 7),  # dominated
    ]
    front = ParetoFront.from_candidates(eqs)
    assert [e.complexity for e in front] == [1, 3, 5]
    assert [e.sympy for e in front] == [x1, x0 * x1, x0 * x1 * x2]
    hof = HallOfFame()
    for e in eqs:
        hof.update(e)
    assert [e.complexity for e in hof] == [1, 3, 5, 7]
    assert [e.sympy for e in hof.front()] == [e.sympy for e in front]
    with pytest.raises(ValueError, match="increasing complexity"):
        ParetoFront([eqs[3], eqs[2]])
    with pytest.raises(ValueError, match="decreasing loss"):
        ParetoFront([eqs[3], eqs[6]])


def test_csv_round_trip_and_pysr_file(tmp_path):
    # The minimal file from PySR's own loading test, with Julia-isms.
    pysr_file = tmp_path / "hall_of_fame.csv"
    pysr_file.write_text(
        "Complexity,Loss,Equation\n"
        '1,0.19951081,"1.9762075"\n'
        '3,0.12717344,"(f0 + 1.4724599)"\n'
        '4,0.104823045,"pow_abs(2.2683423, cos(f3))"\n'
        '5,0.1,"square(f0) * 1.0f-3"\n'
    )
    front = read_hall_of_fame(pysr_file, ["f0", "f3"])
    f0, f3 = sp.symbols("f0 f3", real=True)
    assert len(front) == 4
    assert front[1].sympy == f0 + sp.Float("1.4724599")
    assert sp.simplify(front[2].sympy - sp.Float("2.2683423") ** sp.cos(f3)) == 0
    assert front[3].sympy == sp.Float("0.001") * f0**2
    assert front[1].score == pytest.approx(-math.log(0.12717344 / 0.19951081) / 2)

    out = write_hall_of_fame(front, tmp_path / "out" / "hall_of_fame.csv")
    again = read_hall_of_fame(out, ["f0", "f3"])
    assert [e.complexity for e in again] == [1, 3, 4, 5]
    assert np.array_equal(again.loss, front.loss)
    for a, b in zip(again, front, strict=True):
        assert sp.simplify(a.sympy - b.sympy) == 0
    assert not list(out.parent.glob(".*tmp"))


def test_variable_names_that_collide_with_sympy():
    expr = parse_equation("E * S^2 - exp(N)", ["E", "S", "N"])
    E, S, N = sp.symbols("E S N", real=True)
    assert expr == E * S**2 - sp.exp(N)
    assert parse_equation("2*pi*x0") == 2 * sp.pi * x0
    assert parse_equation("inv(x0) + cube(x1) + neg(x2)") == 1 / x0 + x1**3 - x2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Complexity,Loss\n1,0.1\n", "header"),
        ("Complexity,Loss,Equation\n1,0.1\n", "row 2: expected 3 fields"),
        ("Complexity,Loss,Equation\nx,0.1,x0\n", "row 2: Complexity"),
        ("Complexity,Loss,Equation\n1,abc,x0\n", "row 2: Loss"),
        ("Complexity,Loss,Equation\n1,0.1,x0\n3,0.05,(x0 +\n", "row 3: cannot parse"),
        ("", "empty file"),
    ],
)
def test_bad_hall_of_fame_files(tmp_path, text, message):
    path = tmp_path / "hall_of_fame.csv"
    path.write_text(text)
    with pytest.raises(HallOfFameFileError, match=message):
        read_hall_of_fame(path)


def test_sympy_complexity_counts_like_pysr():
    assert sympy_complexity(x0 * x1 / x2**2) == 6  # x0*x1*inv(square(x2))
    assert sympy_complexity(-x0) == 2
    assert sympy_complexity(x0 + x1 + x2) == 5
    assert sympy_complexity(sp.exp(-(x0**2) / 2)) == 5  # exp(c * square(x0))
