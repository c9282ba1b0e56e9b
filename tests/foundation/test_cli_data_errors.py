"""Bad data files give errors naming the file and the column at fault; extract says
when it renames columns and records the original names."""

import json
import logging

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from symworld.cli import main
from symworld.equations.extract import symbol_names
from symworld.trajectory import TrajectoryFileError
from symworld.trajectory_io import read_trajectory


def test_extract_names_the_file_and_counts_samples_of_a_constant_input(
    tmp_path, capsys
):
    path = tmp_path / "two_rows.csv"
    path.write_text("x,y\n1,2\n3,4\n")
    argv = ["extract", str(path), "--target", "next", "--engine", "sparse"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"{path}: column 'x' is constant over the 1 sample used" in err
    assert "every one is 1.0" in err and "every row" not in err


def test_extract_refuses_values_whose_squares_overflow(tmp_path, capsys):
    path = tmp_path / "huge.csv"
    rows = "\n".join(f"{(1 + i / 10) * 1e300},{(5 - i / 10) * 1e299}" for i in range(8))
    path.write_text("x,v\n" + rows + "\n")
    argv = ["extract", str(path), "--target", "next", "--engine", "sparse"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    # the inputs x[t] are rows 0-6, the largest 1.6e300
    assert f"{path}: column 'x' holds values up to 1.6e+300" in err
    assert "Pareto" not in err


def test_extract_names_the_time_column_as_the_file_does(tmp_path, capsys):
    path = tmp_path / "nonuni.csv"
    t = np.array([0.0, 0.1, 0.15, 0.4, 0.5, 0.9, 1.0, 1.3, 1.35, 1.7])
    path.write_text("t,x\n" + "".join(f"{v},{np.sin(v)}\n" for v in t))
    argv = ["extract", str(path), "--derivative", "savgol", "--engine", "sparse"]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"symworld extract: error: {path}: column 't', episode 0: Savitzky-Golay "
        "needs a uniform time step"
    )
    assert "'time'" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("target", ["derivative", "next"])
def test_extract_refuses_a_clip_bound_without_a_name(tmp_path, capsys, target):
    argv = ["extract", str(tmp_path / "d.csv"), "--target", target, "--clip", "=3"]
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "argument --clip: '=3' has no column name (NAME=BOUND" in err


def test_extract_refuses_a_clip_its_derivative_target_would_ignore(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("t,x\n" + "".join(f"{i / 10},{i * i}\n" for i in range(10)))
    argv = ["extract", str(path), "--clip", "x=3", "--out", str(tmp_path / "o")]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        "symworld extract: error: --clip drops the clipped transitions of --target "
        "next; --target derivative does not use it\n"
    )
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["inspect", "extract", "encode"])
def test_a_column_selected_twice_is_a_duplicate_column(tmp_path, capsys, command):
    path = tmp_path / "d.csv"
    path.write_text("t,x,y\n" + "".join(f"{i},{i * i},{i % 3}\n" for i in range(9)))
    argv = [command, str(path), "--state", "x,x"]
    argv += ["--out", str(tmp_path / "o")] if command != "inspect" else []
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"symworld {command}: error: {path}, column 'x': the state selection names "
        "column 'x' twice [duplicate-column]\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


def test_encode_names_the_row_and_column_of_a_nan_and_can_drop_it(tmp_path, capsys):
    from symworld.commands.encode import load_series

    values = np.column_stack([np.sin(np.arange(50.0)), np.cos(np.arange(50.0))])
    values[7, 1] = np.nan
    path = tmp_path / "s.npy"
    np.save(path, values)
    assert main(["encode", str(path), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert f"{path}: row 7, column 1: value nan is NaN or infinite" in err
    assert "--drop-nonfinite" in err
    kept = load_series(path, None, drop_nonfinite=True)
    assert kept.shape == (49, 2)
    np.testing.assert_array_equal(kept, np.delete(values, 7, axis=0))


def test_encode_names_a_constant_column(tmp_path):
    from symworld.commands.encode import load_series

    path = tmp_path / "c.csv"
    path.write_text("t,x,w\n" + "".join(f"{i},{i * i},2.5\n" for i in range(10)))
    with pytest.raises(ValueError, match=r"c\.csv: column 'w' is constant .*2\.5"):
        load_series(path, None)
    np.testing.assert_array_equal(load_series(path, ["x"])[:, 0], np.arange(10.0) ** 2)
    ones = tmp_path / "ones.npy"
    np.save(ones, np.stack([np.arange(8.0), np.ones(8)], 1))
    with pytest.raises(ValueError) as info:
        load_series(ones, None)
    assert "column 1 is constant (every row is 1.0); it carries" in str(info.value)


def test_complex_npz_column_is_refused_by_name(tmp_path):
    path = tmp_path / "c.npz"
    np.savez(path, x=np.array([1 + 2j, 3j, 4.0]))
    with pytest.raises(TrajectoryFileError, match="complex") as info:
        read_trajectory(path)
    assert info.value.code == "non-numeric" and "'x'" in str(info.value)


def test_a_non_zip_npz_is_not_called_pickled(tmp_path):
    path = tmp_path / "g.npz"
    path.write_bytes(b"this is not a zip archive at all\n")
    with pytest.raises(TrajectoryFileError, match="not an NPZ archive") as info:
        read_trajectory(path)
    assert info.value.code == "corrupt-file"
    assert "pickle" not in str(info.value)


def test_parquet_duplicate_column_is_named(tmp_path):
    path = tmp_path / "d.parquet"
    table = pa.Table.from_arrays(
        [pa.array([1.0, 2.0]), pa.array([3.0, 4.0])], names=["x", "x"]
    )
    pq.write_table(table, path)
    with pytest.raises(TrajectoryFileError) as info:
        read_trajectory(path)
    assert info.value.code == "duplicate-column"
    assert "['x'] appear more than once" in str(info.value)


def test_symbol_names_keep_valid_names_and_rename_the_others():
    assert symbol_names(["a b", "a_b"]) == ["a_b_2", "a_b"]
    assert symbol_names(["x-y", "x_y", "1x", "class", "θ"]) == [
        "x_y_2",
        "x_y",
        "v_1x",
        "class_",
        "θ",
    ]


def test_extract_warns_about_renames_and_stores_original_names(tmp_path, caplog):
    path = tmp_path / "n.csv"
    rows = [f"{0.9**i},{0.5 * 0.8**i}" for i in range(30)]
    path.write_text("a b,a_b\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out"
    argv = ["extract", str(path), "--target", "next", "--engine", "sparse"]
    with caplog.at_level(logging.WARNING, logger="symworld.equations.extract"):
        assert main([*argv, "--out", str(out), "-q"]) == 0
    assert "'a b' -> a_b_2" in caplog.text
    model = json.loads((out / "model.json").read_text())
    assert model["state_names"] == ["a_b_2", "a_b"]
    assert model["columns"] == {"a_b_2": "a b", "a_b": "a_b"}


def test_a_csv_cell_that_overflows_float64_is_named_as_written(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("x,y\n1,2\n3,1e400\n5,inf\n")
    with pytest.raises(TrajectoryFileError) as info:
        read_trajectory(path, drop_nonfinite=True)
    assert info.value.code == "non-finite" and info.value.row == 3
    assert "1e400 overflows float64" in str(info.value)
    path.write_text("x,y\n1,2\n3,4\n5,-Infinity\n")
    assert read_trajectory(path, drop_nonfinite=True).num_rows == 2
