"""Next-step targets and ``symworld extract`` on a file whose non-finite rows were
dropped (``--drop-nonfinite``): the transitions around the gap disappear."""

import json

import numpy as np
import pytest
import sympy

from symworld.cli import main
from symworld.equations.targets import next_step_targets
from symworld.trajectory_io import read_trajectory


def write_linear_map(path, rows: int = 40, bad_row: int = 10, bad: str = "nan"):
    """``x[t+1] = 0.9 x[t] + 0.5 u[t]`` over one episode; row ``bad_row`` has
    ``x = bad``."""
    rng = np.random.default_rng(0)
    action = rng.uniform(-1, 1, rows)
    x = np.empty(rows)
    x[0] = 1.0
    for t in range(rows - 1):
        x[t + 1] = 0.9 * x[t] + 0.5 * action[t]
    lines = ["episode,step,x,action"]
    for t in range(rows):
        value = bad if t == bad_row else repr(float(x[t]))
        lines.append(f"0,{t},{value},{float(action[t])!r}")
    path.write_text("\n".join(lines) + "\n")
    return x, action


def test_next_step_targets_skip_both_transitions_around_a_dropped_row(tmp_path):
    path = tmp_path / "nan.csv"
    x, action = write_linear_map(path)
    trajectory = read_trajectory(path, drop_nonfinite=True)
    targets = next_step_targets(trajectory, clip={})
    # 39 transitions in 40 rows; 9 -> 10 and 10 -> 11 touched the dropped row
    assert trajectory.num_transitions == 37
    assert len(targets.rows) == len(targets.inputs) == 37
    kept_steps = trajectory.step[targets.rows]
    assert 9 not in kept_steps and 10 not in kept_steps
    np.testing.assert_allclose(targets.inputs[:, 0], x[kept_steps])
    np.testing.assert_allclose(targets.targets[:, 0], x[kept_steps + 1] - x[kept_steps])


@pytest.mark.parametrize("bad", ["nan", "inf"])
def test_extract_next_recovers_the_map_after_dropping_a_row(tmp_path, capsys, bad):
    path = tmp_path / "bad.csv"
    write_linear_map(path, bad=bad)
    out = tmp_path / "x2"
    code = main(
        [
            "extract",
            str(path),
            "--target",
            "next",
            "--engine",
            "sparse",
            "--clip",
            "none",
            "--drop-nonfinite",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["samples"] == 37
    model = json.loads((out / "model.json").read_text())
    x, action = sympy.symbols("x action")
    found = sympy.sympify(model["equations"]["x"], locals={"x": x, "action": action})
    assert sympy.simplify(found - (0.5 * action - 0.1 * x)) == 0
    # the noise comes from transitions that do not cross the gap: none is exact
    assert model["noise_std"][0] < 1e-6
