"""Trials and aggregation of the evaluation protocol.

For each of ``trials`` seeded trials and each scenario, the scenario is rolled
out in the true environment (trial key), and for every transition each model:

1. samples a next state (its own prediction);
2. scores the candidates (truth, its sample, one distractor per applicable
   mutator, shuffled with the trial's seed);
3. gets the per-transition metrics of :mod:`symworld.evaluation.metrics`.

A scenario's value in a trial is the mean over its transitions; a scenario's mean
and std are over trials (population std); the overall mean is the mean of the
scenario means and the overall std the mean of the scenario stds.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from symworld.evaluation.candidates import Candidates, assemble, distractors
from symworld.evaluation.metrics import (
    DISCRIMINATION_METRICS,
    METRICS,
    SELF_METRICS,
    RankMetrics,
    changed_iou,
    discrimination_metrics,
    edit_distance,
    rank_metrics,
)
from symworld.evaluation.mutators import Mutator, default_mutators
from symworld.evaluation.scenarios import Scenario, run_scenario
from symworld.programs.attributes import Schema
from symworld.programs.candidate_scoring import score_candidates, score_whole
from symworld.programs.model import LawModel
from symworld.progress import progress
from symworld.worldmodel import WorldModel

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class ModelResult:
    """One model's results.

    - ``mean``/``std``: ``{metric: value}`` over the suite.
    - ``scenarios``: ``{name: {"mean": {...}, "std": {...}, "trials": [{...}],
      "transitions": int, "changes": bool}}``.
    """

    mean: dict[str, float]
    std: dict[str, float]
    scenarios: dict[str, dict[str, Any]]


@dataclasses.dataclass
class EvaluationReport:
    """Results of every model on one suite; ``primary`` names the evaluated model,
    the others are references (``null``, ``random``, ``true``)."""

    primary: str
    suite: str
    trials: int
    seed: int
    models: dict[str, ModelResult]
    truth: str = "env"

    def to_json(self) -> dict[str, Any]:
        """``{"mean", "std", "scenarios", "baselines", ...}`` (see docs/laws.md)."""
        main = self.models[self.primary]
        scenarios = {}
        for name, entry in main.scenarios.items():
            scenarios[name] = {
                **entry["mean"],
                "std": entry["std"],
                "transitions": entry["transitions"],
                "changes": entry["changes"],
                "baselines": {
                    other: self.models[other].scenarios[name]["mean"]
                    for other in self.models
                    if other != self.primary
                },
            }
        return {
            "suite": self.suite,
            "truth": self.truth,
            "trials": self.trials,
            "seed": self.seed,
            "mean": main.mean,
            "std": main.std,
            "scenarios": scenarios,
            "baselines": {
                other: {"mean": result.mean, "std": result.std, **result.mean}
                for other, result in self.models.items()
                if other != self.primary
            },
        }


class Scorer:
    """Compiled sampling and candidate scoring for one model.

    A :class:`LawModel` runs its laws once per transition: one compiled call
    draws its sample and builds the transition's site table
    (:mod:`symworld.programs.candidate_scoring`), and the candidates are then
    scored from the sites where they differ from the current state; a candidate
    beyond the difference budget is scored exactly from every site of the same
    table. Other models score each decoded candidate with ``log_prob``.
    """

    def __init__(self, model: WorldModel, schema: Schema):
        self.model = model
        self.schema = schema
        self.is_law_model = isinstance(model, LawModel)
        if self.is_law_model:
            self._predict = eqx.filter_jit(
                lambda m, k, s, a: (m.sample(k, s, a), m.site_table(s, a))
            )
            self._fast = eqx.filter_jit(
                lambda m, t, c: score_candidates(m.layout, t, m.persistence, c)
            )
            self._whole = eqx.filter_jit(
                lambda m, t, c: score_whole(m.layout, t, m.persistence, c)
            )
        else:
            self._predict = eqx.filter_jit(lambda m, k, s, a: (m.sample(k, s, a), None))

            def score(m, state, action, candidates):
                decoded = jax.vmap(schema.decode)(candidates)
                return jax.vmap(lambda c: m.log_prob(state, action, c))(decoded)

            self._score = eqx.filter_jit(score)

    def predict(self, key, state, action) -> tuple[np.ndarray, Any]:
        """The model's encoded sample int32 ``(N,)`` and what scoring this
        transition's candidates needs (the law model's site table)."""
        following, context = self._predict(self.model, key, state, action)
        return np.asarray(self.schema.encode(following)), context

    def scores(
        self, context, state, action, candidates: np.ndarray, width: int
    ) -> np.ndarray:
        """Scores of the candidates, padded to ``width`` rows to avoid retracing."""
        count = candidates.shape[0]
        padded = jnp.asarray(
            np.concatenate(
                [candidates, np.repeat(candidates[:1], width - count, axis=0)]
            )
        )
        if not self.is_law_model:
            return np.asarray(self._score(self.model, state, action, padded))[:count]
        fast = self._fast(self.model, context, padded)
        scores = np.array(fast.log_prob[:count])
        for index in np.nonzero(~np.asarray(fast.exact[:count]))[0]:
            scores[index] = float(self._whole(self.model, context, padded[index]))
        return scores

    def rank(
        self,
        context,
        state,
        action,
        truth: np.ndarray,
        sample: np.ndarray,
        made: Sequence[tuple[str, np.ndarray]],
        order_rng: np.random.Generator,
        width: int,
        compared: np.ndarray | None = None,
    ) -> tuple[RankMetrics, Candidates, np.ndarray]:
        """Rank the truth (int32 ``(N,)``) against ``sample`` and the distractors
        ``made``, shuffled by ``order_rng``: the metrics, the candidates and their
        scores (``width`` as in :meth:`scores`, ``compared`` as in
        :func:`~symworld.evaluation.candidates.assemble`)."""
        candidates = assemble(order_rng, truth, sample, made, compared)
        scores = self.scores(context, state, action, candidates.states, width)
        return rank_metrics(scores, candidates.is_truth), candidates, scores


def evaluate_models(
    models: Mapping[str, WorldModel],
    env: Any,
    schema: Schema,
    scenarios: Sequence[Scenario],
    *,
    trials: int = 5,
    seed: int = 0,
    mutators: Sequence[Mutator] | None = None,
    primary: str | None = None,
    suite: str = "",
    self_check: bool = False,
    discrimination: bool = False,
    truth_source: str = "env",
) -> EvaluationReport:
    """Evaluate world models on a scenario suite (see the module docstring).
    ``env`` makes the true next states; ``truth_source`` names where they come from
    in the report (``"env"``, or ``"original"`` for the original game behind a bridge
    such as :class:`~symworld.envs.crafter_oo.crafter_game.CrafterGame`).
    ``self_check`` adds :data:`~symworld.evaluation.metrics.SELF_METRICS` (one more
    draw and ranking per model and transition); ``discrimination`` adds
    :data:`~symworld.evaluation.metrics.DISCRIMINATION_METRICS` (the truth ranked
    among the distractors only, from the same scores)."""
    if trials < 1:
        raise ValueError("trials must be at least 1")
    metrics = METRICS + (SELF_METRICS if self_check else ())
    metrics += DISCRIMINATION_METRICS if discrimination else ()
    mutators = tuple(mutators) if mutators is not None else default_mutators()
    scorers = {name: Scorer(model, schema) for name, model in models.items()}
    width = len(mutators) + 2
    per_trial: dict[str, dict[str, list[dict[str, float]]]] = {
        name: {s.name: [] for s in scenarios} for name in models
    }
    counts: dict[str, int] = {}
    changes: dict[str, bool] = {s.name: False for s in scenarios}
    root = jax.random.key(seed)
    work = [(t, i) for t in range(trials) for i in range(len(scenarios))]
    for trial, index in progress(work, total=len(work), desc="evaluate"):
        scenario = scenarios[index]
        compared = np.ones(schema.num_sites, bool)
        for name in scenario.ignore:
            k = schema.index(name)
            compared[schema.offsets[k] : schema.offsets[k + 1]] = False
        key = jax.random.fold_in(jax.random.fold_in(root, trial), index)
        transitions = run_scenario(env, scenario, key)
        counts[scenario.name] = len(transitions)
        sums = {name: dict.fromkeys(metrics, 0.0) for name in models}
        for step, (state, action, following) in enumerate(transitions):
            previous = np.asarray(schema.encode(state))
            truth = np.asarray(schema.encode(following))
            changes[scenario.name] |= not np.array_equal(previous, truth)
            rng = np.random.default_rng([seed, trial, index, step])
            made = distractors(rng, schema, mutators, previous, int(action), truth)
            sample_key = jax.random.fold_in(jax.random.fold_in(key, 10_000), step)
            for name, scorer in scorers.items():
                sample, context = scorer.predict(sample_key, state, action)
                order_rng = np.random.default_rng([seed, trial, index, step, 1])
                ranking, candidates, scores = scorer.rank(
                    context,
                    state,
                    action,
                    truth,
                    sample,
                    made,
                    order_rng,
                    width,
                    compared,
                )
                values = {
                    "accuracy": ranking.accuracy,
                    "mrr": ranking.reciprocal_rank,
                    "normalized_recall": ranking.normalized_recall,
                    "edit_distance": edit_distance(sample, truth),
                    "iou": changed_iou(previous, sample, truth),
                }
                if discrimination:
                    apart = discrimination_metrics(
                        scores, candidates.is_truth, candidates.sources
                    )
                    values["discrimination_accuracy"] = apart.accuracy
                    values["discrimination_mrr"] = apart.reciprocal_rank
                if self_check:
                    stand_in, _ = scorer.predict(
                        jax.random.fold_in(sample_key, 1), state, action
                    )
                    kept = [
                        (source, d)
                        for source, d in made
                        if not np.array_equal(d, stand_in)
                    ]
                    own, _, _ = scorer.rank(
                        context,
                        state,
                        action,
                        stand_in,
                        sample,
                        kept,
                        np.random.default_rng([seed, trial, index, step, 2]),
                        width,
                        compared=compared,
                    )
                    values["self_accuracy"] = own.accuracy
                    values["self_mrr"] = own.reciprocal_rank
                for metric, value in values.items():
                    sums[name][metric] += value
        for name in models:
            per_trial[name][scenario.name].append(
                {m: v / max(len(transitions), 1) for m, v in sums[name].items()}
            )

    results = {}
    for name in models:
        scenario_results = {}
        for scenario in scenarios:
            rows = per_trial[name][scenario.name]
            table = np.array([[row[m] for m in metrics] for row in rows])
            scenario_results[scenario.name] = {
                "mechanic": scenario.mechanic,
                "variant": scenario.variant,
                "mean": dict(zip(metrics, table.mean(0).tolist(), strict=True)),
                "std": dict(zip(metrics, table.std(0).tolist(), strict=True)),
                "trials": rows,
                "transitions": counts.get(scenario.name, 0),
                "changes": bool(changes[scenario.name]),
            }
        means = np.array(
            [[r["mean"][m] for m in metrics] for r in scenario_results.values()]
        )
        stds = np.array(
            [[r["std"][m] for m in metrics] for r in scenario_results.values()]
        )
        results[name] = ModelResult(
            dict(zip(metrics, means.mean(0).tolist(), strict=True)),
            dict(zip(metrics, stds.mean(0).tolist(), strict=True)),
            scenario_results,
        )
    return EvaluationReport(
        primary=primary or next(iter(models)),
        suite=suite,
        trials=trials,
        seed=seed,
        models=results,
        truth=truth_source,
    )
