"""Command-line errors of the law commands: a bad model.json, a bad law library, a
bad fit flag or a model of another environment exits non-zero with one line naming
the file and the field (no traceback); the same fit command writes the same file."""

from __future__ import annotations

import json

import pytest

from symworld.cli import main


def write_model(folder, payload):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(json.dumps(payload))
    return folder


def test_laws_cli_evaluate_names_file_and_field(
    tmp_path, capsys, unfitted_switches_json
):
    payload = json.loads(json.dumps(unfitted_switches_json))
    payload["laws"][2]["weight"] = -5
    folder = write_model(tmp_path / "neg", payload)
    assert main(["evaluate", str(folder), "--trials", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"symworld evaluate: error: {folder / 'model.json'}: laws[2].weight (law "
        "coin_is_random): -5 is not a non-negative finite number\n"
    )
    assert captured.out == ""


def test_laws_cli_evaluate_refuses_untrusted_module(
    tmp_path, capsys, unfitted_switches_json
):
    payload = dict(unfitted_switches_json, library={"module": "this"})
    folder = write_model(tmp_path / "this", payload)
    assert main(["evaluate", str(folder), "--trials", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # `import this` would print the Zen of Python
    assert f"{folder / 'model.json'}: library: module 'this'" in captured.err
    assert "--trust-law-file this" in captured.err


def test_laws_cli_fit_bad_library_names_the_file(tmp_path, capsys):
    law_file = tmp_path / "not_laws.py"
    law_file.write_text("LAWS = [1, 'a']\n")
    argv = ["fit", "laws", "--env", "symworld/Switches-v0", "--steps", "5"]
    argv += ["--laws", str(law_file), "--trust-law-file", str(law_file)]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"symworld fit: error: law file {law_file.resolve()}: LAWS[0] is 1 (int), "
        "not a symworld.programs.Law instance\n"
    )
    assert not (tmp_path / "out").exists()


def test_laws_cli_fit_unknown_library(tmp_path, capsys):
    argv = ["fit", "laws", "--env", "symworld/Switches-v0", "--steps", "5"]
    assert main([*argv, "--laws", "nosuch", "--out", str(tmp_path / "o")]) == 1
    assert "--laws: there is no built-in law library 'symworld.laws.nosuch'" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--iterations", "0", "--iterations: expected an integer of at least 1"),
        ("--iterations", "-5", "--iterations: expected an integer of at least 1"),
        ("--iterations", "2.5", "--iterations: expected an integer of at least 1"),
        ("--learning-rate", "-1", "--learning-rate: expected a finite number above 0"),
        ("--learning-rate", "0", "--learning-rate: expected a finite number above 0"),
        ("--learning-rate", "inf", "--learning-rate: expected a finite number above"),
    ],
)
def test_laws_cli_fit_rejects_bad_optimiser_flags(
    tmp_path, capsys, flag, value, message
):
    argv = ["fit", "laws", "--env", "symworld/Switches-v0", "--steps", "5"]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, flag, value, "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_laws_cli_plan_with_a_model_of_another_env(
    tmp_path, capsys, unfitted_switches_json
):
    folder = write_model(tmp_path / "sw", unfitted_switches_json)
    argv = ["plan", str(folder), "--task", "collect_wood", "--episodes", "1"]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"symworld plan: error: {folder / 'model.json'} holds a law model of "
        "symworld/Switches-v0, and this task needs a law model of "
        "symworld/CrafterOO-v0\n"
    )
    from symworld.equations.model import EquationModel, save_model

    save_model(EquationModel({"x": "-x"}, ["x"], kind="derivative", dt=0.1), tmp_path)
    assert main([*argv[:1], str(tmp_path), *argv[2:]]) == 1
    assert capsys.readouterr().err == (
        f"symworld plan: error: {tmp_path / 'model.json'} holds an equation model, "
        "and this task needs a law model of symworld/CrafterOO-v0\n"
    )


def test_laws_cli_fit_same_seed_same_file(tmp_path, capsys):
    argv = ["-q", "fit", "laws", "--env", "symworld/Switches-v0", "--steps", "40"]
    argv += ["--seed", "3", "--iterations", "20", "--json"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["seconds"] >= 0  # the timing is reported, not saved
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    first = (tmp_path / "a" / "model.json").read_bytes()
    assert first == (tmp_path / "b" / "model.json").read_bytes()
    fit = json.loads(first)["fit"]
    assert "seconds" not in fit
    assert (fit["transitions"], fit["seed"], fit["iterations"]) == (40, 3, 20)


def test_laws_cli_evaluate_refuses_a_suite_of_another_env(
    tmp_path, capsys, unfitted_switches_json
):
    folder = write_model(tmp_path / "sw", unfitted_switches_json)
    argv = ["evaluate", str(folder), "--scenarios", "crafter_oo", "--trials", "1"]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "symworld evaluate: error: scenario suite 'crafter_oo' is for environment "
        "symworld/CrafterOO-v0, but the model is for symworld/Switches-v0; use "
        "--scenarios switches\n"
    )
    assert captured.out == ""
    assert not (folder / "evaluation.json").exists()


def test_laws_cli_plan_swing_up_with_a_law_or_alrnn_model(
    tmp_path, capsys, unfitted_switches_json
):
    folder = write_model(tmp_path / "sw", unfitted_switches_json)
    argv = ["plan", str(folder), "--task", "swing_up", "--episodes", "1"]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"symworld plan: error: {folder / 'model.json'} holds a law model of "
        "symworld/Switches-v0, and this task needs an equation model over "
        "(theta, theta_dot)\n"
    )
    alrnn = write_model(
        tmp_path / "alrnn", {"format": "symworld.alrnn.model/1", "kind": "alrnn"}
    )
    assert main([argv[0], str(alrnn), *argv[2:]]) == 1
    assert capsys.readouterr().err == (
        f"symworld plan: error: {alrnn / 'model.json'} holds an AL-RNN model, and "
        "this task needs an equation model over (theta, theta_dot)\n"
    )


@pytest.mark.parametrize(
    ("column", "row", "value", "message"),
    [
        (
            "action/action",
            3,
            7,
            "field 'action': row 3 holds action 7, outside the "
            "action space 0..1 of symworld/Switches-v0",
        ),
        (
            "action/action",
            5,
            -1,
            "field 'action': row 5 holds action -1, outside the "
            "action space 0..1 of symworld/Switches-v0",
        ),
        (
            "state/toggle",
            7,
            5,
            "data does not match environment symworld/Switches-v0: "
            "attribute 'toggle' row 7 holds 5, outside its domain 0..1",
        ),
        (
            "state/toggle",
            10,
            0.5,
            "data does not match environment symworld/Switches-v0: "
            "attribute 'toggle' row 10 holds 0.5, not a whole number (its domain "
            "is 0..1)",
        ),
        (
            "state/toggle",
            10,
            0.9,
            "data does not match environment symworld/Switches-v0: "
            "attribute 'toggle' row 10 holds 0.9, not a whole number (its domain "
            "is 0..1)",
        ),
    ],
)
def test_laws_cli_fit_names_the_file_of_bad_actions_and_values(
    tmp_path, capsys, column, row, value, message
):
    import numpy as np

    good = tmp_path / "good.npz"
    collect = ["-q", "collect", "symworld/Switches-v0", "--steps", "20"]
    assert main([*collect, "--out", str(good)]) == 0
    with np.load(good) as arrays:
        columns = dict(arrays)
    columns[column] = columns[column].astype(np.float64)  # holds 0.5 as written
    columns[column][row] = value
    bad = tmp_path / "bad.npz"
    np.savez(bad, **columns)
    argv = ["fit", "laws", "--env", "symworld/Switches-v0", "--data", str(bad)]
    assert main([*argv, "--out", str(tmp_path / "m")]) == 1
    assert capsys.readouterr().err == f"symworld fit: error: {bad}: {message}\n"
    assert not (tmp_path / "m").exists()
    argv = ["induce", "--env", "symworld/Switches-v0", "--data", str(bad)]
    assert main([*argv, "--out", str(tmp_path / "laws.py")]) == 1
    assert capsys.readouterr().err == f"symworld induce: error: {bad}: {message}\n"
    assert not (tmp_path / "laws.py").exists()


def test_laws_cli_fit_refuses_a_library_of_another_env(tmp_path, capsys):
    argv = ["fit", "laws", "--env", "symworld/Switches-v0", "--laws", "crafter_oo"]
    assert main([*argv, "--steps", "5", "--out", str(tmp_path / "m")]) == 1
    assert capsys.readouterr().err == (
        "symworld fit: error: --laws: law library symworld.laws.crafter_oo is for "
        "environment symworld/CrafterOO-v0, not symworld/Switches-v0\n"
    )
    assert not (tmp_path / "m").exists()
