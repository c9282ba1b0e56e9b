"""What the law commands write: fit laws --force replaces the old model's files,
evaluate checks its model folder and its truth before computing."""

from __future__ import annotations

import json
import sys

import pytest

from symworld.cli import main


def write_model(folder, payload):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(json.dumps(payload))
    return folder


def test_fit_force_removes_the_old_evaluation_and_keeps_other_files(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    for name in ("model.json", "evaluation.json", "evaluation.csv", "notes.txt"):
        (folder / name).write_text("old\n")
    argv = ["-q", "fit", "laws", "--env", "symworld/Switches-v0", "--steps", "20"]
    argv += ["--iterations", "2", "--out", str(folder), "--force"]
    assert main(argv) == 0
    assert sorted(path.name for path in folder.iterdir()) == ["model.json", "notes.txt"]
    assert json.loads((folder / "model.json").read_text())["fit"]["transitions"] == 20


def test_fit_force_keeps_the_old_files_when_the_new_model_cannot_be_written(
    tmp_path, monkeypatch, capsys
):
    import symworld.programs.source as source

    folder = tmp_path / "m"
    folder.mkdir()
    for name in ("model.json", "evaluation.json"):
        (folder / name).write_text("old\n")

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(source, "save_model", disk_full)
    argv = ["-q", "fit", "laws", "--env", "symworld/Switches-v0", "--steps", "20"]
    argv += ["--iterations", "2", "--out", str(folder), "--force"]
    assert main(argv) != 0
    assert "No space left on device" in capsys.readouterr().err
    assert sorted(path.name for path in folder.iterdir()) == [
        "evaluation.json",
        "model.json",
    ]
    assert (folder / "model.json").read_text() == "old\n"


def test_evaluate_refuses_an_unwritable_model_folder_before_computing(
    tmp_path, capsys, lock_folder, unfitted_switches_json
):
    folder = lock_folder(write_model(tmp_path / "sw", unfitted_switches_json))
    assert main(["evaluate", str(folder), "--trials", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"model folder {folder}: cannot write to folder {folder} (" in captured.err


def test_evaluate_truth_original_without_crafter_fails_first(
    tmp_path, capsys, monkeypatch, unfitted_switches_json
):
    monkeypatch.setitem(sys.modules, "crafter", None)  # import crafter fails
    monkeypatch.setitem(sys.modules, "symworld.envs.crafter_oo.crafter_game", None)
    payload = dict(unfitted_switches_json, env_id="symworld/CrafterOO-v0")
    folder = write_model(tmp_path / "c", payload)
    assert main(["evaluate", str(folder), "--truth", "original"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "symworld evaluate: error: import of symworld.envs.crafter_oo"
    ), err


@pytest.mark.slow  # NUTS: about 30 s on 2 busy cores
def test_fit_nuts_does_not_record_the_optimiser_settings_it_ignores(tmp_path):
    argv = ["-q", "fit", "laws", "--env", "symworld/Switches-v0", "--steps", "10"]
    argv += ["--method", "nuts", "--iterations", "7", "--out", str(tmp_path / "n")]
    assert main(argv) == 0
    fit = json.loads((tmp_path / "n" / "model.json").read_text())["fit"]
    assert fit["method"] == "nuts"
    assert "iterations" not in fit and "learning_rate" not in fit


def test_fit_data_with_a_fractional_action_names_the_field_and_row(tmp_path, capsys):
    import numpy as np

    path = tmp_path / "sw.npz"
    argv = ["-q", "collect", "symworld/Switches-v0", "--steps", "6", "--out"]
    assert main([*argv, str(path)]) == 0
    columns = dict(np.load(path))
    columns["action/action"] = columns["action/action"].astype(float)
    columns["action/action"][2] = 0.5
    np.savez(path, **columns)
    fit = ["fit", "laws", "--env", "symworld/Switches-v0", "--data", str(path)]
    assert main([*fit, "--out", str(tmp_path / "m")]) == 1
    assert capsys.readouterr().err == (
        f"symworld fit: error: {path}: field 'action': row 2 holds action 0.5, not "
        "an integer (law models take discrete actions)\n"
    )
