"""Per-transition metrics of the evaluation protocol.

State-ranking metrics take the candidates' scores (log-probabilities) in their
(seeded, shuffled) order and which candidates equal the true next state:

- ``accuracy``: 1 if the first best-scoring candidate equals the true next state;
- ``reciprocal_rank``: ``1 / best_rank`` where ``best_rank`` is the best 1-based
  position, in a stable descending sort, of a candidate equal to the truth;
- ``normalized_recall``: ``1 - (best_rank - 1) / (N - 1)`` (1 when ``N = 1``).

State-fidelity metrics compare the model's sample with the truth over encoded
states (``N`` sites):

- ``edit_distance``: the fraction of sites where sample and truth differ;
- ``iou``: intersection over union of the changes ``{(site, new value)}`` from the
  previous state made by the truth and by the sample (1 when neither changes).

Self-check metrics (optional, ``self_check=True`` in
:func:`~symworld.evaluation.protocol.evaluate_models`): ``self_accuracy`` and
``self_mrr`` are the ranking metrics of a second, independent draw of the model
put in the truth's place. They are what the model would score in a world that is
exactly the model: a calibrated model scores about the same on the truth, and an
accuracy far above the self-check means the model's own sample is noisier than
the world (the protocol then rewards the noise).

Discrimination metrics (optional, ``discrimination=True``):
``discrimination_accuracy`` and ``discrimination_mrr`` rank the truth among the
distractors only, leaving the model's own sample out (the same scores, no extra
draw). They ask whether the model tells what happened from what could not have
happened. With its sample among the candidates (OneLife's protocol), a calibrated
model of a stochastic world loses to its own draws whenever they are more likely
than the truth; without it, it is not penalised for that. (They can also be lower
than the plain ones: a sample equal to the truth counts as the truth there, and
may win a tie that a distractor wins here.)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

METRICS = ("accuracy", "mrr", "normalized_recall", "edit_distance", "iou")
SELF_METRICS = ("self_accuracy", "self_mrr")
DISCRIMINATION_METRICS = ("discrimination_accuracy", "discrimination_mrr")


class RankMetrics(NamedTuple):
    accuracy: float
    reciprocal_rank: float
    normalized_recall: float
    best_rank: int


def rank_metrics(scores: np.ndarray, is_truth: np.ndarray) -> RankMetrics:
    """Ranking metrics of ``N`` candidates (``scores`` float ``(N,)``,
    ``is_truth`` bool ``(N,)``, at least one true)."""
    scores = np.asarray(scores, np.float64)
    scores = np.where(np.isnan(scores), -np.inf, scores)
    is_truth = np.asarray(is_truth, bool)
    if not is_truth.any():
        raise ValueError("no candidate equals the true next state")
    count = scores.shape[0]
    accuracy = float(is_truth[int(np.argmax(scores))])
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(count, np.int64)
    ranks[order] = np.arange(1, count + 1)
    best = int(ranks[is_truth].min())
    recall = 1.0 if count == 1 else 1.0 - (best - 1) / (count - 1)
    return RankMetrics(accuracy, 1.0 / best, recall, best)


def discrimination_metrics(
    scores: np.ndarray, is_truth: np.ndarray, sources: tuple[str, ...]
) -> RankMetrics:
    """:func:`rank_metrics` of the candidates other than the model's own sample
    (``sources`` names each candidate's origin, ``"sample"`` for the sample)."""
    keep = np.asarray([source != "sample" for source in sources])
    return rank_metrics(np.asarray(scores)[keep], np.asarray(is_truth)[keep])


def edit_distance(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Fraction of the ``N`` sites where two encoded states differ."""
    predicted, truth = np.asarray(predicted), np.asarray(truth)
    return float(np.mean(predicted != truth)) if truth.size else 0.0


def changed_iou(
    previous: np.ndarray, predicted: np.ndarray, truth: np.ndarray
) -> float:
    """IoU of the changes ``(site, value)`` made by truth and by prediction."""
    previous, predicted, truth = map(np.asarray, (previous, predicted, truth))
    true_changes = {(int(i), int(truth[i])) for i in np.nonzero(truth != previous)[0]}
    predicted_changes = {
        (int(i), int(predicted[i])) for i in np.nonzero(predicted != previous)[0]
    }
    union = true_changes | predicted_changes
    if not union:
        return 1.0
    return len(true_changes & predicted_changes) / len(union)
