"""The evaluation and symbolic summary of a trained AL-RNN against test data.

:func:`encode_report` generates a long free run from the first test point, scores it
with the DSR metrics, and summarises its symbolic code: the subregions used with their
time shares, the step-level and jump transition graphs, dwell times, the fixed point
of every used region, the real 2-cycles, and each used region's equations. Everything
returned is JSON-serialisable.
"""

from __future__ import annotations

import logging
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from symworld.alrnn.analysis import find_cycles, fixed_points
from symworld.alrnn.metrics import (
    hellinger_spectrum_distance,
    prediction_error,
    state_space_divergence,
)
from symworld.alrnn.models import ALRNN, LatentModel
from symworld.alrnn.symbolic import (
    dwell_times,
    jump_graph,
    region_equations,
    region_shares,
    step_graph,
    symbol_sequence,
    topological_entropy,
)

logger = logging.getLogger(__name__)


@eqx.filter_jit
def free_run(
    model: LatentModel, x0: jax.Array, steps: int, transient: int
) -> jax.Array:
    """Latent free run ``(steps, M)`` from ``init_state(x0)``, the first ``transient``
    steps dropped."""
    return model.generate(model.init_state(x0), steps + transient)[transient:]


def _graph_json(graph) -> list[dict[str, Any]]:
    return [
        {"from": a, "to": b, "probability": round(d["weight"], 6), "count": d["count"]}
        for a, b, d in sorted(graph.edges(data=True))
    ]


def encode_report(
    model: LatentModel,
    test: np.ndarray,
    *,
    generated_steps: int = 100_000,
    transient: int = 1_000,
    num_bins: int = 30,
    spectrum_sigma: float = 20.0,
    prediction_steps: int = 20,
    cycle_period: int = 2,
    key: jax.Array | None = None,
) -> dict[str, Any]:
    """Metrics and symbolic code of ``model`` on ``test`` ``(T, N)``.

    **Returns:** a dict with ``d_stsp``, ``d_h`` (``generated_steps`` generated vs all
    of ``test``), ``prediction_error`` (``PE(prediction_steps)``), ``generated_steps``,
    ``test_steps``, and for an :class:`ALRNN` also ``subregions_used``,
    ``region_shares``, ``step_graph``, ``jump_graph``, ``mean_dwell``,
    ``topological_entropy``, ``fixed_points`` (used regions), ``cycles`` (real cycles
    of period ``cycle_period``) and ``equations`` (strings per used region).
    """
    test = np.asarray(test, dtype=np.float32)
    states = np.asarray(
        free_run(model, jnp.asarray(test[0]), generated_steps, transient)
    )
    generated = states[:, : model.num_observed]
    d_stsp = state_space_divergence(test, generated, num_bins=num_bins, key=key)
    d_h = hellinger_spectrum_distance(test, generated, sigma=spectrum_sigma)
    pe = prediction_error(model, test[: min(len(test), 20_000)], prediction_steps)
    report: dict[str, Any] = {
        "d_stsp": d_stsp,
        "d_h": d_h,
        "prediction_error": pe,
        "prediction_steps": prediction_steps,
        "generated_steps": generated_steps,
        "test_steps": int(test.shape[0]),
        "num_bins": num_bins,
        "spectrum_sigma": spectrum_sigma,
        "finite": bool(np.all(np.isfinite(states))),
    }
    if not isinstance(model, ALRNN):
        return report
    if not report["finite"]:
        logger.warning("free run is not finite; skipping the symbolic analysis")
        return report
    symbols = symbol_sequence(model, states)
    shares = region_shares(symbols)
    used = list(shares)
    steps = step_graph(symbols)
    jumps = jump_graph(symbols)
    dwell = dwell_times(symbols)
    points = fixed_points(model, used)
    cycles = find_cycles(model, cycle_period) if cycle_period > 1 else []
    report.update(
        subregions_used=len(used),
        subregions_possible=2**model.num_relu,
        region_shares={s: round(v, 6) for s, v in shares.items()},
        step_graph=_graph_json(steps),
        jump_graph=_graph_json(jumps),
        mean_dwell={s: round(float(v.mean()), 3) for s, v in dwell.items()},
        topological_entropy=topological_entropy(jumps),
        fixed_points=[p.to_json() for p in points],
        cycles=[
            {
                "regions": list(c.symbols),
                "observation": np.round(c.latent[:, : model.num_observed], 6).tolist(),
                "unstable_directions": c.unstable_directions,
            }
            for c in cycles
        ],
        equations={
            s: [str(eq) for eq in region_equations(model, s)["observation"]]
            for s in used
        },
    )
    return report
