"""Collect rollouts from a gymnasium env, save them in every format, read them back.

Run: ``python examples/collect_and_inspect.py`` (about 10 s on a laptop CPU).
"""

import tempfile
from pathlib import Path

import numpy as np

import symworld  # noqa: F401  (registers symworld's gymnasium environments)
from symworld.commands.inspect import describe
from symworld.rollouts import collect
from symworld.trajectory_io import read_trajectory, write_trajectory


def main() -> None:
    trajectory = collect("Pendulum-v1", steps=600, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".csv", ".npz", ".parquet"):
            path = write_trajectory(trajectory, Path(folder) / f"pendulum{suffix}")
            exact = read_trajectory(path).equals(trajectory)
            print(f"{path.name}: {path.stat().st_size} bytes, exact: {exact}")
    summary = describe(trajectory)
    print(f"{summary['episodes']} episodes, {summary['transitions']} transitions")
    moves = trajectory.transitions()
    change = moves.next_state["theta_dot"] - moves.state["theta_dot"]
    print(f"mean |Δθ̇| per step: {np.abs(change).mean():.3f} rad/s")


if __name__ == "__main__":
    main()
