"""symworld: interpretable world models of environments, in JAX.

Three kinds of world model share one interface (:class:`symworld.WorldModel`): laws
composed in a numpyro program, symbolic equations, and almost-linear RNNs.
"""

import symworld.envs  # noqa: E402,F401  (registers the gymnasium environments)
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
