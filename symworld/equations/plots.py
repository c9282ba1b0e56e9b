"""Plots of a symbolic-regression result, written to files (matplotlib, Agg backend).

- :func:`plot_pareto_front`: loss (log scale) against complexity for every front row,
  the selected equation highlighted.
- :func:`plot_fit`: the selected equation's prediction against the data (predicted vs
  observed, with the identity line), one panel per output.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from symworld.equations.frontier import ParetoFront


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | os.PathLike) -> Path:
    """Save through a temporary file and ``os.replace`` (atomic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=120, bbox_inches="tight")
    os.replace(tmp, path)
    return path


def plot_pareto_front(
    fronts: ParetoFront | Sequence[ParetoFront],
    path: str | os.PathLike,
    *,
    model_selection: str = "best",
    output_names: Sequence[str] | None = None,
) -> Path:
    """Loss against complexity for each front; the selected row is circled.
    Returns the written path (PNG, PDF or SVG by suffix)."""
    plt = _pyplot()
    fronts = [fronts] if isinstance(fronts, ParetoFront) else list(fronts)
    names = list(output_names or [f"y{j}" for j in range(len(fronts))])
    fig, ax = plt.subplots(figsize=(6, 4))
    for front, name in zip(fronts, names, strict=True):
        loss = np.maximum(front.loss, np.finfo(float).tiny)
        line = ax.plot(front.complexity, loss, "o-", label=name)[0]
        chosen = front.index(model_selection)
        ax.plot(
            front.complexity[chosen],
            loss[chosen],
            "o",
            ms=14,
            mfc="none",
            mec=line.get_color(),
            mew=2,
        )
        ax.annotate(
            front[chosen].equation[:40],
            (front.complexity[chosen], loss[chosen]),
            textcoords="offset points",
            xytext=(8, 8),
            fontsize=8,
        )
    ax.set_yscale("log")
    ax.set_xlabel("complexity")
    ax.set_ylabel("loss (MSE)")
    ax.set_title(f"Pareto front (circled: model_selection={model_selection!r})")
    if len(fronts) > 1:
        ax.legend()
    out = _save(fig, path)
    plt.close(fig)
    return out


def plot_fit(
    y: np.ndarray,
    prediction: np.ndarray,
    path: str | os.PathLike,
    *,
    output_names: Sequence[str] | None = None,
    equations: Sequence[str] | None = None,
) -> Path:
    """Predicted against observed values, one panel per output column.

    **Arguments:** `y`, `prediction`: (n,) or (n, m) in the target's units.
    """
    plt = _pyplot()
    y = np.asarray(y, dtype=float)
    prediction = np.asarray(prediction, dtype=float)
    if y.shape != prediction.shape:
        raise ValueError(f"y {y.shape} and prediction {prediction.shape} differ")
    y2 = y[:, None] if y.ndim == 1 else y
    p2 = prediction[:, None] if prediction.ndim == 1 else prediction
    m = y2.shape[1]
    names = list(output_names or [f"y{j}" for j in range(m)])
    fig, axes = plt.subplots(1, m, figsize=(4 * m, 4), squeeze=False)
    for j, ax in enumerate(axes[0]):
        ax.plot(y2[:, j], p2[:, j], ".", ms=3, alpha=0.6)
        lo = float(min(y2[:, j].min(), p2[:, j].min()))
        hi = float(max(y2[:, j].max(), p2[:, j].max()))
        ax.plot([lo, hi], [lo, hi], "k--", lw=1)
        ax.set_xlabel(f"observed {names[j]}")
        ax.set_ylabel(f"predicted {names[j]}")
        if equations is not None:
            ax.set_title(equations[j][:50], fontsize=9)
    out = _save(fig, path)
    plt.close(fig)
    return out
