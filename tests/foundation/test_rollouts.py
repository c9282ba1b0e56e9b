"""Rollouts from gymnasium envs: files read back identical to a direct rollout."""

import gymnasium
import numpy as np
import pytest

from symworld.cli import main
from symworld.rollouts import collect
from symworld.trajectory_io import read_trajectory


def direct_rollout(env_id: str, seed: int, actions: np.ndarray, episode_lengths):
    """Replay ``actions`` in a fresh gymnasium env: reset(seed) then reset() between
    episodes. Returns the observations row by row."""
    env = gymnasium.make(env_id)
    rows, rewards = [], []
    observation, _ = env.reset(seed=seed)
    cursor = 0
    for length in episode_lengths:
        rows.append(observation)
        for _ in range(length):
            observation, reward, terminated, truncated, _ = env.step(actions[cursor])
            rows.append(observation)
            rewards.append(reward)
            cursor += 1
        if terminated or truncated:
            observation, _ = env.reset()
    env.close()
    return np.asarray(rows), np.asarray(rewards)


@pytest.mark.parametrize("suffix", [".parquet", ".npz", ".csv"])
def test_collect_pendulum_matches_a_direct_gymnasium_rollout(tmp_path, suffix):
    out = tmp_path / f"p{suffix}"
    assert (
        main(
            [
                "collect",
                "Pendulum-v1",
                "--steps",
                "1000",
                "--seed",
                "0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    trajectory = read_trajectory(out)
    assert trajectory.num_transitions == 1000
    assert trajectory.num_episodes == 5  # Pendulum-v1 truncates at 200 steps
    moves = trajectory.transitions()
    lengths = [int(np.sum(moves.episode == e)) for e in trajectory.episode_ids]
    observations, rewards = direct_rollout(
        "Pendulum-v1",
        0,
        moves.action["action"].astype(np.float32).reshape(-1, 1),
        lengths,
    )
    names = ["cos_theta", "sin_theta", "theta_dot"]
    assert np.array_equal(trajectory.state_matrix(names), observations)
    assert np.array_equal(moves.reward, rewards)
    assert moves.truncated.sum() == 5 and not moves.terminated.any()


@pytest.mark.parametrize(
    "env_id, names",
    [
        ("MountainCar-v0", ["position", "velocity"]),
        ("CartPole-v1", ["x", "x_dot", "theta", "theta_dot"]),
        (
            "Acrobot-v1",
            [
                "cos_theta1",
                "sin_theta1",
                "cos_theta2",
                "sin_theta2",
                "theta1_dot",
                "theta2_dot",
            ],
        ),
    ],
)
def test_collect_classic_control(env_id, names):
    trajectory = collect(env_id, steps=300, seed=3)
    assert trajectory.num_transitions == 300
    assert list(trajectory.state) == names
    moves = trajectory.transitions()
    lengths = [int(np.sum(moves.episode == e)) for e in trajectory.episode_ids]
    observations, rewards = direct_rollout(env_id, 3, moves.action["action"], lengths)
    assert np.array_equal(trajectory.state_matrix(names), observations)
    assert np.array_equal(moves.reward, rewards)


def test_same_seed_same_bits_and_other_seed_differs():
    first = collect("Pendulum-v1", steps=120, seed=11)
    again = collect("Pendulum-v1", steps=120, seed=11)
    other = collect("Pendulum-v1", steps=120, seed=12)
    assert first.equals(again)
    assert not first.equals(other)


def test_collect_by_episodes_and_with_a_policy():
    trajectory = collect("CartPole-v1", episodes=3, seed=1, policy=lambda obs: 1)
    moves = trajectory.transitions()
    assert trajectory.num_episodes == 3
    assert int(moves.terminated.sum() + moves.truncated.sum()) == 3
    assert set(moves.action["action"].tolist()) == {1}


@pytest.mark.parametrize(
    "mode",
    [
        gymnasium.vector.AutoresetMode.NEXT_STEP,
        gymnasium.vector.AutoresetMode.SAME_STEP,
    ],
)
def test_collect_vector_env_episodes_are_whole_and_consistent(mode):
    envs = gymnasium.make_vec(
        "CartPole-v1",
        3,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": mode},
    )
    trajectory = collect(envs, steps=300, seed=5)
    envs.close()
    assert 300 <= trajectory.num_transitions < 303
    moves = trajectory.transitions()
    # every finished episode ends with exactly one terminal flag, on its last move
    for episode in trajectory.episode_ids:
        flags = (moves.terminated | moves.truncated)[moves.episode == episode]
        assert flags[:-1].sum() == 0
    # CartPole's state after a non-terminal step is never a fresh reset state
    # (|x| < 0.05 for all four values); a NEXT_STEP reset step would look like one
    gaps = np.abs(moves.next_state["x_dot"] - moves.state["x_dot"])
    assert gaps.max() < 1.0


def test_collect_switches_names_its_columns():
    trajectory = collect("symworld/Switches-v0", steps=150, seed=0)
    assert list(trajectory.state) == ["toggle", "coin", "fixed"]
    moves = trajectory.transitions()
    flip = moves.action["action"] == 1
    assert np.array_equal(
        moves.next_state["toggle"],
        np.where(flip, 1 - moves.state["toggle"], moves.state["toggle"]),
    )
    assert np.array_equal(moves.next_state["fixed"], moves.state["fixed"])


def test_unknown_env_is_a_clear_error():
    with pytest.raises(ValueError, match="NoSuchEnv-v0"):
        collect("NoSuchEnv-v0", steps=10)
