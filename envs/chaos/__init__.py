"""Chaotic flows as trajectory sources: Lorenz-63, Rössler and more from dysts.

- :mod:`symworld.envs.chaos.systems`: the table of systems (equations as text,
  published parameters, initial conditions, periods, scales).
- :mod:`symworld.envs.chaos.integration`: integration with diffrax and sampling with
  noise, transient removal and z-scoring, as arrays or as a
  :class:`symworld.trajectory.Trajectory`.

Example::

    import jax
    from symworld.envs import chaos

    traj = chaos.trajectory("Lorenz", key=jax.random.key(0), num_steps=2000,
                            dt=0.01, noise=0.01)
    traj.state_matrix(["x", "y", "z"]).shape   # (2000, 3)
"""

from symworld.envs.chaos.integration import (
    FlowData,
    integrate,
    simulate,
    to_trajectory,
    trajectory,
)
from symworld.envs.chaos.systems import SYSTEMS, FlowSystem, get_system, list_systems

__all__ = [
    "SYSTEMS",
    "FlowData",
    "FlowSystem",
    "get_system",
    "integrate",
    "list_systems",
    "simulate",
    "to_trajectory",
    "trajectory",
]
