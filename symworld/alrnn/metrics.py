"""Dynamical-systems reconstruction metrics, with every convention an explicit argument.

- :func:`state_space_divergence` (``D_stsp``): KL divergence ``KL(p_true || p_gen)``
  between the occupation measures of a true and a generated trajectory. Binning version
  for low dimensions, Gaussian-mixture (Monte Carlo) version for high dimensions.
- :func:`hellinger_spectrum_distance` (``D_H``): mean over dimensions of the Hellinger
  distance between Gaussian-smoothed, normalised power spectra.
- :func:`prediction_error` (``PE(n)``): mean squared error of ``n``-step forecasts from
  every data point.
- :func:`valid_prediction_time`: first forecast step whose normalised error exceeds a
  threshold, optionally in Lyapunov times.

Conventions (those of the DSR literature's Julia reference code): bin range per
dimension ``[min - 0.1 std, max + 0.1 std]`` of the *true* data, generated points
outside it dropped, Laplace smoothing ``alpha = 1e-5``; spectra z-scored per dimension,
smoothed with a Gaussian of ``sigma`` frequency bins truncated at ``4 sigma`` with
reflecting boundaries. ``D_stsp`` depends on the sample sizes and ``D_H`` on the series
length (``sigma`` is in bins): always report both lengths.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

logger = logging.getLogger(__name__)

LAPLACE_ALPHA = 1e-5


def _check_pair(
    true: np.ndarray, generated: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    true = np.asarray(true, dtype=np.float64)
    generated = np.asarray(generated, dtype=np.float64)
    if true.ndim != 2 or generated.ndim != 2 or true.shape[1] != generated.shape[1]:
        raise ValueError(
            "true and generated must be (T, N) arrays with the same N; got "
            f"{true.shape} and {generated.shape}"
        )
    return true, generated


def state_space_divergence_binning(
    true: np.ndarray,
    generated: np.ndarray,
    *,
    num_bins: int = 30,
    margin: float = 0.1,
    alpha: float = LAPLACE_ALPHA,
) -> float:
    """Binned ``D_stsp = sum p_true log(p_true / p_gen)`` (nats).

    **Arguments:**

    - ``true``: ``(T1, N)`` float; ``generated``: ``(T2, N)`` float.
    - ``num_bins``: bins per dimension (``num_bins**N`` cells).
    - ``margin``: the range of dimension ``d`` is ``[min - margin * std, max +
      margin * std]`` of ``true[:, d]``.
    - ``alpha``: Laplace smoothing, ``p = (counts + alpha) / (total + alpha * cells)``.

    **Returns:** a float; ``nan`` when no generated point falls inside the range or
    the generated trajectory is not finite.
    """
    true, generated = _check_pair(true, generated)
    if not np.all(np.isfinite(generated)):
        return float("nan")
    low = true.min(axis=0) - margin * true.std(axis=0)
    high = true.max(axis=0) + margin * true.std(axis=0)
    num_cells = num_bins ** true.shape[1]

    def counts(points: np.ndarray) -> np.ndarray:
        index = np.floor((points - low) / (high - low) * num_bins).astype(np.int64)
        # the upper edge belongs to the last bin, as in a histogram
        index = np.where(points == high, num_bins - 1, index)
        inside = np.all((index >= 0) & (index < num_bins), axis=1)
        flat = np.ravel_multi_index(index[inside].T, (num_bins,) * true.shape[1])
        return np.bincount(flat, minlength=num_cells).astype(np.float64)

    count_true = counts(true)
    count_gen = counts(generated)
    if count_gen.sum() == 0:
        return float("nan")
    p = (count_true + alpha) / (count_true.sum() + alpha * num_cells)
    q = (count_gen + alpha) / (count_gen.sum() + alpha * num_cells)
    return float(np.sum(p * np.log(p / q)))


def state_space_divergence_gmm(
    true: np.ndarray,
    generated: np.ndarray,
    *,
    variance: float = 1.0,
    max_points: int = 10_000,
    num_samples: int = 1_000,
    key: jax.Array,
) -> float:
    """Gaussian-mixture ``D_stsp`` (Monte Carlo KL of Hershey & Olsen).

    An isotropic Gaussian of ``variance`` is placed on each of the first ``max_points``
    points of each series; ``num_samples`` draws ``s`` from the true mixture (index
    ``jax.random.randint`` with the first half of ``jax.random.split(key)``, noise
    ``jax.random.normal`` with the second) give ``mean(log p(s) - log q(s))``, samples
    where either density underflows dropped.
    """
    true, generated = _check_pair(true, generated)
    if not np.all(np.isfinite(generated)):
        return float("nan")
    true = true[:max_points]
    generated = generated[:max_points]
    key_index, key_noise = jax.random.split(key)
    index = np.asarray(jax.random.randint(key_index, (num_samples,), 0, true.shape[0]))
    noise = np.asarray(jax.random.normal(key_noise, (num_samples, true.shape[1])))
    samples = true[index] + np.sqrt(variance) * noise

    def log_mixture(centres: np.ndarray) -> np.ndarray:
        values = np.empty(num_samples)
        for start in range(0, num_samples, 128):
            chunk = samples[start : start + 128]
            squared = (
                np.sum(chunk**2, axis=1)[:, None]
                - 2.0 * chunk @ centres.T
                + np.sum(centres**2, axis=1)[None, :]
            )
            exponent = -np.maximum(squared, 0.0) / (2 * variance)
            peak = exponent.max(axis=1)
            values[start : start + 128] = peak + np.log(
                np.exp(exponent - peak[:, None]).sum(axis=1)
            )
        normaliser = np.log(centres.shape[0]) + 0.5 * centres.shape[1] * np.log(
            2 * np.pi * variance
        )
        return values - normaliser

    log_p = log_mixture(true)
    log_q = log_mixture(generated)
    keep = np.isfinite(log_p) & np.isfinite(log_q)
    if not np.any(keep):
        return float("nan")
    return float(np.mean(log_p[keep] - log_q[keep]))


def state_space_divergence(
    true: np.ndarray,
    generated: np.ndarray,
    *,
    num_bins: int = 30,
    gmm_variance: float = 1.0,
    binning_below: int = 11,
    key: jax.Array | None = None,
) -> float:
    """``D_stsp``: binning when ``N < binning_below`` (the AL-RNN convention), the
    Gaussian-mixture version otherwise (then ``key`` defaults to ``PRNGKey(0)``)."""
    true, generated = _check_pair(true, generated)
    if true.shape[1] < binning_below:
        return state_space_divergence_binning(true, generated, num_bins=num_bins)
    logger.info(
        "D_stsp: N=%d >= %d, using the GMM version", true.shape[1], binning_below
    )
    return state_space_divergence_gmm(
        true,
        generated,
        variance=gmm_variance,
        key=jax.random.PRNGKey(0) if key is None else key,
    )


def gaussian_smooth(
    values: np.ndarray, sigma: float, truncate: float = 4.0
) -> np.ndarray:
    """Convolve a 1-D array with a normalised Gaussian of std ``sigma`` (samples),
    kernel radius ``int(truncate * sigma + 0.5)``, reflecting (half-sample)
    boundaries."""
    radius = int(truncate * sigma + 0.5)
    if radius == 0:
        return values.copy()
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(values, radius, mode="symmetric")
    return np.convolve(padded, kernel, mode="valid")


def power_spectrum(series: np.ndarray, sigma: float) -> np.ndarray:
    """Normalised smoothed power spectrum of a 1-D series: z-score, ``|rfft|^2``,
    Gaussian smoothing with ``sigma`` bins, negatives set to 0, sum 1."""
    std = series.std()
    centred = (series - series.mean()) / (std if std > 0 else 1.0)
    spectrum = np.abs(np.fft.rfft(centred)) ** 2
    smoothed = np.maximum(gaussian_smooth(spectrum, sigma), 0.0)
    total = smoothed.sum()
    return smoothed / total if total > 0 else smoothed


def hellinger_spectrum_distance(
    true: np.ndarray, generated: np.ndarray, *, sigma: float = 20.0
) -> float:
    """``D_H``: mean over dimensions of ``sqrt(1 - sum sqrt(p q))`` between the smoothed
    power spectra (:func:`power_spectrum`) of ``true`` and ``generated``.

    Both are ``(T, N)``; the longer one is cut to the shorter length so the frequency
    grids agree. ``nan`` when ``generated`` is not finite.
    """
    true, generated = _check_pair(true, generated)
    if not np.all(np.isfinite(generated)):
        return float("nan")
    length = min(true.shape[0], generated.shape[0])
    distances = []
    for d in range(true.shape[1]):
        p = power_spectrum(true[:length, d], sigma)
        q = power_spectrum(generated[:length, d], sigma)
        distances.append(np.sqrt(max(0.0, 1.0 - np.sum(np.sqrt(p * q)))))
    return float(np.mean(distances))


def prediction_error(model, data: np.ndarray, steps: int = 20) -> float:
    """``PE(n)``: from every ``t`` in ``0 ... T - n - 1``, ``z = init_state(x_t)``,
    iterate ``n = steps`` steps and average the squared error of the readout against
    ``x_{t+n}`` over starts and dimensions. ``data`` is ``(T, N)``."""
    return float(_mean_forecast_error(model, jnp.asarray(data, jnp.float32), steps))


@eqx.filter_jit
def _mean_forecast_error(model, data: jax.Array, steps: int) -> jax.Array:
    starts = data[: data.shape[0] - steps]
    targets = data[steps:]

    def forecast(x):
        z = model.init_state(x)
        z = jax.lax.fori_loop(0, steps, lambda _, state: model.step(state), z)
        return model.readout(z)

    predictions = jax.lax.map(forecast, starts, batch_size=4096)
    return jnp.mean((predictions - targets) ** 2)


class ValidPredictionTime(NamedTuple):
    """Result of :func:`valid_prediction_time`.

    - ``steps``: forecast steps before the error first exceeds the threshold (the
      horizon if it never does).
    - ``lyapunov_times``: ``steps * dt * lyapunov_exponent`` (``nan`` if not given).
    - ``errors``: ``(horizon,)`` the per-step normalised RMSE.
    """

    steps: int
    lyapunov_times: float
    errors: np.ndarray


def valid_prediction_time(
    model,
    data: np.ndarray,
    *,
    threshold: float = 0.5,
    dt: float | None = None,
    lyapunov_exponent: float | None = None,
) -> ValidPredictionTime:
    """Valid prediction time of a free run from ``data[0]`` against ``data[1:]``.

    The error at step ``t`` is ``sqrt(mean_d (x_hat_t,d - x_t,d)^2 / var_d)`` with
    ``var_d`` the variance of ``data[:, d]`` (Vlachas et al.'s NRMSE); the VPT is the
    number of steps before it first exceeds ``threshold``.
    """
    data = np.asarray(data, dtype=np.float64)
    horizon = data.shape[0] - 1
    z0 = model.init_state(jnp.asarray(data[0], dtype=jnp.float32))
    predicted = np.asarray(model.readout(model.generate(z0, horizon)), dtype=np.float64)
    variance = data.var(axis=0)
    errors = np.sqrt(np.mean((predicted - data[1:]) ** 2 / variance, axis=1))
    exceeded = np.flatnonzero(~(errors <= threshold))
    steps = int(exceeded[0]) if exceeded.size else horizon
    if dt is not None and lyapunov_exponent is not None:
        lyapunov_times = steps * dt * lyapunov_exponent
    else:
        lyapunov_times = float("nan")
    return ValidPredictionTime(steps, float(lyapunov_times), errors)
