"""The candidate set of one transition: truth, the model's sample, distractors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from symworld.evaluation.mutators import Mutator
from symworld.programs.attributes import Schema


class Candidates(NamedTuple):
    """``M`` encoded candidate next states in a seeded random order.

    - ``states``: int32 ``(M, N)``.
    - ``is_truth``: bool ``(M,)`` the candidate equals the true next state.
    - ``sources``: the origin of each (``"truth"``, ``"sample"``, mutator name).
    """

    states: np.ndarray
    is_truth: np.ndarray
    sources: tuple[str, ...]


def distractors(
    rng: np.random.Generator,
    schema: Schema,
    mutators: Sequence[Mutator],
    previous: np.ndarray,
    action: int,
    truth: np.ndarray,
) -> list[tuple[str, np.ndarray]]:
    """One distractor per applicable mutator, without duplicates or copies of the
    truth."""
    made: list[tuple[str, np.ndarray]] = []
    for mutator in mutators:
        candidate = mutator(rng, schema, previous, action, truth)
        if candidate is None:
            continue
        if any(np.array_equal(candidate, other) for _, other in made):
            continue
        made.append((mutator.name, candidate))
    return made


def assemble(
    rng: np.random.Generator,
    truth: np.ndarray,
    sample: np.ndarray,
    made: Sequence[tuple[str, np.ndarray]],
    compared: np.ndarray | None = None,
) -> Candidates:
    """Truth, the model's own sample and the distractors, shuffled by ``rng``. The
    sample is kept even when it equals the truth (a correct prediction is not
    penalised). ``compared`` (bool ``(N,)``) restricts the sites that decide
    equality with the truth."""
    sources = ["truth", "sample", *(name for name, _ in made)]
    states = np.stack([truth, sample, *(state for _, state in made)]).astype(np.int32)
    order = rng.permutation(len(sources))
    states = states[order]
    agree = states == truth[None, :]
    if compared is not None:
        agree = agree | ~compared[None, :]
    is_truth = np.all(agree, axis=1)
    return Candidates(states, is_truth, tuple(sources[i] for i in order))
