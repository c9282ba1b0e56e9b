"""Demo section: fit the switches law library (correct and wrong laws) and
evaluate it on the switches scenario suite beside the null model."""

from __future__ import annotations

from typing import Any

import jax

from symworld.evaluation.baselines import NullModel, RandomModel
from symworld.evaluation.protocol import evaluate_models
from symworld.evaluation.scenarios import load_suite, mutators_for
from symworld.programs import LawModel
from symworld.programs.data import random_transitions


def run(seed: int) -> dict[str, Any]:
    """Fit 11 switches laws on 1,000 random-policy steps; evaluate with 2 trials."""
    from symworld.envs.switches import Switches
    from symworld.laws import switches as switch_laws

    env = Switches()
    schema = switch_laws.schema(env)
    batch = random_transitions(env, 1000, seed)
    model = LawModel.build(switch_laws.library(), schema)  # fit checks the laws
    fitted, result = model.fit(
        batch.states,
        batch.actions,
        batch.next_states,
        key=jax.random.key(seed),
        steps=600,
        learning_rate=0.1,
    )
    report = evaluate_models(
        {"laws": fitted, "null": NullModel(schema), "random": RandomModel(schema)},
        env,
        schema,
        load_suite("switches"),
        trials=2,
        seed=seed,
        mutators=mutators_for(schema.env_id),
        primary="laws",
        suite="switches",
    )
    weights = fitted.weight_table()
    lines = ["law weights (correct laws first; wrong laws should be near 0):"]
    lines += [f"  {name:<27} {weight:7.3f}" for name, weight in weights.items()]
    lines.append(
        f"coin parameter {fitted.probability('coin_is_random/heads'):.3f} "
        f"(weight {weights['coin_is_random']:.3f})"
    )
    for name, model_result in report.models.items():
        mean = model_result.mean
        lines.append(
            f"{name:>6}: accuracy {mean['accuracy']:.3f}  MRR {mean['mrr']:.3f}  "
            f"recall {mean['normalized_recall']:.3f}  edit {mean['edit_distance']:.3f}"
            f"  IoU {mean['iou']:.3f}"
        )
    return {
        "weights": weights,
        "parameters": fitted.parameter_table(),
        "final_loss": float(result.losses[-1]),
        "mean": report.models["laws"].mean,
        "baselines": {k: v.mean for k, v in report.models.items() if k != "laws"},
        "lines": lines,
    }
