"""symworld: interpretable world models of environments, in JAX.

Three kinds of world model share one interface (:class:`symworld.WorldModel`): laws
composed in a numpyro program, symbolic equations, and almost-linear RNNs.
"""

# ruff: noqa: E402
from symworld._interrupt import quiet_interrupt_during_import

quiet_interrupt_during_import()  # Ctrl-C during the imports below: one line

from symworld._source_tree import map_source_tree

map_source_tree(__file__)  # python run from a checkout's root: see _source_tree

from symworld._threefry import unroll_threefry_on_cpu

unroll_threefry_on_cpu()  # same random bits, no rolled loop on the CPU: see _threefry

import symworld.envs  # noqa: F401  (registers the gymnasium environments)
from symworld._version import __version__
from symworld.trajectory import Trajectory, TrajectoryFileError, Transitions
from symworld.worldmodel import EnvModel, WorldModel

__all__ = [
    "EnvModel",
    "Trajectory",
    "TrajectoryFileError",
    "Transitions",
    "WorldModel",
    "__version__",
]
