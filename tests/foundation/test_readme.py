"""Every Python example in README.md runs as written."""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.slow
@pytest.mark.optimised  # the first example runs the symbolic-regression search
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_example_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[index], f"README.md example {index + 1}", "exec"), {})


def _python_one_liners() -> dict[str, str]:
    """The ``python -c "..."`` data generators of the README, by output file."""
    found = re.findall(r'^python -c "(.*?)"$', README.read_text(), flags=re.M)
    return {re.findall(r"'([\w.]+\.csv)'", code)[-1]: code for code in found}


def test_readme_says_how_to_make_lorenz_csv_and_the_swing_up_data(
    tmp_path, monkeypatch
):
    from symworld.trajectory_io import read_trajectory

    one_liners = _python_one_liners()
    assert set(one_liners) == {"lorenz.csv", "pendulum_angle.csv"}
    monkeypatch.chdir(tmp_path)
    # the README's sizes, shrunk for a fast test
    exec(one_liners["lorenz.csv"].replace("num_steps=20000", "num_steps=300"), {})
    lorenz = read_trajectory(tmp_path / "lorenz.csv")
    assert list(lorenz.state) == ["x", "y", "z"] and lorenz.num_rows == 300
    np.testing.assert_allclose(np.diff(lorenz.time), 0.01, rtol=1e-9)
    exec(one_liners["pendulum_angle.csv"].replace("steps=2000", "steps=50"), {})
    pendulum = read_trajectory(tmp_path / "pendulum_angle.csv")
    assert list(pendulum.state) == ["theta", "theta_dot"]
    assert pendulum.num_transitions == 50
