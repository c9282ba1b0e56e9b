"""``symworld encode`` on small files: text and JSON reports, outputs, errors."""

import json

import numpy as np
import pytest

from symworld.alrnn.checkpoints import load_model
from symworld.cli import main
from symworld.trajectory import Trajectory
from symworld.trajectory_io import write_trajectory

ARGS = [
    "--latent", "6", "--relu", "2", "--epochs", "2", "--evaluate-every", "1",
    "--sequence-length", "40", "--seed", "3", "--batch-size", "4",
    "--batches-per-epoch", "5",
]  # fmt: skip


@pytest.fixture(scope="module")
def lorenz_file(lorenz_pair, tmp_path_factory):
    folder = tmp_path_factory.mktemp("encode")
    series = lorenz_pair[0][:3000]
    npy = folder / "lorenz.npy"
    np.save(npy, series)
    rows = len(series)
    trajectory = Trajectory(
        episode=np.zeros(rows, np.int64),
        step=np.arange(rows),
        state={"x": series[:, 0], "y": series[:, 1], "z": series[:, 2]},
        action={},
        reward=np.zeros(rows),
        terminated=np.zeros(rows, bool),
        truncated=np.zeros(rows, bool),
    )
    csv = folder / "lorenz.csv"
    write_trajectory(trajectory, csv)
    return npy, csv


def test_encode_json(lorenz_file, tmp_path, capsys):
    npy, csv = lorenz_file
    assert (
        main(["encode", str(npy), *ARGS, "--out", str(tmp_path / "a"), "--json"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    for key in ("d_stsp", "d_h", "prediction_error", "best_epoch", "mean", "std"):
        assert key in report
    assert report["rows"] == {"train": 2100, "validation": 300, "test": 600}
    if report["finite"]:
        assert 1 <= report["subregions_used"] <= 4
        assert sum(report["region_shares"].values()) == pytest.approx(1.0, abs=1e-5)
        assert {p["region"] for p in report["fixed_points"]} <= set(
            report["region_shares"]
        )
    for name in (
        "model.json",
        "model.npz",
        "report.json",
        "equations.txt",
        "attractor.png",
    ):
        assert (tmp_path / "a" / name).exists()
    assert load_model(tmp_path / "a" / "model").num_relu == 2
    # the same seed on the trajectory-file form of the same series gives the same report
    second = ["encode", str(csv), *ARGS, "--out", str(tmp_path / "b"), "--json"]
    assert main([*second, "--no-plots"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["d_stsp"] == pytest.approx(report["d_stsp"], rel=1e-6)


def test_encode_text_and_errors(lorenz_file, tmp_path, capsys):
    npy, csv = lorenz_file
    selection = ["--select-subregions", "2", "--select-dh-weight", "0.5"]
    assert (
        main(
            ["encode", str(npy), *ARGS, *selection, "--out", str(tmp_path)]
            + ["--no-plots"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "D_stsp" in out and "written to" in out
    # the selection rule of the flags, checked against the stored evaluations
    stored = json.loads((tmp_path / "checkpoint" / "checkpoint.json").read_text())
    config = stored["training_config"]
    assert config["selection_subregions"] == 2
    assert config["selection_dh_weight"] == 0.5
    evaluations = stored["evaluations"]
    assert [e["eligible"] for e in evaluations] == [
        e["subregions_used"] == 2 for e in evaluations
    ]
    pool = [e for e in evaluations if e["eligible"]] or evaluations
    chosen = min(pool, key=lambda e: e["d_stsp"] + 0.5 * e["d_h"])
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["best_epoch"] == chosen["epoch"]
    assert report["selection_met"] == any(e["eligible"] for e in evaluations)
    assert ("no evaluated model met" in out) == (not report["selection_met"])
    bad = ["--select-subregions", "3", "--select-unstable", "1", "2"]
    assert main(["encode", str(npy), *bad, "--out", str(tmp_path / "c")]) == 1
    assert "one count per subregion" in capsys.readouterr().err
    assert main(["encode", str(tmp_path / "missing.npy"), "--out", str(tmp_path)]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["encode", str(csv), "--state", "w", "--out", str(tmp_path)]) == 1
    assert "no state column" in capsys.readouterr().err
    assert main(["encode", str(npy), "--latent", "2", "--out", str(tmp_path)]) == 1
    assert "smaller than" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--lr", "-1"], "argument --lr: expected a finite number above 0, got '-1'"),
        (
            ["--test-fraction", "1.5"],
            "argument --test-fraction: expected a fraction in (0, 1), got '1.5'",
        ),
        (
            ["--validation-fraction", "0"],
            "argument --validation-fraction: expected a fraction in (0, 1), got '0'",
        ),
    ],
)
def test_encode_names_the_flag_of_a_bad_rate_or_fraction(
    tmp_path, capsys, flags, message
):
    with pytest.raises(SystemExit) as stopped:
        main(["encode", str(tmp_path / "x.npy"), *flags, "--out", str(tmp_path / "o")])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_encode_names_the_flags_of_a_bad_lr_or_split(lorenz_file, tmp_path, capsys):
    npy, _ = lorenz_file
    argv = ["encode", str(npy), "--out", str(tmp_path / "o")]
    assert main([*argv, "--lr", "1e-6"]) == 1
    assert capsys.readouterr().err == (
        "symworld encode: error: --lr 1e-06 is below the final learning rate 1e-05 "
        "it decays to; give at least that\n"
    )
    assert main([*argv, "--test-fraction", "0.6", "--validation-fraction", "0.4"]) == 1
    assert capsys.readouterr().err == (
        "symworld encode: error: --test-fraction 0.6 and --validation-fraction 0.4 "
        "leave no training part (their sum must be below 1)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_encode_never_resumes_a_checkpoint_of_other_data(lorenz_file, tmp_path, capsys):
    """A second run into the same folder resumes only on the same series: on another
    one it fails, names the checkpoint, and leaves the first run's outputs as they
    were (found by the breaker: the Rössler run reused the Lorenz model)."""
    npy, _ = lorenz_file
    out = tmp_path / "run"
    command = ["encode", str(npy), *ARGS, "--out", str(out), "--no-plots", "--json"]
    assert main(command) == 0
    first = (out / "report.json").read_bytes()
    model = (out / "model.npz").read_bytes()
    # The same data again resumes (nothing left to train) and writes the same bytes.
    assert main(command) == 0
    assert (out / "report.json").read_bytes() == first
    assert (out / "model.npz").read_bytes() == model
    other = tmp_path / "other.npy"
    np.save(other, np.load(npy)[::-1].copy())
    capsys.readouterr()
    assert main(["encode", str(other), *ARGS, "--out", str(out), "--no-plots"]) != 0
    error = capsys.readouterr().err
    assert "checkpoint.json" in error and "other data" in error
    assert (out / "report.json").read_bytes() == first
    assert (out / "model.npz").read_bytes() == model


def test_encode_one_column_series_draws_its_figures(lorenz_file, tmp_path):
    npy, _ = lorenz_file
    single = tmp_path / "x.npy"
    np.save(single, np.load(npy)[:, 0])
    out = tmp_path / "single"
    arguments = [a if a != "6" else "4" for a in ARGS]
    assert main(["encode", str(single), *arguments, "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    names = {p.name for p in out.iterdir()}
    assert {"model.json", "model.npz", "report.json", "equations.txt"} <= names
    if report["finite"]:
        assert {"attractor.png", "subregions.png", "graph.png"} <= names
    assert not [n for n in names if n.startswith(".encode-")]


def test_encode_diverging_before_any_evaluation_writes_no_model(
    lorenz_file, tmp_path, capsys
):
    npy, _ = lorenz_file
    out = tmp_path / "diverged"
    assert main(["encode", str(npy), *ARGS, "--lr", "1e6", "--out", str(out)]) != 0
    assert "diverged" in capsys.readouterr().err
    assert not (out / "model.json").exists() and not (out / "report.json").exists()
