"""Time derivatives of sampled signals, episode by episode.

Three estimators of ``dx/dt`` at every sample, each applied separately to every
episode (derivatives never reach across an episode boundary) and using the sample
times (no uniform-step assumption unless stated):

- ``"finite_difference"``: central differences on the (possibly non-uniform)
  grid, with one-sided differences of the same order at the two ends of an
  episode; second order by default (three-point stencils, at least 3 samples per
  episode), fourth order with ``accuracy=4`` (five points). The truncation error is
  ``O(dt^accuracy)``; observation noise is amplified by about ``1 / (sqrt(2) dt)``
  (second order).
- ``"savgol"``: Savitzky-Golay: a polynomial of degree ``order`` fitted by least
  squares in a sliding window of ``window`` samples, differentiated at the centre
  (ends: the polynomial of the first/last full window). Needs a uniform time step
  within each episode and at least ``window`` samples. Suppresses noise at the cost
  of a bias of order ``dt^(order)`` times the signal's higher derivatives.
- ``"spline"``: a quintic smoothing spline per episode and variable (FITPACK's
  smoothing spline: the fewest knots whose least-squares spline keeps the sum of
  squared residuals within a bound, ``N sigma^2`` with ``sigma`` the noise level
  estimated from the fourth differences unless ``smoothing`` gives the bound),
  differentiated analytically. Its ends are free (no boundary condition), so the
  derivative is as accurate at the first and last samples as inside; a natural
  spline (zero curvature at the ends) was off by up to 0.02 at the two ends of a sine
  sampled at 0.01 and made the regression fit extra terms to that error. Works on
  non-uniform grids (the noise estimate assumes a roughly even step); needs at least
  5 samples per episode (cubic below 8).

Every estimator refuses bad input with a :class:`DerivativeError` that names the
column, episode and row at fault: NaN or infinite values, a time column that does
not strictly increase within an episode, episodes too short for the stencil
(including single-row episodes).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

logger = logging.getLogger(__name__)

METHODS = ("finite_difference", "savgol", "spline")
MIN_SPLINE_POINTS = 5
SPLINE_DEGREE = 5  # quintic smoothing splines (cubic on episodes of 5-7 samples)
UNIFORM_TOLERANCE = 1e-6  # relative spread of time steps still called uniform


class DerivativeError(ValueError):
    """Input from which derivatives cannot be estimated; says which column,
    episode and row is at fault."""

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        episode: int | None = None,
        row: int | None = None,
    ):
        where = []
        if column is not None:
            where.append(f"column {column!r}")
        if episode is not None:
            where.append(f"episode {episode}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.column = column
        self.episode = episode
        self.row = row


def time_derivative(
    values: np.ndarray,
    time: np.ndarray,
    *,
    episode: np.ndarray | None = None,
    method: str = "finite_difference",
    accuracy: int = 2,
    window: int = 7,
    order: int = 3,
    smoothing: float | None = None,
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """Estimate ``d values / d time`` at every sample.

    **Arguments:**

    - ``values``: float ``(N,)`` or ``(N, D)``: the signal(s); rows of an episode are
      contiguous and in time order.
    - ``time``: float ``(N,)``: sample times (any unit; the derivative is per that
      unit), strictly increasing within each episode.
    - ``episode``: int ``(N,)`` episode ids (contiguous runs); one episode if None.
    - ``method``: ``"finite_difference"``, ``"savgol"`` or ``"spline"`` (module
      docstring).
    - ``accuracy``: order of accuracy of the finite differences, an even number
      (2: three-point stencils, error ``O(dt^2)``; 4: five-point stencils, error
      ``O(dt^4)`` and about 1.35 times the noise amplification).
    - ``window``, ``order``: Savitzky-Golay window length (odd, > ``order``) and
      polynomial degree.
    - ``smoothing``: the spline's bound on the sum of squared residuals (FITPACK's
      ``s``, in squared value units; 0 interpolates); ``N * noise_level(x)**2`` per
      episode and variable when None (:func:`noise_level`).
    - ``names``: column names used in error messages (default ``"0"``, ``"1"``,...).

    **Returns:** float64 array of the shape of ``values``, in value units per time
    unit.

    Raises :class:`DerivativeError` for bad input (see the module docstring).
    """
    if method not in METHODS:
        raise DerivativeError(f"unknown method {method!r}; use one of {METHODS}")
    values = np.asarray(values, dtype=np.float64)
    single = values.ndim == 1
    if single:
        values = values[:, None]
    if values.ndim != 2:
        raise DerivativeError(f"values must be (N,) or (N, D), got {values.shape}")
    rows, dimension = values.shape
    names = list(names) if names is not None else [str(i) for i in range(dimension)]
    time = np.asarray(time, dtype=np.float64)
    if time.shape != (rows,):
        raise DerivativeError(f"time has shape {time.shape}; expected ({rows},)")
    episode = np.zeros(rows, dtype=np.int64) if episode is None else np.asarray(episode)
    if episode.shape != (rows,):
        raise DerivativeError(f"episode has shape {episode.shape}; expected ({rows},)")
    if rows == 0:
        raise DerivativeError("no samples")
    _check_finite(time[:, None], ["time"])
    _check_finite(values, names)
    if method == "savgol":
        if window % 2 == 0 or window <= order:
            raise DerivativeError(
                f"Savitzky-Golay needs an odd window longer than the order; got "
                f"window={window}, order={order}"
            )
        if order < 1:
            raise DerivativeError(f"Savitzky-Golay order must be >= 1, got {order}")

    if method == "finite_difference" and (accuracy < 2 or accuracy % 2):
        raise DerivativeError(
            f"finite-difference accuracy must be an even number >= 2, got {accuracy}"
        )
    needed = {
        "finite_difference": accuracy + 1,
        "savgol": window,
        "spline": MIN_SPLINE_POINTS,
    }[method]
    result = np.empty_like(values)
    for start, stop in _episode_spans(episode):
        length = stop - start
        episode_id = int(episode[start])
        if length < needed:
            kind = "a single row" if length == 1 else f"{length} rows"
            raise DerivativeError(
                f"has {kind}; the {method} derivative needs at least {needed} "
                f"samples per episode",
                episode=episode_id,
                row=start,
            )
        t = time[start:stop]
        steps = np.diff(t)
        bad = np.flatnonzero(steps <= 0)
        if bad.size:
            row = start + int(bad[0]) + 1
            before, after = float(t[bad[0]]), float(t[bad[0] + 1])
            raise DerivativeError(
                f"time does not increase ({before!r} then {after!r})",
                column="time",
                episode=episode_id,
                row=row,
            )
        block = values[start:stop]
        if method == "finite_difference":
            result[start:stop] = _finite_difference(block, t, accuracy)
        elif method == "savgol":
            spread = np.ptp(steps) / np.mean(steps)
            if spread > UNIFORM_TOLERANCE:
                raise DerivativeError(
                    f"Savitzky-Golay needs a uniform time step; steps range from "
                    f"{steps.min():g} to {steps.max():g} (use method='spline' or "
                    f"'finite_difference' for non-uniform sampling)",
                    column="time",
                    episode=episode_id,
                )
            result[start:stop] = _savgol(block, float(np.mean(steps)), window, order)
        else:
            result[start:stop] = _spline(block, t, smoothing)
    return result[:, 0] if single else result


def _check_finite(values: np.ndarray, names: Sequence[str]) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        value = float(values[row, column])
        raise DerivativeError(
            f"value {value!r} is not finite (drop or fill such rows before "
            f"estimating derivatives)",
            column=names[column],
            row=int(row),
        )


def _episode_spans(episode: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of each contiguous run of equal episode ids."""
    breaks = np.flatnonzero(episode[1:] != episode[:-1]) + 1
    starts = np.concatenate([[0], breaks])
    stops = np.concatenate([breaks, [len(episode)]])
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def _finite_difference(block: np.ndarray, t: np.ndarray, accuracy: int) -> np.ndarray:
    """Finite differences of the given accuracy order on a non-uniform grid.

    At each sample the derivative of the interpolating polynomial through the
    ``accuracy + 1`` nearest samples of a window (centred in the interior, shifted
    to one side at the ends) is taken; the weights solve the small Vandermonde
    system ``sum_j w_j (t_j - t)^k = [k == 1]`` for ``k = 0..accuracy``, in units of
    the local step so that it stays well conditioned. For ``accuracy = 2`` on a
    uniform grid this is ``(x[i+1] - x[i-1]) / (2 dt)`` inside and
    ``(-3 x[0] + 4 x[1] - x[2]) / (2 dt)`` at the first sample.
    """
    n = len(t)
    points = accuracy + 1
    half = accuracy // 2
    first = np.clip(np.arange(n) - half, 0, n - points)
    window = first[:, None] + np.arange(points)[None, :]  # (n, points)
    step = (t[window[:, -1]] - t[window[:, 0]]) / accuracy
    offsets = (t[window] - t[:, None]) / step[:, None]  # (n, points), O(1) values
    powers = np.arange(points)
    vandermonde = offsets[:, None, :] ** powers[None, :, None]  # (n, k, j)
    rhs = np.zeros((n, points))
    rhs[:, 1] = 1.0
    weights = np.linalg.solve(vandermonde, rhs[:, :, None])[:, :, 0] / step[:, None]
    return np.einsum("nj,njd->nd", weights, block[window])


def _savgol(block: np.ndarray, dt: float, window: int, order: int) -> np.ndarray:
    from scipy.signal import savgol_filter

    return savgol_filter(block, window, order, deriv=1, delta=dt, axis=0, mode="interp")


def _spline(block: np.ndarray, t: np.ndarray, smoothing: float | None) -> np.ndarray:
    import warnings

    from scipy.interpolate import UnivariateSpline

    degree = SPLINE_DEGREE if t.size > SPLINE_DEGREE + 2 else 3
    out = np.empty_like(block)
    for column in range(block.shape[1]):
        values = block[:, column]
        bound = (
            values.size * noise_level(values) ** 2 if smoothing is None else smoothing
        )
        with warnings.catch_warnings():
            # FITPACK warns when it cannot reach a tiny residual bound exactly; the
            # spline it returns then interpolates, which is what such a bound asks.
            warnings.simplefilter("ignore", UserWarning)
            spline = UnivariateSpline(t, values, k=degree, s=bound)
        out[:, column] = spline.derivative()(t)
    return out


def noise_level(values: np.ndarray) -> float:
    """Standard deviation of white noise on a smooth, evenly sampled ``values``
    (float ``(N,)``, N >= 5), from its fourth differences: a fourth difference of
    white noise has variance ``70 sigma^2``, while a smooth signal's is of order
    ``dt^4`` times its fourth derivative. The median of the squared differences
    (divided by 0.4549, the median of a chi-square with one degree of freedom)
    keeps a few outliers or sharp features from inflating the estimate."""
    fourth = np.diff(np.asarray(values, np.float64), 4)
    return float(np.sqrt(np.median(fourth**2) / 0.4549 / 70.0))
