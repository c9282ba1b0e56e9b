"""Arguments every subcommand shares: --seed, --state, --out/--force, -q, and the
--drop-nonfinite that the non-finite error recommends; collect -> fit laws --data."""

import json

import numpy as np
import pytest

from symworld.cli import build_parser, main
from symworld.trajectory_io import read_trajectory

SEED_COMMANDS = [
    ["collect", "CartPole-v1", "--steps", "5", "--out", "c.csv"],
    ["plan", "m", "--task", "swing_up"],
    ["evaluate", "m"],
    ["fit", "laws", "--env", "symworld/Switches-v0", "--steps", "5", "--out", "o"],
    ["induce", "--env", "symworld/Switches-v0", "--out", "l.py"],
    ["extract", "d.csv"],
    ["encode", "d.csv", "--out", "o"],
    ["demo"],
]


@pytest.mark.parametrize("command", SEED_COMMANDS, ids=lambda c: c[0])
def test_every_seed_is_a_32_bit_int_named_in_the_error(command, capsys):
    # 2**32 used to alias seed 0 in the 32-bit JAX keys, 2**64 to overflow
    for seed in ("-1", "4294967296", "18446744073709551616", "1.5"):
        with pytest.raises(SystemExit) as exit_info:
            build_parser().parse_args([*command, "--seed", seed])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert (
            f"argument --seed: expected an integer 0..4294967295 (seeds take 32 "
            f"bits), got '{seed}'" in err
        )
    assert build_parser().parse_args([*command, "--seed", "7"]).seed == 7
    top = build_parser().parse_args([*command, "--seed", "4294967295"])
    assert top.seed == 4294967295


def test_plan_refuses_episode_seeds_past_32_bits(capsys):
    argv = ["plan", "true", "--task", "swing_up", "--episodes", "2"]
    assert main([*argv, "--seed", "4294967295"]) == 1
    assert capsys.readouterr().err == (
        "symworld plan: error: --seed 4294967295 with --episodes 2: episode i plays "
        "seed 4294967295 + i, which must stay within 0..4294967295\n"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["extract", "d.csv"],
        ["encode", "d.csv", "--out", "o"],
        ["inspect", "d.csv"],
        ["fit", "laws", "--env", "e", "--data", "d.npz", "--out", "o"],
        ["induce", "--env", "e", "--data", "d.npz", "--out", "l.py"],
    ],
    ids=lambda c: c[0],
)
def test_commands_reading_files_take_the_flag_the_nonfinite_error_names(command):
    assert build_parser().parse_args([*command, "--drop-nonfinite"]).drop_nonfinite


@pytest.mark.parametrize("command", ["extract", "inspect", "encode"])
def test_state_takes_commas_spaces_or_both(command):
    parser = build_parser()
    extra = ["--out", "o"] if command == "encode" else []
    for given in (["x,y,z"], ["x", "y", "z"], ["x,y", "z"]):
        args = parser.parse_args([command, "d.csv", *extra, "--state", *given])
        assert args.state == ["x", "y", "z"]


def test_extract_state_with_spaces_reads_those_columns(tmp_path, capsys):
    path = tmp_path / "d.csv"
    t = np.arange(40) * 0.1
    rows = "\n".join(
        f"{a},{b},{c},{d}" for a, b, c, d in zip(t, np.sin(t), np.cos(t), t**2)
    )
    path.write_text("t,x,y,z\n" + rows + "\n")
    argv = ["extract", str(path), "--state", "x", "y", "--engine", "sparse", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["equations"]) == {"x", "y"}  # z left out
    # dx/dt = y = cos t; the finite-difference slope is within 1% of 1
    coefficient = float(result["equations"]["x"].split("*")[0])
    assert abs(coefficient - 1.0) < 0.01


def test_quiet_after_the_subcommand_silences_the_wrote_line(tmp_path, capsys):
    out = tmp_path / "c.csv"
    assert main(["collect", "CartPole-v1", "--steps", "3", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("wrote 3 transitions")
    again = tmp_path / "d.csv"
    argv = ["collect", "CartPole-v1", "--steps", "3", "--out", str(again), "-q"]
    assert main(argv) == 0
    assert capsys.readouterr().out == ""
    assert read_trajectory(again).num_transitions == 3
    assert main(["-q", *argv[:-1], "--force"]) == 0
    assert capsys.readouterr().out == ""


def test_collect_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "c.csv"
    out.write_text("keep me\n")
    argv = ["collect", "CartPole-v1", "--steps", "3", "--out", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"--out {out}: already exists; pass --force" in err
    assert out.read_text() == "keep me\n"
    assert main([*argv, "--force"]) == 0
    assert read_trajectory(out).num_transitions == 3


def test_extract_refuses_a_folder_holding_a_model_and_a_file_as_folder(
    tmp_path, capsys
):
    data = tmp_path / "d.csv"
    data.write_text("step,x\n" + "\n".join(f"{i},{0.5**i}" for i in range(20)) + "\n")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "model.json").write_text("{}")
    argv = ["extract", str(data), "--target", "next", "--engine", "sparse"]
    assert main([*argv, "--out", str(folder)]) == 1
    assert "already exists; pass --force" in capsys.readouterr().err
    assert (folder / "model.json").read_text() == "{}"
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main([*argv, "--out", str(blocker / "sub")]) == 1
    assert f"{blocker} is a file, not a folder" in capsys.readouterr().err
    assert main([*argv, "--out", str(folder), "--force", "-q"]) == 0
    assert json.loads((folder / "model.json").read_text()) != {}


def test_an_errno_error_names_the_asked_path_not_a_temporary_file(capsys):
    out = "/proc/symworld-test.csv"  # no file can be created in /proc, even by root
    argv = ["collect", "CartPole-v1", "--steps", "2", "--out", out]
    assert main(argv) == 1
    err = capsys.readouterr().err
    # refused before collecting, by the out-path check, which probes /proc itself
    assert f"error: --out {out}: cannot write to folder /proc (" in err
    assert ".tmp" not in err and "Errno" not in err and "probe" not in err


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--min-precision", "2", "--min-precision must be in (0, 1], got 2.0"),
        ("--min-precision", "0", "--min-precision must be in (0, 1], got 0.0"),
        ("--min-precision", "nan", "--min-precision must be in (0, 1], got nan"),
    ],
)
def test_induce_rejects_out_of_range_search_settings(
    tmp_path, capsys, flag, value, message
):
    out = tmp_path / "laws.py"
    argv = ["induce", "--env", "symworld/Switches-v0", "--steps", "5"]
    assert main([*argv, "--out", str(out), flag, value]) == 1
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag", ["--min-support", "--iterations"])
def test_induce_rejects_counts_below_one_at_the_flag(tmp_path, capsys, flag):
    out = tmp_path / "laws.py"
    argv = ["induce", "--env", "symworld/Switches-v0", "--steps", "5"]
    with pytest.raises(SystemExit) as stopped:
        main([*argv, "--out", str(out), flag, "0"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: expected an integer of at least 1, got '0'" in err
    assert list(tmp_path.iterdir()) == []


def test_collect_of_a_law_env_refuses_csv_before_collecting(tmp_path, capsys):
    out = tmp_path / "sw.csv"
    argv = ["collect", "symworld/Switches-v0", "--steps", "5", "--out", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "cannot be written as CSV" in err and "write .npz or .parquet" in err
    assert not out.exists()
    # observations still fit CSV when asked for
    assert main([*argv, "--record", "observation", "-q"]) == 0
    assert list(read_trajectory(out).state) == ["toggle", "coin", "fixed"]


@pytest.mark.parametrize("suffix", [".csv", ".npz", ".parquet"])
def test_collect_state_of_a_non_functional_env_says_so_first(tmp_path, capsys, suffix):
    out = tmp_path / f"e{suffix}"
    argv = ["collect", "CartPole-v1", "--steps", "10", "--record", "state"]
    assert main([*argv, "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        "symworld collect: error: record='state' needs a symworld functional env; "
        "CartPole-v1 has no functional state\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
def test_collect_switches_then_fit_laws_from_the_file(tmp_path, capsys, suffix):
    data = tmp_path / f"sw60{suffix}"
    argv = ["collect", "symworld/Switches-v0", "--steps", "60", "--out", str(data)]
    assert main([*argv, "-q"]) == 0
    trajectory = read_trajectory(data)
    assert list(trajectory.state) == ["toggle", "coin", "fixed", "time"]
    moves = trajectory.transitions()
    assert np.array_equal(moves.next_state["time"], moves.state["time"] + 1)
    out = tmp_path / "model"
    fit = ["fit", "laws", "--env", "symworld/Switches-v0", "--data", str(data)]
    fit += ["--out", str(out), "--iterations", "20", "--json"]
    assert main(fit) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["transitions"] == 60 and summary["source"] == str(data)
    model = json.loads((out / "model.json").read_text())
    assert model["fit"]["transitions"] == 60
    # a second fit into the same folder is refused without --force
    assert main(fit) == 1
    assert "model.json: already exists; pass --force" in capsys.readouterr().err


def test_collect_switches_then_induce_from_the_file(tmp_path, capsys):
    data = tmp_path / "sw.npz"
    argv = ["collect", "symworld/Switches-v0", "--steps", "60", "--out", str(data)]
    assert main([*argv, "-q"]) == 0
    out = tmp_path / "laws.py"
    induce = ["induce", "--env", "symworld/Switches-v0", "--data", str(data)]
    assert main([*induce, "--out", str(out), "--iterations", "20", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["transitions"] == 60
    # the clock ticks by one every step: induction finds that law from the file
    assert "time_plus_1" in [law["name"] for law in summary["laws"]]
    assert out.is_file() and (tmp_path / "laws_model" / "model.json").is_file()


def test_quiet_fit_and_induce_print_nothing_but_write_their_files(tmp_path, capsys):
    """-q (before or after the subcommand) keeps only errors: no result tables
    (fit, induce, evaluate, extract), the files are still written."""
    data = tmp_path / "sw.npz"
    argv = ["collect", "symworld/Switches-v0", "--steps", "40", "--out", str(data)]
    assert main([*argv, "-q"]) == 0
    fit = ["fit", "laws", "--env", "symworld/Switches-v0", "--data", str(data)]
    fit += ["--iterations", "10"]
    assert main(["-q", *fit, "--out", str(tmp_path / "m1")]) == 0
    assert main([*fit, "--out", str(tmp_path / "m2"), "-q"]) == 0
    induce = ["induce", "--env", "symworld/Switches-v0", "--data", str(data)]
    induce += ["--iterations", "10"]
    assert main(["-q", *induce, "--out", str(tmp_path / "l1.py")]) == 0
    assert main([*induce, "--out", str(tmp_path / "l2.py"), "-q"]) == 0
    evaluate = ["evaluate", str(tmp_path / "m1"), "--trials", "1", "-q"]
    assert main(evaluate) == 0
    decay = 3 * 0.9 ** np.arange(30)  # x[t+1] - x[t] = -0.1 x[t]
    np.savetxt(tmp_path / "x.csv", decay[:, None], header="x", comments="")
    extract = ["extract", str(tmp_path / "x.csv"), "--target", "next"]
    extract += ["--engine", "sparse", "--out", str(tmp_path / "eq"), "-q"]
    assert main(extract) == 0
    assert capsys.readouterr() == ("", "")
    written = ["m1/model.json", "m2/model.json", "l1.py", "l2_model/model.json"]
    written += ["m1/evaluation.json", "eq/model.json"]
    for path in written:
        assert (tmp_path / path).is_file()


def test_induce_names_weights_when_its_model_exists(tmp_path, capsys):
    (tmp_path / "fit1").mkdir()
    (tmp_path / "fit1" / "model.json").write_text("{}")
    argv = ["induce", "--env", "symworld/Switches-v0", "--steps", "5"]
    argv += ["--out", str(tmp_path / "l.py"), "--weights", str(tmp_path / "fit1")]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"symworld induce: error: --weights {tmp_path / 'fit1' / 'model.json'}: "
        "already exists; pass --force to replace it or choose another path\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit1"]


def test_induce_refuses_a_csv_save_trajectory_before_exploring(tmp_path, capsys):
    argv = ["induce", "--env", "symworld/Switches-v0", "--steps", "5"]
    argv += ["--out", str(tmp_path / "l.py"), "--save-trajectory"]
    assert main([*argv, str(tmp_path / "life.csv")]) == 1
    assert "cannot be written as CSV" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_induce_refuses_save_trajectory_with_data(tmp_path, capsys):
    """With --data nothing is explored, so --save-trajectory would be ignored."""
    data = tmp_path / "sw.npz"
    data.write_bytes(b"")  # refused before the file is read
    argv = ["induce", "--env", "symworld/Switches-v0", "--data", str(data)]
    argv += ["--out", str(tmp_path / "l.py"), "--save-trajectory"]
    assert main([*argv, str(tmp_path / "life.npz")]) == 1
    assert "--save-trajectory keeps an explored life" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sw.npz"]


@pytest.mark.slow
def test_collect_crafter_state_is_read_by_the_law_data_reader(tmp_path):
    from symworld.programs.data import transitions_from_file
    from symworld.programs.environments import law_environment

    data = tmp_path / "cr.parquet"
    argv = ["collect", "symworld/CrafterOO-v0", "--steps", "5", "--out", str(data)]
    assert main([*argv, "-q"]) == 0
    environment = law_environment("symworld/CrafterOO-v0")
    batch = transitions_from_file(str(data), environment.schema())
    assert batch.actions.shape == (5,)
    assert batch.states.occupant.shape == (5, 64, 64)
    assert np.array_equal(batch.next_states.step, batch.states.step + 1)


def test_extract_rejects_zero_iterations_at_the_flag(tmp_path, capsys):
    """The search's own check would be reported as a fault of the data file."""
    with pytest.raises(SystemExit) as stopped:
        main(["extract", str(tmp_path / "any.csv"), "--niterations", "0"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "argument --niterations: expected an integer of at least 1" in err


@pytest.mark.parametrize(
    ("command", "flag"),
    [
        (["collect", "CartPole-v1", "--out", "c.csv"], "--steps"),
        (["collect", "CartPole-v1", "--out", "c.csv"], "--episodes"),
        (["fit", "laws", "--env", "symworld/Switches-v0", "--out", "o"], "--steps"),
        (["induce", "--env", "symworld/Switches-v0", "--out", "l.py"], "--steps"),
        (["plan", "m", "--task", "swing_up"], "--max-steps"),
        (["plan", "m", "--task", "swing_up"], "--samples"),
        (["plan", "m", "--task", "swing_up"], "--horizon"),
        (["encode", "d.csv", "--out", "o"], "--epochs"),
        (["encode", "d.csv", "--out", "o"], "--latent"),
        (["encode", "d.csv", "--out", "o"], "--batch-size"),
        (["evaluate", "m"], "--trials"),
    ],
)
def test_every_count_flag_refuses_zero_naming_the_flag(command, flag, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, flag, "0"])
    assert exit_info.value.code == 2
    assert f"argument {flag}: expected an integer of at least 1, got '0'" in (
        capsys.readouterr().err
    )
