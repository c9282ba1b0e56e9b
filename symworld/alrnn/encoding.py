"""From a multivariate series to a trained AL-RNN and its symbolic code, in one call.

:func:`encode_series` z-scores the series (statistics of the training part), splits it
in time into training / validation / test parts, trains an AL-RNN with sparse teacher
forcing, keeps the best model on the validation part and evaluates it on the
test part with :func:`~symworld.alrnn.report.encode_report`. The selection rule is
the ``selection_*`` fields of the :class:`~symworld.alrnn.training.TrainingConfig`
(score ``D_stsp + selection_dh_weight * D_H``, optionally only among models with a
given number of visited subregions, real fixed points and unstable directions).
With ``out`` it writes ``model.json``/``model.npz``, ``report.json``,
``equations.txt``, ``checkpoint/`` and three figures. Equations and fixed points are
in z-scored coordinates; ``mean`` and ``std`` in the report convert them back
(``x = mean + std * x_z``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import jax
import numpy as np

from symworld.alrnn.checkpoints import atomic_write_bytes, atomic_write_json, save_model
from symworld.alrnn.models import ALRNN
from symworld.alrnn.report import encode_report, free_run
from symworld.alrnn.symbolic import (
    region_conditions,
    region_equations,
    step_graph,
    symbol_sequence,
)
from symworld.alrnn.training import TrainingConfig, TrainingResult, train

logger = logging.getLogger(__name__)


class Encoding(NamedTuple):
    """Result of :func:`encode_series`: the selected model, the training result, the
    JSON report and the z-scoring statistics ``(N,)``."""

    model: ALRNN
    training: TrainingResult
    report: dict[str, Any]
    mean: np.ndarray
    std: np.ndarray


def split_series(
    series: np.ndarray, validation_fraction: float, test_fraction: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive training / validation / test parts of ``(T, N)``."""
    total = series.shape[0]
    n_test = int(round(total * test_fraction))
    n_validation = int(round(total * validation_fraction))
    n_train = total - n_test - n_validation
    if n_train < 2 or n_test < 2 or n_validation < 2:
        raise ValueError(
            f"a series of {total} rows is too short to split into training, validation "
            f"({validation_fraction}) and test ({test_fraction}) parts"
        )
    return (
        series[:n_train],
        series[n_train : n_train + n_validation],
        series[n_train + n_validation :],
    )


def encode_series(
    series: np.ndarray,
    *,
    latent: int = 20,
    relu: int = 2,
    config: TrainingConfig | None = None,
    validation_fraction: float = 0.1,
    test_fraction: float = 0.2,
    zscore: bool = True,
    out: str | Path | None = None,
    plots: bool = True,
) -> Encoding:
    """Train and analyse an AL-RNN on ``series`` ``(T, N)`` float.

    ``config`` defaults to :class:`TrainingConfig` with its AL-RNN settings; its
    ``sequence_length`` is shortened to fit short training parts.
    """
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 2 or not np.all(np.isfinite(series)):
        raise ValueError(
            f"the series must be a finite (T, N) array, got {series.shape}"
        )
    config = TrainingConfig() if config is None else config
    training_part, validation, test = split_series(
        series, validation_fraction, test_fraction
    )
    mean = training_part.mean(axis=0) if zscore else np.zeros(series.shape[1])
    std = training_part.std(axis=0) if zscore else np.ones(series.shape[1])
    if np.any(std == 0):
        raise ValueError("a column of the series is constant; it cannot be z-scored")
    training_part, validation, test = (
        (a - mean) / std for a in (training_part, validation, test)
    )
    if training_part.shape[0] <= config.sequence_length + 1:
        shorter = max(2, training_part.shape[0] // 4)
        logger.warning(
            "sequence_length %d -> %d to fit the data", config.sequence_length, shorter
        )
        config = dataclasses.replace(config, sequence_length=shorter)
    out = Path(out) if out is not None else None
    result = train(
        training_part.astype(np.float32),
        model_config={
            "num_latent": latent,
            "num_relu": relu,
            "num_observed": series.shape[1],
        },
        config=config,
        validation=validation,
        checkpoint_dir=None if out is None else out / "checkpoint",
        resume=out is not None,
    )
    if result.diverged and result.best_epoch < 0:
        raise ValueError(
            f"training {result.message} before any evaluation, so there is no "
            "trained model to keep (try a smaller learning rate)"
        )
    logger.info("trained in %.1f s", result.seconds)
    model = result.best_model
    report = encode_report(
        model,
        test,
        generated_steps=test.shape[0],
        transient=config.transient,
        num_bins=config.num_bins,
        spectrum_sigma=config.spectrum_sigma,
        key=jax.random.PRNGKey(config.seed),
    )
    report.update(
        best_epoch=result.best_epoch,
        best_validation_d_stsp=result.best_d_stsp
        if np.isfinite(result.best_d_stsp)
        else None,
        diverged=result.diverged,
        selection_met=result.selection_met,
        training_message=result.message,
        epochs_completed=result.epochs_completed,
        final_loss=float(result.losses[-1]) if len(result.losses) else None,
        mean=mean.tolist(),
        std=std.tolist(),
        latent=latent,
        relu=relu,
        seed=config.seed,
        rows={
            "train": len(training_part),
            "validation": len(validation),
            "test": len(test),
        },
    )
    if out is not None:
        _write_outputs(out, model, report, test, config, plots)
    return Encoding(model, result, report, mean, std)


def equations_text(model: ALRNN, symbols: list[str]) -> str:
    """Per-region equations (observation and latent form) as plain text."""
    lines = []
    for symbol in symbols:
        equations = region_equations(model, symbol)
        conditions = ", ".join(str(c) for c in region_conditions(model, symbol))
        lines.append(f"region {symbol} ({conditions}):")
        lines.extend(f"  {eq.lhs} = {eq.rhs}" for eq in equations["observation"])
        lines.append("  latent form:")
        lines.extend(f"    {eq.lhs} = {eq.rhs}" for eq in equations["latent"])
    return "\n".join(lines) + "\n"


def _write_outputs(out: Path, model, report, test, config, plots: bool) -> None:
    """Write the outputs into a staging folder inside ``out`` and move them in
    only when every one was written, so a failure leaves none of them behind (the
    resumable ``checkpoint/`` is written during training)."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".encode-", dir=out))
    try:
        _write_all(staging, model, report, test, config, plots)
        for item in sorted(staging.iterdir()):
            os.replace(item, out / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_all(out: Path, model, report, test, config, plots: bool) -> None:
    from symworld.alrnn import plots as figures

    save_model(model, out / "model")
    atomic_write_json(out / "report.json", report)
    used = list(report.get("region_shares", {}))
    atomic_write_bytes(out / "equations.txt", equations_text(model, used).encode())
    if not plots or not report.get("finite", False):
        return
    import jax.numpy as jnp

    states = np.asarray(
        free_run(model, jnp.asarray(test[0], jnp.float32), 20_000, config.transient)
    )
    generated = states[:, : model.num_observed]
    symbols = symbol_sequence(model, states)
    figures.plot_attractor_overlay(test, generated, out / "attractor.png")
    figures.plot_subregions(generated, symbols, out / "subregions.png")
    figures.plot_symbol_graph(step_graph(symbols), out / "graph.png")
