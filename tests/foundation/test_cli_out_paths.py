"""Where the commands write: ``--out`` checked before any work (a file in the path,
a missing folder for an output file, a folder no one can write), and ``--force``
replacing only the command's own files."""

import pytest

from symworld.cli import main


def write_decay(path):
    path.write_text("step,x\n" + "\n".join(f"{i},{0.5**i}" for i in range(20)) + "\n")
    return path


def test_extract_force_removes_the_old_runs_files_and_keeps_the_users(tmp_path, capsys):
    data = write_decay(tmp_path / "d.csv")
    folder = tmp_path / "out"
    folder.mkdir()
    old = [f"hall_of_fame_output{i}.csv" for i in range(3)]
    for name in [*old, "result.json", "model.json", "equations.txt", "notes.txt"]:
        (folder / name).write_text("old\n")
    argv = ["extract", str(data), "--target", "next", "--engine", "sparse", "-q"]
    assert main([*argv, "--out", str(folder), "--force"]) == 0
    assert sorted(path.name for path in folder.iterdir()) == [
        "equations.txt",
        "hall_of_fame.csv",
        "model.json",
        "notes.txt",
        "result.json",
    ]
    assert (folder / "notes.txt").read_text() == "old\n"
    assert (folder / "model.json").read_text() != "old\n"


def commands(folder, data):
    return {
        "collect": [
            "collect",
            "CartPole-v1",
            "--steps",
            "2",
            "--out",
            folder / "c.csv",
        ],
        "extract": ["extract", data, "--target", "next", "--out", folder / "x"],
        "fit": ["fit", "laws", "--env", "symworld/Switches-v0", "--steps", "5"]
        + ["--out", folder],
        "induce": ["induce", "--env", "symworld/Switches-v0", "--steps", "5"]
        + ["--out", folder / "l.py"],
        "encode": ["encode", data, "--out", folder / "e"],
    }


@pytest.mark.parametrize("name", ["collect", "extract", "fit", "induce", "encode"])
def test_an_unwritable_out_folder_is_refused_before_any_work(
    tmp_path, capsys, lock_folder, name
):
    folder = lock_folder(tmp_path / "locked")
    # the data file does not exist: the refusal must come before it is read
    argv = commands(folder, tmp_path / "missing.csv")[name]
    assert main([str(part) for part in argv]) == 1
    err = capsys.readouterr().err
    assert f"cannot write to folder {folder} (" in err, err
    assert "missing.csv" not in err


@pytest.mark.parametrize("name", ["collect", "induce", "encode", "fit"])
def test_a_file_in_the_out_path_is_named_the_same_way_everywhere(
    tmp_path, capsys, name
):
    blocker = tmp_path / "afile"
    blocker.write_text("")
    argv = commands(blocker, write_decay(tmp_path / "d.csv"))[name]
    assert main([str(part) for part in argv]) == 1
    err = capsys.readouterr().err
    assert f"{blocker} is a file, not a folder" in err
    assert f"--out {argv[argv.index('--out') + 1]}: " in err  # the path asked for


@pytest.mark.parametrize("name", ["collect", "induce"])
def test_an_out_file_in_a_missing_folder_is_refused(tmp_path, capsys, name):
    missing = tmp_path / "nodir"
    argv = commands(missing, tmp_path / "d.csv")[name]
    assert main([str(part) for part in argv]) == 1
    assert f"folder {missing} does not exist" in capsys.readouterr().err
    assert not missing.exists()
