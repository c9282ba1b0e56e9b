"""Done-means checks: Lorenz-63 from a trajectory file and Pendulum-v1 rollouts."""

import json

import jax
import numpy as np
import pytest
import sympy

from symworld.cli import main
from symworld.envs import chaos
from symworld.equations.extract import extract
from symworld.equations.targets import next_step_targets
from symworld.rollouts import collect
from symworld.trajectory_io import read_trajectory, write_trajectory


def assert_same_equation(found, truth, symbols, rtol):
    got = sympy.Poly(sympy.expand(found), *symbols).as_dict()
    want = sympy.Poly(sympy.expand(truth), *symbols).as_dict()
    assert set(got) == set(want), f"{found} has other terms than {truth}"
    for monomial, value in want.items():
        assert float(got[monomial]) == pytest.approx(float(value), rel=rtol), found


@pytest.fixture(scope="module")
def lorenz_file(tmp_path_factory):
    # 1% observation noise: per variable, noise std = 0.01 * the variable's std
    traj = chaos.trajectory(
        "Lorenz",
        key=jax.random.key(0),
        num_steps=5000,
        dt=0.01,
        noise=0.01,
        num_episodes=2,
    )
    return write_trajectory(traj, tmp_path_factory.mktemp("lorenz") / "lorenz.csv")


def test_extract_lorenz_from_a_file_with_one_percent_noise(lorenz_file, tmp_path):
    traj = read_trajectory(lorenz_file, state="x,y,z", time="time")
    result = extract(
        traj,
        "derivative",
        engine="sparse",
        accuracy=4,  # five-point finite differences
        smooth_inputs=15,
    )
    x, y, z = sympy.symbols("x y z", real=True)
    truth = chaos.get_system("Lorenz").sympy_equations()
    for name in "xyz":
        assert_same_equation(result.equations[name].sympy, truth[name], (x, y, z), 0.02)
    # noise of the one-step model ~ the observation noise (sqrt(2) of it, roughly)
    observed = traj.metadata.get("noise_std") or [0.079, 0.090, 0.088]
    ratio = np.asarray(result.model.noise_std) / np.asarray(observed)
    assert np.all((ratio > 0.8) & (ratio < 3.0)), ratio

    written = result.write(tmp_path)
    names = sorted(p.name for p in written)
    assert names == [
        "equations.txt",
        "hall_of_fame_output0.csv",
        "hall_of_fame_output1.csv",
        "hall_of_fame_output2.csv",
        "model.json",
        "result.json",
    ]
    assert (
        (tmp_path / "hall_of_fame_output0.csv")
        .read_text()
        .startswith("Complexity,Loss,Equation\n")
    )
    assert not list(tmp_path.glob(".*tmp"))


def test_extract_cli_json_on_the_lorenz_file(lorenz_file, tmp_path, capsys):
    status = main(
        [
            "extract",
            str(lorenz_file),
            "--state",
            "x,y,z",
            "--time",
            "time",
            "--target",
            "derivative",
            "--engine",
            "sparse",
            "--accuracy",
            "4",
            "--smooth-inputs",
            "15",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "out"),
            "--json",
        ]
    )
    assert status == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["equations"]) == {"x", "y", "z"}
    x, y, z = sympy.symbols("x y z", real=True)
    found = sympy.sympify(payload["equations"]["z"], locals={"x": x, "y": y, "z": z})
    assert_same_equation(found, x * y - sympy.Rational(8, 3) * z, (x, y, z), 0.02)
    assert payload["seed"] == 3 and payload["engine"] == "sparse"
    record = json.loads((tmp_path / "out" / "result.json").read_text())
    assert record["equations"] == payload["equations"]


def test_extract_cli_bad_input_is_a_clear_error(lorenz_file, capsys):
    status = main(["extract", str(lorenz_file), "--state", "x,w", "--engine", "sparse"])
    assert status == 1
    message = capsys.readouterr().err
    assert "w" in message and "error" in message


@pytest.fixture(scope="module")
def pendulum():
    return collect("Pendulum-v1", steps=1000, seed=0)


def test_extract_pendulum_velocity_update(pendulum):
    result = extract(
        pendulum,
        "next",
        engine="sparse",
        engine_options={"library": {"degree": 2}},
    )
    # Pendulum-v1: theta_dot' = theta_dot + (3 g / (2 l) sin(theta) + 3 u / (m l^2)) dt
    # with g = 10, l = m = 1, dt = 0.05: delta = 0.75 sin(theta) + 0.15 u
    sin_theta, action = sympy.symbols("sin_theta action", real=True)
    found = result.equations["theta_dot"].sympy
    assert found.free_symbols == {sin_theta, action}
    assert_same_equation(
        found, 0.75 * sin_theta + 0.15 * action, (sin_theta, action), 0.02
    )
    assert result.dropped > 0  # clipped transitions (|theta_dot'| = 8) were dropped
    assert result.kind == "delta"


def test_extract_pendulum_clip_matters(pendulum):
    # the physical law holds exactly on the kept transitions and not on the others
    kept = next_step_targets(pendulum, state="sin_theta,theta_dot", action="action")
    everything = next_step_targets(
        pendulum, state="sin_theta,theta_dot", action="action", clip={}
    )
    assert kept.dropped > 0 and everything.dropped == 0
    assert len(everything.rows) == len(kept.rows) + kept.dropped

    def law_error(targets):
        sin_theta, action = targets.inputs[:, 0], targets.inputs[:, 2]
        return np.abs(targets.targets[:, 1] - 0.75 * sin_theta - 0.15 * action)

    assert law_error(kept).max() < 1e-5
    assert law_error(everything).max() > 0.1


def test_extract_demo_section_recovers_the_pendulum_law():
    from symworld.demos.equations import run

    summary = run(0)
    assert summary["recovered"] is True
    assert summary["theta_dot_coefficients"]["sin_theta"] == pytest.approx(0.75, 0.02)
    assert any("recovered" in line for line in summary["lines"])
    json.dumps(summary)


def test_extract_noise_free_lorenz_selects_the_exact_equations():
    # same shapes as the file fixture, so the compiled solver is reused
    traj = chaos.trajectory(
        "Lorenz", key=jax.random.key(5), num_steps=5000, dt=0.01, num_episodes=2
    )
    result = extract(traj, "derivative", engine="sparse", accuracy=4)
    x, y, z = sympy.symbols("x y z", real=True)
    truth = chaos.get_system("Lorenz").sympy_equations()
    for name in "xyz":
        assert_same_equation(result.equations[name].sympy, truth[name], (x, y, z), 1e-3)


def test_extract_unknown_engine_and_target_are_refused(pendulum):
    with pytest.raises(ValueError, match="unknown engine 'magic'"):
        extract(pendulum, "next", engine="magic")
    with pytest.raises(ValueError, match="target must be one of"):
        extract(pendulum, "integral", engine="sparse")
    with pytest.raises(ValueError, match="no state column 'phi'"):
        extract(pendulum, "next", state="phi", engine="sparse")


def test_extract_pendulum_file_gets_the_clip_from_its_columns(pendulum, tmp_path):
    path = write_trajectory(pendulum, tmp_path / "pendulum.csv")
    from_file = read_trajectory(path)
    assert "env_id" not in from_file.metadata
    targets = next_step_targets(from_file)
    assert targets.dropped == next_step_targets(pendulum).dropped > 0
