"""symworld: interpretable world models of environments, in JAX.

Three kinds of world model share one interface (:class:`symworld.WorldModel`): laws
composed in a numpyro program, symbolic equations, and almost-linear RNNs.
"""

from symworld._version import __version__
from symworld.trajectory import Trajectory, TrajectoryFileError, Transitions
from symworld.worldmodel import EnvModel, WorldModel

import symworld.envs  # noqa: E402,F401  (registers the gymnasium environments)

__all__ = [
    "EnvModel",
    "Trajectory",
    "TrajectoryFileError",
    "Transitions",
    "WorldModel",
    "__version__",
]
