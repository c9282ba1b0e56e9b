"""A corpus of malformed trajectory files: each gives its documented error, through
the API and through ``symworld inspect``, naming the file, row and column."""

import json
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from symworld.cli import main
from symworld.trajectory import Trajectory, TrajectoryFileError
from symworld.trajectory_io import read_trajectory, write_trajectory

GOOD_CSV = (
    "episode,step,t,x,action,reward\n0,0,0.0,1.0,1,0\n0,1,0.1,2.0,0,1\n0,2,0.2,3.0,,\n"
)


def small_trajectory() -> Trajectory:
    return Trajectory(
        episode=np.array([0, 0, 0]),
        step=np.array([0, 1, 2]),
        state={"x": np.array([1.0, 2.0, 3.0])},
        action={"action": np.array([1, 0, 0])},
        reward=np.zeros(3),
        terminated=np.zeros(3, bool),
        truncated=np.zeros(3, bool),
        time=np.array([0.0, 0.1, 0.2]),
    )


def write_text(path, text):
    path.write_text(text)
    return path


def npz_with_version(path, version):
    write_trajectory(small_trajectory(), path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    schema = json.loads(str(arrays["__schema__"]))
    schema["version"] = version
    arrays["__schema__"] = np.asarray(json.dumps(schema))
    np.savez(path, **arrays)
    return path


def parquet_with_version(path, version):
    write_trajectory(small_trajectory(), path)
    table = pq.read_table(path)
    schema = json.loads(table.schema.metadata[b"symworld"])
    schema["version"] = version
    table = table.replace_schema_metadata({b"symworld": json.dumps(schema).encode()})
    pq.write_table(table, path)
    return path


def truncated(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


# name -> (builder(tmp_path) -> path, read kwargs, code, row, column)
CASES = {
    "empty csv": (lambda d: write_text(d / "e.csv", ""), {}, "empty-file", None, None),
    "blank csv": (
        lambda d: write_text(d / "b.csv", "\n\n  \n"),
        {},
        "empty-file",
        None,
        None,
    ),
    "header only": (
        lambda d: write_text(d / "h.csv", "episode,step,x\n"),
        {},
        "header-only",
        1,
        None,
    ),
    "ragged long": (
        lambda d: write_text(d / "r.csv", "step,x\n0,1\n1,2,3\n"),
        {},
        "ragged-row",
        3,
        None,
    ),
    "ragged short": (
        lambda d: write_text(d / "s.csv", "step,x,y\n0,1,2\n1,2\n"),
        {},
        "ragged-row",
        3,
        None,
    ),
    "text cell": (
        lambda d: write_text(d / "t.csv", "step,x\n0,1\n1,abc\n"),
        {},
        "non-numeric",
        3,
        "x",
    ),
    "empty state cell": (
        lambda d: write_text(d / "c.csv", "step,x,y\n0,1,2\n1,,3\n"),
        {},
        "non-numeric",
        3,
        "x",
    ),
    "empty action mid-episode": (
        lambda d: write_text(d / "a.csv", "step,x,action\n0,1,\n1,2,1\n2,3,\n"),
        {},
        "non-numeric",
        2,
        "action",
    ),
    "bad flag": (
        lambda d: write_text(d / "f.csv", "step,x,terminated\n0,1,2\n1,2,0\n"),
        {},
        "non-numeric",
        2,
        "terminated",
    ),
    "nan state": (
        lambda d: write_text(d / "n.csv", "step,x\n0,1\n1,nan\n2,3\n"),
        {},
        "non-finite",
        3,
        "x",
    ),
    "inf reward": (
        lambda d: write_text(d / "i.csv", "step,x,reward\n0,1,-inf\n1,2,0\n"),
        {},
        "non-finite",
        2,
        "reward",
    ),
    "time not increasing": (
        lambda d: write_text(d / "tm.csv", "episode,t,x\n0,0.0,1\n0,0.1,2\n0,0.1,3\n"),
        {},
        "time-order",
        4,
        "t",
    ),
    "duplicate step": (
        lambda d: write_text(d / "d.csv", "episode,step,x\n0,0,1\n0,1,2\n0,1,3\n"),
        {},
        "duplicate-step",
        4,
        "step",
    ),
    "episode split": (
        lambda d: write_text(d / "sp.csv", "episode,step,x\n0,0,1\n1,0,2\n0,1,3\n"),
        {},
        "episode-split",
        4,
        "episode",
    ),
    "steps out of order": (
        lambda d: write_text(d / "o.csv", "episode,step,x\n0,1,1\n0,0,2\n"),
        {},
        "step-order",
        3,
        "step",
    ),
    "duplicate header": (
        lambda d: write_text(d / "dh.csv", "step,x,x\n0,1,2\n"),
        {},
        "duplicate-column",
        1,
        "x",
    ),
    "no state column": (
        lambda d: write_text(d / "ns.csv", "episode,step,reward\n0,0,1\n0,1,1\n"),
        {},
        "missing-column",
        None,
        None,
    ),
    "required column missing": (
        lambda d: write_text(d / "rq.csv", GOOD_CSV),
        {"require": ["x", "v"]},
        "missing-column",
        None,
        "v",
    ),
    "unknown selected column": (
        lambda d: write_text(d / "u.csv", GOOD_CSV),
        {"state": "x,y"},
        "unknown-column",
        None,
        "y",
    ),
    "npz wrong version": (
        lambda d: npz_with_version(d / "v.npz", 99),
        {},
        "schema-version",
        None,
        None,
    ),
    "parquet wrong version": (
        lambda d: parquet_with_version(d / "v.parquet", 2),
        {},
        "schema-version",
        None,
        None,
    ),
    "npz truncated": (
        lambda d: truncated(write_trajectory(small_trajectory(), d / "tr.npz")),
        {},
        "corrupt-file",
        None,
        None,
    ),
    "parquet truncated": (
        lambda d: truncated(write_trajectory(small_trajectory(), d / "tr.parquet")),
        {},
        "corrupt-file",
        None,
        None,
    ),
    "parquet garbage": (
        lambda d: write_text(d / "g.parquet", "this is not parquet"),
        {},
        "corrupt-file",
        None,
        None,
    ),
    "npz empty": (lambda d: write_text(d / "z.npz", ""), {}, "empty-file", None, None),
    "npz ragged": (
        lambda d: (np.savez(d / "rg.npz", x=np.zeros(3), y=np.zeros(2)), d / "rg.npz")[
            1
        ],
        {},
        "ragged-row",
        None,
        None,
    ),
    "parquet text column": (
        lambda d: (
            pq.write_table(
                pa.table({"x": [1.0, 2.0], "label": ["a", "b"]}), d / "s.parquet"
            ),
            d / "s.parquet",
        )[1],
        {},
        "non-numeric",
        None,
        "label",
    ),
    "unknown suffix": (
        lambda d: write_text(d / "x.txt", GOOD_CSV),
        {},
        "unsupported-format",
        None,
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_file_gives_documented_error(name, tmp_path, capsys):
    build, kwargs, code, row, column = CASES[name]
    path = build(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())

    with pytest.raises(TrajectoryFileError) as caught:
        read_trajectory(path, **kwargs)
    error = caught.value
    assert error.code == code
    assert error.path == str(path)
    assert str(path) in str(error)
    assert error.row == row
    assert error.column == column

    argv = ["inspect", str(path)]
    for key in ("state", "action", "time"):
        if key in kwargs:
            argv += [f"--{key}", kwargs[key]]
    if "require" not in kwargs:
        assert main(argv) == 1
        message = capsys.readouterr().err
        assert f"[{code}]" in message and str(path) in message
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_corpus_covers_every_documented_code():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "trajectory-format.md").read_text()
    codes = {case[2] for case in CASES.values()}
    for code in codes:
        assert f"`{code}`" in doc, f"{code} is not documented"
    assert len(CASES) >= 15


def test_drop_nonfinite_drops_rows_and_their_transitions(tmp_path):
    path = write_text(
        tmp_path / "n.csv", "step,x,action\n0,1,0\n1,nan,1\n2,3,0\n3,4,1\n"
    )
    trajectory = read_trajectory(path, drop_nonfinite=True)
    assert trajectory.metadata["dropped_rows"] == 1
    assert trajectory.state["x"].tolist() == [1.0, 3.0, 4.0]
    transitions = trajectory.transitions()
    # only 2 -> 3 survives; 0 -> 1 and 1 -> 2 touched the dropped row
    assert transitions.state["x"].tolist() == [3.0]
    assert transitions.next_state["x"].tolist() == [4.0]
    assert transitions.action["action"].tolist() == [0]


def test_failed_write_leaves_nothing(tmp_path):
    trajectory = Trajectory(
        episode=np.zeros(2, int),
        step=np.arange(2),
        state={"grid": np.zeros((2, 3, 3))},
        action={},
        reward=np.zeros(2),
        terminated=np.zeros(2, bool),
        truncated=np.zeros(2, bool),
    )
    with pytest.raises(TrajectoryFileError) as caught:
        write_trajectory(trajectory, tmp_path / "grid.csv")
    assert caught.value.code == "not-flat" and caught.value.column == "grid"
    assert list(tmp_path.iterdir()) == []


def test_npz_never_unpickles(tmp_path):
    path = tmp_path / "p.npz"
    np.savez(path, x=np.array([{"a": 1}, {"b": 2}], dtype=object))
    with pytest.raises(TrajectoryFileError) as caught:
        read_trajectory(path)
    assert caught.value.code == "corrupt-file"
    assert zipfile.is_zipfile(path)


def with_columns(**changes) -> Trajectory:
    base = small_trajectory()
    fields = {
        "episode": base.episode,
        "step": base.step,
        "state": base.state,
        "action": base.action,
        "reward": base.reward,
        "terminated": base.terminated,
        "truncated": base.truncated,
        "time": base.time,
    }
    fields.update(changes)
    return Trajectory(**fields)


# name -> (trajectory, suffix, code, column)
UNWRITABLE = {
    "state named reward": (
        with_columns(state={"reward": np.ones(3)}),
        ".csv",
        "bad-name",
        "reward",
    ),
    "state named t": (
        with_columns(state={"t": np.ones(3)}),
        ".csv",
        "bad-name",
        "t",
    ),
    "empty name": (with_columns(state={"": np.ones(3)}), ".csv", "bad-name", ""),
    "padded name": (with_columns(state={" x": np.ones(3)}), ".csv", "bad-name", " x"),
    "csv action without action name": (
        with_columns(action={"force": np.ones(3)}),
        ".csv",
        "bad-name",
        "force",
    ),
    "csv state with action name": (
        with_columns(state={"action.x": np.ones(3)}, action={}),
        ".csv",
        "bad-name",
        "action.x",
    ),
    "nan state": (
        with_columns(state={"x": np.array([1.0, np.nan, 2.0])}),
        ".parquet",
        "non-finite",
        "x",
    ),
    "complex state": (
        with_columns(state={"x": np.ones(3, complex)}),
        ".npz",
        "non-numeric",
        "x",
    ),
    "text state": (
        with_columns(state={"x": np.array(["a", "b", "c"])}),
        ".parquet",
        "non-numeric",
        "x",
    ),
    "empty per-row shape": (
        with_columns(state={"x": np.ones((3, 0))}),
        ".parquet",
        "wrong-shape",
        "x",
    ),
    "uint64 beyond int64 in csv": (
        with_columns(state={"x": np.array([0, 1, 2**64 - 1], dtype=np.uint64)}),
        ".csv",
        "non-numeric",
        "x",
    ),
}


@pytest.mark.parametrize("name", sorted(UNWRITABLE))
def test_writer_refuses_what_would_not_read_back(name, tmp_path):
    trajectory, suffix, code, column = UNWRITABLE[name]
    target = tmp_path / f"out{suffix}"
    with pytest.raises(TrajectoryFileError) as caught:
        write_trajectory(trajectory, target)
    assert caught.value.code == code and caught.value.column == column
    assert caught.value.path == str(target)  # the real name, never the temporary one
    assert list(tmp_path.iterdir()) == []


def edited_schema(path, **fields):
    write_trajectory(small_trajectory(), path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    schema = json.loads(str(arrays["__schema__"]))
    schema.update(fields)
    arrays["__schema__"] = np.asarray(json.dumps(schema))
    np.savez(path, **arrays)
    return path


# name -> (builder, read kwargs, code, column)
MORE_CASES = {
    "schema time missing": (
        lambda d: (
            lambda p: (
                np.savez(
                    p,
                    **{
                        k: v
                        for k, v in np.load(p, allow_pickle=False).items()
                        if k != "time"
                    },
                ),
                p,
            )[1]
        )(edited_schema(d / "t.npz", time="t")),
        {},
        "missing-column",
        "t",
    ),
    "schema state not a list": (
        lambda d: edited_schema(d / "s.npz", state="x"),
        {},
        "corrupt-file",
        None,
    ),
    "schema metadata not an object": (
        lambda d: edited_schema(d / "m.npz", metadata=[1]),
        {},
        "corrupt-file",
        None,
    ),
    "schema version true": (
        lambda d: edited_schema(d / "v.npz", version=True),
        {},
        "schema-version",
        None,
    ),
    "schema shape disagrees": (
        lambda d: edited_schema(d / "h.npz", shapes={"x": [2]}),
        {},
        "wrong-shape",
        "x",
    ),
    "two time columns": (
        lambda d: write_text(d / "tt.csv", "t,time,x\n0,5,1\n1,3,2\n"),
        {},
        "duplicate-column",
        "time",
    ),
    "reserved column selected as state": (
        lambda d: write_text(d / "rs.csv", GOOD_CSV),
        {"state": ["reward"]},
        "duplicate-column",
        "reward",
    ),
    "integer beyond int64": (
        lambda d: write_text(d / "big.csv", "step,x\n0,1\n1,99999999999999999999\n"),
        {},
        "non-numeric",
        "x",
    ),
    "true in a state column": (
        lambda d: write_text(d / "tr.csv", "step,x\n0,True\n1,2\n"),
        {},
        "non-numeric",
        "x",
    ),
    "underscore number": (
        lambda d: write_text(d / "us.csv", "step,x\n0,1_000\n1,2\n"),
        {},
        "non-numeric",
        "x",
    ),
    "split episode without steps": (
        lambda d: write_text(d / "se.csv", "episode,x\n0,1\n1,2\n0,3\n"),
        {},
        "episode-split",
        "episode",
    ),
    "every row dropped": (
        lambda d: write_text(d / "ad.csv", "step,x\n0,nan\n1,inf\n"),
        {"drop_nonfinite": True},
        "non-finite",
        None,
    ),
    "directory": (
        lambda d: (d / "dir.csv").mkdir() or d / "dir.csv",
        {},
        "missing-file",
        None,
    ),
    "missing file": (lambda d: d / "none.csv", {}, "missing-file", None),
}


@pytest.mark.parametrize("name", sorted(MORE_CASES))
def test_more_malformed_inputs(name, tmp_path):
    build, kwargs, code, column = MORE_CASES[name]
    path = build(tmp_path)
    with pytest.raises(TrajectoryFileError) as caught:
        read_trajectory(path, **kwargs)
    assert caught.value.code == code and caught.value.column == column
    assert str(path) in str(caught.value)


def test_a_reserved_column_given_as_time_is_called_the_time_column(tmp_path, capsys):
    path = write_text(tmp_path / "p.csv", GOOD_CSV)
    with pytest.raises(TrajectoryFileError) as caught:
        read_trajectory(path, time="reward")
    assert caught.value.code == "duplicate-column" and caught.value.column == "reward"
    message = (
        f"{path}, column 'reward': 'reward' was given as the time column (time=, "
        "--time), but it is the file's reserved reward column, not a time: give the "
        "column holding the time (t or time, or another numeric column) "
        "[duplicate-column]"
    )
    assert str(caught.value) == message
    assert "state or action" not in message
    assert main(["inspect", str(path), "--time", "reward"]) == 1
    assert capsys.readouterr().err == f"symworld inspect: error: {message}\n"


def test_written_files_get_ordinary_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        path = write_trajectory(small_trajectory(), tmp_path / "p.csv")
        assert path.stat().st_mode & 0o777 == 0o644
        path.chmod(0o640)
        write_trajectory(small_trajectory(), path)
        assert path.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode
    finally:
        os.umask(umask)


def test_schema_files_keep_states_named_like_reserved_columns(tmp_path):
    trajectory = with_columns(
        state={"step": np.array([7, 8, 9]), "time": np.array([1.0, 0.5, 0.25])},
        action={"reward": np.array([1, 0, 0])},
    )
    for suffix in (".npz", ".parquet"):
        again = read_trajectory(write_trajectory(trajectory, tmp_path / f"r{suffix}"))
        assert again.equals(trajectory), suffix
        assert again.state["step"].tolist() == [7, 8, 9]
        assert again.step.tolist() == [0, 1, 2]
        assert again.time.tolist() == [0.0, 0.1, 0.2]
