"""Almost-linear RNN reconstructions of dynamical systems and their symbolic codes.

See ``docs/alrnn.md``. The main entry points are re-exported here.
"""

from symworld.alrnn.checkpoints import load_model, save_model
from symworld.alrnn.encoding import Encoding, encode_series
from symworld.alrnn.models import ALRNN, PLRNN, LatentModel, ShallowPLRNN
from symworld.alrnn.training import TrainingConfig, TrainingResult, train
from symworld.alrnn.world_model import ALRNNModel

__all__ = [
    "ALRNN",
    "ALRNNModel",
    "Encoding",
    "LatentModel",
    "PLRNN",
    "ShallowPLRNN",
    "TrainingConfig",
    "TrainingResult",
    "encode_series",
    "load_model",
    "save_model",
    "train",
]
