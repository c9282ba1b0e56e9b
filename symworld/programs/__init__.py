"""Laws in a probabilistic program: preconditions, effects, pooling and fitting.

- :mod:`~symworld.programs.law`: :class:`Law`, :class:`Probability`, :class:`Simplex`.
- :mod:`~symworld.programs.effects`: effect distributions (:func:`point`,
  :func:`change`, :func:`categorical`, :func:`bernoulli`, :func:`uniform`,
  :func:`moves`).
- :mod:`~symworld.programs.attributes`: :class:`Schema` and :class:`Attribute`.
- :mod:`~symworld.programs.model`: :class:`LawModel` (a WorldModel).
- :mod:`~symworld.programs.fitting`: the numpyro program; MAP, SVI, NUTS.
- :mod:`~symworld.programs.source`: saving and loading fitted models.
"""

from symworld.programs.attributes import Attribute, Schema
from symworld.programs.effects import (
    Distribution,
    bernoulli,
    categorical,
    change,
    moves,
    point,
    uniform,
)
from symworld.programs.fitting import FitResult, Priors
from symworld.programs.law import Law, Probability, Simplex
from symworld.programs.layout import LawError
from symworld.programs.model import LawModel

__all__ = [
    "Attribute",
    "Distribution",
    "FitResult",
    "Law",
    "LawError",
    "LawModel",
    "Priors",
    "Probability",
    "Schema",
    "Simplex",
    "bernoulli",
    "categorical",
    "change",
    "moves",
    "point",
    "uniform",
]
