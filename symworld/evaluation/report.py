"""Evaluation reports as a terminal table, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from symworld.atomic import write_atomic
from symworld.evaluation.protocol import EvaluationReport

SHORT = {
    "accuracy": "acc",
    "mrr": "mrr",
    "normalized_recall": "recall",
    "edit_distance": "edit",
    "iou": "iou",
    "self_accuracy": "selfacc",
    "self_mrr": "selfmrr",
    "discrimination_accuracy": "discacc",
    "discrimination_mrr": "discmrr",
}


def format_table(report: EvaluationReport) -> str:
    """A fixed-width table: one row per scenario (primary model, with the null
    model's accuracy beside it), then the suite means of every model."""
    main = report.models[report.primary]
    metrics = tuple(main.mean)
    names = list(main.scenarios)
    width = max([len(n) for n in names] + [12])
    header = f"{'scenario':<{width}} " + " ".join(f"{SHORT[m]:>7}" for m in metrics)
    has_null = "null" in report.models
    if has_null:
        header += f" {'null acc':>9}"
    lines = [header, "-" * len(header)]
    for name in names:
        entry = main.scenarios[name]
        row = f"{name:<{width}} " + " ".join(
            f"{entry['mean'][m]:7.3f}" for m in metrics
        )
        if has_null:
            row += f" {report.models['null'].scenarios[name]['mean']['accuracy']:9.3f}"
        lines.append(row)
    lines.append("-" * len(header))
    for model_name, result in report.models.items():
        label = f"mean [{model_name}]"
        lines.append(
            f"{label:<{width}} " + " ".join(f"{result.mean[m]:7.3f}" for m in metrics)
        )
    lines.append(
        f"{'std [' + report.primary + ']':<{width}} "
        + " ".join(f"{main.std[m]:7.3f}" for m in metrics)
    )
    if report.truth != "env":
        lines.append(f"true next states: {report.truth} (not the environment's own)")
    return "\n".join(lines)


def to_csv(report: EvaluationReport) -> str:
    """CSV rows ``model,scenario,metric,mean,std`` (scenario ``*`` = suite)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["model", "scenario", "metric", "mean", "std"])
    for model_name, result in report.models.items():
        metrics = tuple(result.mean)
        for metric in metrics:
            writer.writerow(
                [model_name, "*", metric, result.mean[metric], result.std[metric]]
            )
        for name, entry in result.scenarios.items():
            for metric in metrics:
                writer.writerow(
                    [
                        model_name,
                        name,
                        metric,
                        entry["mean"][metric],
                        entry["std"][metric],
                    ]
                )
    return buffer.getvalue()


def write_report(report: EvaluationReport, directory: str | Path) -> None:
    """Write ``evaluation.json`` and ``evaluation.csv`` into ``directory``."""
    directory = Path(directory)
    write_atomic(directory / "evaluation.json", json.dumps(report.to_json(), indent=2))
    write_atomic(directory / "evaluation.csv", to_csv(report))
