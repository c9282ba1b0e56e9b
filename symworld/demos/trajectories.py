"""Demo section: collect rollouts, write them in every format, read them back."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from symworld.rollouts import collect
from symworld.trajectory_io import SUFFIXES, read_trajectory, write_trajectory


def run(seed: int) -> dict[str, Any]:
    """Collect 400 Pendulum-v1 and 200 Switches steps; round-trip them through files."""
    lines = []
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for env_id, steps in (("Pendulum-v1", 400), ("symworld/Switches-v0", 200)):
            trajectory = collect(env_id, steps=steps, seed=seed)
            exact = {}
            for suffix in SUFFIXES:
                path = Path(folder) / f"rollout{suffix}"
                write_trajectory(trajectory, path)
                exact[suffix] = read_trajectory(path).equals(trajectory)
            result[env_id] = {
                "episodes": trajectory.num_episodes,
                "transitions": trajectory.num_transitions,
                "state": list(trajectory.state),
                "round_trip_exact": exact,
            }
            formats = ", ".join(
                f"{s} {'exact' if ok else 'DIFFERS'}" for s, ok in exact.items()
            )
            lines.append(
                f"{env_id}: {trajectory.num_transitions} transitions in "
                f"{trajectory.num_episodes} episodes; state {list(trajectory.state)}; "
                f"files: {formats}"
            )
    result["lines"] = lines
    return result
