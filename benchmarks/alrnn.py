"""AL-RNN training speed: our JAX loop against a plain PyTorch (CPU) loop.

    python benchmarks/alrnn.py [--epochs 4] [--threads 1]

Both train the same model on the same data with the same protocol: AL-RNN M = 20,
P = 2 on 3-D z-scored Lorenz-63 (dt 0.01) with sparse teacher forcing (tau = 16),
windows of 200 steps, batch 16, 50 batches per epoch, Gaussian noise 0.05, RAdam
with per-epoch exponential decay. The PyTorch side is written the straightforward way
(a Python loop over the window, autograd, ``torch.optim.RAdam``); the JAX side is
:func:`symworld.alrnn.training.train`'s compiled loop (``lax.scan`` over epochs,
batches and time), timed after its compilation, which is reported separately.
Prints a table of epochs per second and the ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import jax
import jax.numpy as jnp
import numpy as np

from symworld.alrnn.models import ALRNN
from symworld.alrnn.training import (
    TrainingConfig,
    TrainState,
    _cached_chunk_runner,
    _compiled_part,
)


def lorenz_data(steps: int = 20_000) -> np.ndarray:
    from symworld.envs.chaos import simulate

    data = simulate("Lorenz", key=jax.random.PRNGKey(0), num_steps=steps, dt=0.01)
    states = np.asarray(data.states)[0]
    return ((states - states.mean(0)) / states.std(0)).astype(np.float32)


def jax_epochs_per_second(data: np.ndarray, config: TrainingConfig, epochs: int):
    model = ALRNN(20, 2, 3, key=jax.random.PRNGKey(0))
    run = _cached_chunk_runner(_compiled_part(config))
    from symworld.alrnn.training import make_optimizer

    optimizer = make_optimizer(config)
    import equinox as eqx

    state = TrainState(
        model,
        optimizer.init(eqx.filter(model, eqx.is_inexact_array)),
        jnp.float32(1.0),
        jnp.int32(0),
    )
    data_j = jnp.asarray(data)
    key = jax.random.PRNGKey(1)
    started = time.perf_counter()
    state, losses = run(state, data_j, key, jnp.arange(0, epochs, dtype=jnp.int32))
    losses.block_until_ready()
    compile_and_run = time.perf_counter() - started
    started = time.perf_counter()
    state, losses = run(
        state, data_j, key, jnp.arange(epochs, 2 * epochs, dtype=jnp.int32)
    )
    losses.block_until_ready()
    seconds = time.perf_counter() - started
    return epochs / seconds, compile_and_run - seconds, float(losses[-1])


def torch_epochs_per_second(data: np.ndarray, config: TrainingConfig, epochs: int):
    import torch

    torch.manual_seed(0)
    m, p, n = 20, 2, 3
    r = torch.randn(m, m)
    k = r.T @ r / m + torch.eye(m)
    a = torch.nn.Parameter(torch.diag(k / torch.linalg.eigvalsh(k).max()).clone())
    w = torch.nn.Parameter(0.01 * torch.randn(m, m))
    h = torch.nn.Parameter(torch.zeros(m))
    limit = (6.0 / (m - n + n)) ** 0.5
    lmat = torch.nn.Parameter(torch.empty(m - n, n).uniform_(-limit, limit))
    parameters = [a, w, h, lmat]
    optimizer = torch.optim.RAdam(parameters, lr=config.start_lr)
    gamma = (config.end_lr / config.start_lr) ** (1.0 / config.epochs)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma)
    series = torch.from_numpy(data)
    length = config.sequence_length + 1
    linear_mask = torch.arange(m) < m - p

    def step(z):
        phi = torch.where(linear_mask, z, torch.relu(z))
        return a * z + phi @ w.T + h

    def one_epoch():
        last = 0.0
        for _ in range(config.batches_per_epoch):
            starts = torch.randint(
                0, series.shape[0] - length + 1, (config.batch_size,)
            )
            windows = torch.stack([series[s : s + length] for s in starts.tolist()])
            windows = windows + config.noise_std * torch.randn_like(windows)
            z = torch.cat([windows[:, 0], windows[:, 0] @ lmat.T], dim=1)
            predictions = []
            for t in range(1, length):
                z = step(z)
                predictions.append(z[:, :n])
                if t % config.forcing_interval == 0:
                    z = torch.cat([windows[:, t], z[:, n:]], dim=1)
            loss = torch.mean((torch.stack(predictions, 1) - windows[:, 1:]) ** 2)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            last = loss.item()
        scheduler.step()
        return last

    one_epoch()  # warm-up
    started = time.perf_counter()
    for _ in range(epochs):
        loss = one_epoch()
    return epochs / (time.perf_counter() - started), loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4, help="timed epochs per side")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads (1 is fastest for these small tensors)",
    )
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    config = dataclasses.replace(TrainingConfig.sparse(16), epochs=2000)
    data = lorenz_data()
    jax_rate, compile_seconds, jax_loss = jax_epochs_per_second(
        data, config, args.epochs
    )
    torch_rate, torch_loss = torch_epochs_per_second(data, config, args.epochs)
    print("AL-RNN M=20 P=2, STF tau=16, T=200, batch 16, 50 batches/epoch (CPU)")

    def row(name: str, rate: float, loss: float) -> str:
        return f"{name:<28}{rate:>10.3f}{1 / rate:>10.3f}{loss:>11.4f}"

    print(f"{'implementation':<28}{'epochs/s':>10}{'s/epoch':>10}{'last loss':>11}")
    print(row("symworld (JAX, lax.scan)", jax_rate, jax_loss))
    print(row(f"PyTorch {torch.__version__}", torch_rate, torch_loss))
    print(f"speed-up (JAX / PyTorch): {jax_rate / torch_rate:.1f}x")
    print(f"JAX compilation: {compile_seconds:.1f} s (once per configuration)")
    print(
        f"projected 2,000 epochs: JAX {2000 / jax_rate / 60:.1f} min, "
        f"PyTorch {2000 / torch_rate / 60:.1f} min (training only)"
    )


if __name__ == "__main__":
    main()
