"""Full AL-RNN reconstruction of Lorenz-63 or Rössler, with the acceptance evaluation.

    python examples/alrnn_reconstruction.py lorenz --out out/alrnn-lorenz
    python examples/alrnn_reconstruction.py rossler --out out/alrnn-rossler

Data: three independent trajectories of the system (training with 5% Gaussian
observation noise, clean validation, clean test), 100,000 steps each, z-scored with
the clean training statistics. Training follows the AL-RNN settings (M = 20, sparse
teacher forcing, RAdam with exponential decay, noise 0.05); every 25 epochs a 100,000-
step free run (after 1,000 transient steps, from the first validation point) is
compared with the validation series and the best model is kept: lowest D_stsp for
Lorenz, lowest D_stsp + D_H for Rössler (``--selection-dh-weight``). Short evaluation
runs miss models whose chaos is a long transient before a cycle.
The trajectories are integrated here (RK4, 20 substeps per sample, 100 time units of
transient) because these runs predate ``symworld.envs.chaos``; the data of a run is
stored in ``OUT/data.npz`` and reused when the command is repeated.
The final evaluation of that model: 100,000 generated steps (after 1,000
transient steps, from the first test point) against the 100,000 clean test steps,
30 bins per dimension, spectrum smoothing sigma = 20; then the symbolic analysis.
Results go to ``OUT/result.json``, the model to ``OUT/model.{json,npz}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import jax
import numpy as np

from symworld.alrnn.checkpoints import atomic_write_json, load_model, save_model
from symworld.alrnn.training import TrainingConfig, train

SETTINGS = {
    "lorenz": dict(
        relu=2,
        interval=16,
        sequence_length=200,
        start_lr=1e-3,
        epochs=2000,
        dt=0.01,
        selection_dh_weight=0.0,
    ),
    "rossler": dict(
        relu=1,
        interval=8,
        sequence_length=300,
        start_lr=5e-3,
        epochs=2000,
        dt=0.08,
        selection_dh_weight=1.0,
    ),
}


def _rk4_series(system: str, steps: int, seed: int) -> np.ndarray:
    """Stand-in until ``symworld.envs.chaos`` lands: RK4 with 20 substeps per sample
    from a random initial condition, after 100 time units of transient."""
    import jax.numpy as jnp

    dt = SETTINGS[system]["dt"]
    if system == "lorenz":

        def field(s):
            x, y, z = s
            return jnp.array([10 * (y - x), x * (28 - z) - y, x * y - 8 / 3 * z])

        start = np.array([1.0, 1.0, 20.0])
    else:

        def field(s):
            x, y, z = s
            return jnp.array([-y - z, x + 0.2 * y, 0.2 + z * (x - 5.7)])

        start = np.array([1.0, 1.0, 0.0])
    start = start + np.random.default_rng(seed).uniform(-1, 1, 3)
    h = dt / 20

    def rk4(s, _):
        k1 = field(s)
        k2 = field(s + h / 2 * k1)
        k3 = field(s + h / 2 * k2)
        k4 = field(s + h * k3)
        return s + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), None

    def sample(s, _):
        s, _ = jax.lax.scan(rk4, s, None, length=20)
        return s, s

    jax.config.update("jax_enable_x64", True)
    transient = int(100 / dt)
    _, series = jax.jit(
        lambda s: jax.lax.scan(sample, s, None, length=transient + steps)
    )(jnp.asarray(start))
    jax.config.update("jax_enable_x64", False)
    return np.asarray(series[transient:])


def system_data(system: str, steps: int, seed: int) -> tuple[np.ndarray, ...]:
    """Training (noisy), validation and test series, each ``(steps, 3)``, z-scored."""
    train_clean, validation, test = (
        _rk4_series(system, steps, seed=1000 * seed + i) for i in range(3)
    )
    mean, std = train_clean.mean(axis=0), train_clean.std(axis=0)
    train_clean, validation, test = (
        (a - mean) / std for a in (train_clean, validation, test)
    )
    noise = 0.05 * np.random.default_rng(seed).normal(size=train_clean.shape)
    return (train_clean + noise).astype(np.float32), validation, test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("system", choices=sorted(SETTINGS))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0, help="training seed")
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--analyse-only", action="store_true")
    parser.add_argument(
        "--selection-dh-weight",
        type=float,
        default=None,
        help="select the model minimising D_stsp + weight * D_H (default per system)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    settings = SETTINGS[args.system]
    epochs = args.epochs or settings["epochs"]

    args.out.mkdir(parents=True, exist_ok=True)
    data_path = args.out / "data.npz"
    if data_path.exists():
        with np.load(data_path) as stored:
            train_data, validation, test = (
                stored[k] for k in ("train", "validation", "test")
            )
    else:
        started = time.perf_counter()
        train_data, validation, test = system_data(
            args.system, args.steps, args.data_seed
        )
        logging.info("data ready in %.1f s", time.perf_counter() - started)
        np.savez(data_path, train=train_data, validation=validation, test=test)
    config = TrainingConfig.sparse(
        settings["interval"],
        epochs=epochs,
        sequence_length=settings["sequence_length"],
        start_lr=settings["start_lr"],
        evaluation_steps=args.steps,
        selection_dh_weight=(
            settings["selection_dh_weight"]
            if args.selection_dh_weight is None
            else args.selection_dh_weight
        ),
        seed=args.seed,
    )
    model_config = dict(num_latent=20, num_relu=settings["relu"], num_observed=3)
    summary: dict = {"system": args.system, "seed": args.seed, "epochs": epochs}
    if not args.analyse_only:
        started = time.perf_counter()
        result = train(
            train_data,
            model_config=model_config,
            config=config,
            validation=validation,
            checkpoint_dir=args.out / "checkpoint",
            resume=True,
        )
        summary.update(
            training_seconds=round(time.perf_counter() - started, 1),
            best_epoch=result.best_epoch,
            best_validation_d_stsp=result.best_d_stsp,
            diverged=result.diverged,
            message=result.message,
            final_loss=float(result.losses[-1]) if len(result.losses) else None,
        )
        save_model(result.best_model, args.out / "model")
    model = load_model(args.out / "model")
    from symworld.alrnn.report import encode_report

    report = encode_report(
        model,
        test,
        generated_steps=args.steps,
        transient=1000,
        num_bins=30,
        spectrum_sigma=20.0,
        key=jax.random.PRNGKey(args.seed),
    )
    summary.update(report)
    previous = args.out / "result.json"
    if args.analyse_only and previous.exists():
        old = json.loads(previous.read_text())
        summary = {**{k: v for k, v in old.items() if k not in report}, **summary}
    atomic_write_json(previous, summary)
    print(
        json.dumps(
            {k: summary[k] for k in summary if k not in ("equations",)}, indent=1
        )
    )


if __name__ == "__main__":
    main()
