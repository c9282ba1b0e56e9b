"""The ``symworld`` command: version, inspect, collect errors, demo."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from symworld import __version__
from symworld.cli import main


def test_version_through_the_console_script():
    script = Path(sys.executable).parent / "symworld"
    completed = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == f"symworld {__version__}"


def test_inspect_json_reports_counts_and_column_ranges(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text(
        "episode,step,t,x,action,reward\n"
        "0,0,0.0,1.5,1,0\n0,1,0.5,-2.0,0,1\n0,2,1.0,3.0,,\n"
        "1,0,0.0,4.0,1,2\n1,1,0.5,5.0,,\n"
    )
    assert main(["inspect", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["episodes"] == 2 and report["transitions"] == 3
    assert report["columns"]["x"] == {
        "role": "state",
        "dtype": "float64",
        "shape": [],
        "min": -2.0,
        "max": 5.0,
    }
    assert report["columns"]["t"]["role"] == "time"
    assert (
        report["columns"]["action"]["min"] == 0
        and report["columns"]["action"]["max"] == 1
    )
    assert report["columns"]["reward"]["max"] == 2.0


def test_inspect_reports_dropped_rows(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("step,x\n0,1\n1,inf\n2,3\n")
    assert main(["inspect", str(path), "--drop-nonfinite", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["dropped_rows"] == 1


def test_collect_to_an_unknown_format_fails_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "c.xlsx"
    assert (
        main(
            [
                "collect",
                "CartPole-v1",
                "--steps",
                "5",
                "--out",
                str(tmp_path / "c.xlsx"),
            ]
        )
        == 1
    )
    assert "unsupported-format" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_missing_file_is_an_error(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "nope.csv")]) == 1
    assert "no such file" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_trajectory_section_json(capsys):
    assert main(["-q", "demo", "--only", "trajectory", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    section = report["Rollouts and trajectory files"]
    for env_id in ("Pendulum-v1", "symworld/Switches-v0"):
        assert all(section[env_id]["round_trip_exact"].values())


def test_help_shows_plain_text_and_defaults():
    import argparse

    from symworld.cli import build_parser

    parser = build_parser()
    commands = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    )
    for name, command in commands.choices.items():
        text = command.format_help()
        assert "``" not in text and ":func:" not in text, name
    plan = commands.choices["plan"].format_help()
    assert "episodes to play (10)" in plan and "(default 0)" in plan
    encode = commands.choices["encode"]
    assert encode.format_help().startswith("usage: symworld encode")
    for action in encode._actions:
        assert action.help, action.option_strings


def test_inspect_of_a_file_without_transitions_says_so(tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text("x,y\n1,2\n")
    assert main(["inspect", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{path}: 1 episode, 0 transitions, 1 row"
    assert lines[-1].split() == [
        "reward",
        "reward",
        "float64",
        "-",
        "no",
        "transitions",
        "-",
    ]
    assert "None" not in "\n".join(lines)


def test_ctrl_c_is_one_line_and_status_130(tmp_path, capsys, monkeypatch):
    import symworld.commands.inspect as inspect_command

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(inspect_command, "run", interrupted)
    assert main(["inspect", str(tmp_path / "x.csv")]) == 130
    captured = capsys.readouterr()
    assert captured.err == "symworld inspect: interrupted\n" and captured.out == ""


def test_inspect_drop_notice_once_and_a_folder_named_as_such(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("step,x\n0,1\n1,inf\n2,3\n")
    assert main(["inspect", str(path), "--drop-nonfinite"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == f"{path}: 1 episode, 0 transitions, 2 rows"
    assert "dropped" not in captured.out  # the reader's warning says it, once
    assert main(["inspect", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"symworld inspect: error: {tmp_path}: is a folder, not a trajectory file "
        "(.csv, .npz, .parquet) [missing-file]\n"
    )


def test_plan_names_a_file_or_missing_model_folder_the_same_way(tmp_path, capsys):
    data = tmp_path / "pend.csv"
    data.write_text("x\n1\n")
    expected = {
        data: f"{str(data)!r} is a file; give a model directory (a folder holding "
        "model.json)",
        tmp_path: f"{str(tmp_path)!r} holds no model.json: not a model directory",
        tmp_path / "nodir": f"model directory {str(tmp_path / 'nodir')!r} does not "
        "exist",
    }
    for task in ("swing_up", "collect_wood"):
        for folder, message in expected.items():
            assert main(["plan", str(folder), "--task", task]) == 1
            assert capsys.readouterr().err == f"symworld plan: error: {message}\n"


def test_encode_of_a_one_row_file_says_it_is_too_short(tmp_path, capsys):
    path = tmp_path / "one_row.csv"
    path.write_text("cos_theta,sin_theta\n0.5,0.25\n")
    assert main(["encode", str(path), "--out", str(tmp_path / "e")]) == 1
    assert capsys.readouterr().err == (
        f"symworld encode: error: {path}: 1 row; encode needs a series of at least "
        "6 (training, validation and test parts of 2 rows each)\n"
    )
    assert not (tmp_path / "e").exists()
