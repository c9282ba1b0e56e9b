"""Random trajectories round-trip exactly through every file format (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from symworld.trajectory import Trajectory
from symworld.trajectory_io import read_trajectory, write_trajectory

finite_floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
finite_float32 = st.floats(allow_nan=False, allow_infinity=False, width=32)


@st.composite
def trajectories(draw, flat: bool):
    lengths = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    rows = sum(lengths)
    episode_ids = draw(
        st.lists(
            st.integers(-5, 10**6),
            min_size=len(lengths),
            max_size=len(lengths),
            unique=True,
        )
    )
    episode = np.repeat(np.asarray(episode_ids, dtype=np.int64), lengths)
    first_steps = draw(
        st.lists(st.integers(0, 50), min_size=len(lengths), max_size=len(lengths))
    )
    step = np.concatenate(
        [np.arange(s, s + n, dtype=np.int64) for s, n in zip(first_steps, lengths)]
    )
    names = draw(
        st.lists(
            st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    names = [
        n
        for n in names
        if n
        not in (
            "episode",
            "step",
            "t",
            "time",
            "reward",
            "terminated",
            "truncated",
            "action",
        )
    ]
    names = names or ["x"]
    state = {}
    for index, name in enumerate(names):
        shape = (
            () if flat or index == 0 else draw(st.sampled_from([(2,), (2, 3), (1,)]))
        )
        dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, np.int32]))
        elements = (
            finite_floats
            if dtype == np.float64
            else finite_float32
            if dtype == np.float32
            else st.integers(-(2**31), 2**31 - 1)
        )
        state[name] = draw(hnp.arrays(dtype, (rows, *shape), elements=elements))
    action = {"action": draw(hnp.arrays(np.int64, (rows,), elements=st.integers(0, 9)))}
    time = None
    if draw(st.booleans()):
        increments = draw(
            hnp.arrays(np.float64, (rows,), elements=st.floats(1e-3, 10.0))
        )
        time = np.concatenate(
            [
                np.cumsum(increments[i : i + n])
                for i, n in zip(np.cumsum([0] + lengths[:-1]), lengths)
            ]
        )
    return Trajectory(
        episode=episode,
        step=step,
        state=state,
        action=action,
        reward=draw(hnp.arrays(np.float64, (rows,), elements=finite_floats)),
        terminated=draw(hnp.arrays(bool, (rows,))),
        truncated=draw(hnp.arrays(bool, (rows,))),
        time=time,
    )


@given(trajectories(flat=True))
def test_flat_trajectories_round_trip_through_every_format(tmp_path_factory, original):
    folder = tmp_path_factory.mktemp("flat")
    for suffix in (".csv", ".npz", ".parquet"):
        path = write_trajectory(original, folder / f"t{suffix}")
        restored = read_trajectory(path)
        # CSV keeps every value exactly but reads integers as int64, floats as float64
        assert restored.equals(original, check_dtype=suffix != ".csv"), suffix
        for name in original.state:
            assert np.array_equal(restored.state[name], original.state[name])


@given(trajectories(flat=False))
def test_pytree_trajectories_round_trip_with_dtypes(tmp_path_factory, original):
    folder = tmp_path_factory.mktemp("tree")
    for suffix in (".npz", ".parquet"):
        restored = read_trajectory(write_trajectory(original, folder / f"t{suffix}"))
        assert restored.equals(original), suffix
        for name, values in original.state.items():
            assert restored.state[name].dtype == values.dtype
            assert restored.state[name].shape == values.shape


def test_transitions_pair_consecutive_rows_of_an_episode():
    trajectory = Trajectory(
        episode=np.array([3, 3, 3, 7, 7]),
        step=np.array([0, 1, 2, 0, 1]),
        state={"x": np.array([10, 11, 12, 20, 21])},
        action={"action": np.array([1, 2, 0, 5, 0])},
        reward=np.array([0.5, 1.5, 0, 2.5, 0]),
        terminated=np.array([0, 1, 0, 0, 0], bool),
        truncated=np.zeros(5, bool),
    )
    batch = trajectory.transitions()
    assert batch.state["x"].tolist() == [10, 11, 20]
    assert batch.next_state["x"].tolist() == [11, 12, 21]
    assert batch.action["action"].tolist() == [1, 2, 5]
    assert batch.reward.tolist() == [0.5, 1.5, 2.5]
    assert batch.terminated.tolist() == [False, True, False]
    assert trajectory.num_episodes == 2 and trajectory.num_transitions == 3


def test_csv_with_bom_crlf_quoted_names_and_extreme_floats(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b'\xef\xbb\xbfepisode,step,"arm, left",x\r\n'
        b"0,0,1,-0.0\r\n0,1,2,1e308\r\n0,2,3,5e-324\r\n"
    )
    trajectory = read_trajectory(path)
    assert list(trajectory.state) == ["arm, left", "x"]
    assert trajectory.num_episodes == 1 and trajectory.num_transitions == 2
    x = trajectory.state["x"]
    assert np.signbit(x[0]) and x[1] == 1e308 and x[2] == 5e-324
    again = read_trajectory(write_trajectory(trajectory, tmp_path / "again.csv"))
    assert again.equals(trajectory, check_dtype=True) and np.signbit(
        again.state["x"][0]
    )


def test_trajectory_equality_operator_compares_columns_and_metadata():
    def make(x, metadata=None):
        return Trajectory(
            episode=np.zeros(3, np.int64),
            step=np.arange(3, dtype=np.int64),
            state={"x": np.asarray(x, np.float64)},
            action={},
            reward=np.zeros(3),
            terminated=np.zeros(3, bool),
            truncated=np.zeros(3, bool),
            metadata=metadata or {},
        )

    first = make([0.0, 1.0, np.nan])
    assert first == make([0.0, 1.0, np.nan])  # NaN equals NaN, as in equals()
    assert first != make([0.0, 2.0, np.nan])
    assert first != make([0.0, 1.0, np.nan], {"env_id": "x"})
    assert first != "a trajectory"
    with pytest.raises(TypeError, match="unhashable type: 'Trajectory'"):
        hash(first)
