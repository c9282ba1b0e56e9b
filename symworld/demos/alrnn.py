"""Demo section: a short AL-RNN encoding of Lorenz-63 and its symbolic code."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from symworld.alrnn.encoding import encode_series
from symworld.alrnn.training import TrainingConfig

# A short run: 60,000 updates in the full protocol, 3,000 here.
DEMO_CONFIG = dict(
    epochs=150,
    batches_per_epoch=20,
    start_lr=3e-3,
    end_lr=1e-4,
    evaluate_every=25,
    evaluation_steps=5_000,
)


def run(seed: int) -> dict[str, Any]:
    """Encode 15,000 steps of Lorenz-63 (dt 0.01, 5% noise, z-scored) with an AL-RNN
    (M = 20, P = 2) trained for 150 short epochs; report metrics and regions."""
    from symworld.envs.chaos import simulate

    data = simulate(
        "Lorenz",
        key=jax.random.PRNGKey(seed),
        num_steps=15_000,
        dt=0.01,
        noise=0.05,
    )
    config = TrainingConfig.sparse(16, seed=seed, **DEMO_CONFIG)
    encoding = encode_series(
        np.asarray(data.states)[0], latent=20, relu=2, config=config, test_fraction=0.3
    )
    report = encoding.report
    lines = [
        f"Lorenz-63, {report['rows']['train']} training steps, 150 short epochs "
        f"({report['training_seconds']:.0f} s): D_stsp {report['d_stsp']:.2f}, "
        f"D_H {report['d_h']:.3f} on {report['test_steps']} test steps "
        "(the full 2,000-epoch protocol is examples/alrnn_reconstruction.py)",
    ]
    if "region_shares" in report:
        shares = ", ".join(
            f"{s} {100 * v:.0f}%" for s, v in report["region_shares"].items()
        )
        lines.append(f"subregions used {report['subregions_used']} of 4: {shares}")
        for point in report["fixed_points"]:
            kind = "real" if point["real"] else "virtual"
            coordinates = ", ".join(f"{v:.2f}" for v in point["observation"])
            lines.append(
                f"  region {point['region']}: fixed point ({coordinates}) {kind}, "
                f"{point['unstable_directions']} unstable directions"
            )
        edges = ", ".join(f"{e['from']}->{e['to']}" for e in report["jump_graph"])
        lines.append(f"  jump graph: {edges}")
    summary = {
        key: report[key]
        for key in ("d_stsp", "d_h", "subregions_used", "region_shares", "fixed_points")
        if key in report
    }
    summary["lines"] = lines
    return summary
