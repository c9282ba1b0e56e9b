"""Throughput of Crafter-OO against the original crafter and Craftax-Classic.

Measures, in one run on one machine:

- Crafter-OO steps per second at each batch size, random actions, symbolic
  observations, without autoreset (games keep stepping after they end, like
  Craftax's ``NoAutoReset`` variant) and with NEXT_STEP autoreset (fresh worlds
  generated inside the compiled step for the games that ended);
- compile time of the rollout (``jit(...).lower(...).compile()``);
- batched resets (world generations) per second;
- the original ``crafter.Env`` (one game; rendering its image observation, as it
  always does), steps per second and resets per second;
- Craftax-Classic (``Craftax-Classic-Symbolic-v1``) at the same batch sizes, with
  and without its auto-reset, and the ratios.

Each rollout is ``jit(lax.scan(vmap(step)))`` over ``--steps`` steps; time is the
best of ``--repeats`` runs after compilation, reported as wall-clock steps per
second and as steps per CPU-second (``time.process_time``, all threads), which is
the fairer figure on a shared machine.

Usage::

    python benchmarks/env_throughput.py                 # everything
    python benchmarks/env_throughput.py --batch-sizes 1 64 --skip-craftax
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass
class Measurement:
    system: str
    batch: int
    autoreset: bool
    steps_per_s: float
    steps_per_cpu_s: float
    compile_s: float | None = None
    note: str = ""


def _timed(function, *args, repeats: int = 2) -> tuple[float, float, object]:
    """Best (wall, cpu) seconds of ``function(*args)`` over ``repeats`` runs."""
    best_wall, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        out = jax.block_until_ready(function(*args))
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, out


def _compile(function, *args) -> tuple[object, float]:
    start = time.perf_counter()
    compiled = jax.jit(function).lower(*args).compile()
    return compiled, time.perf_counter() - start


# ----------------------------------------------------------------------- Crafter-OO
def crafter_oo_rollout(batch: int, steps: int, autoreset: bool):
    from symworld.envs.crafter_oo import CrafterOO
    from symworld.envs.crafter_oo.core import step_batch
    from symworld.envs.crafter_oo.observation import observe
    from symworld.envs.crafter_oo.vector import batched_functions

    env = CrafterOO()
    reset, step = batched_functions(env, batch, full=False)

    def rollout(states, key):
        def body(carry, step_key):
            states, needs_reset = carry
            action_key, env_key = jax.random.split(step_key)
            actions = jax.random.randint(action_key, (batch,), 0, env.num_actions)
            if autoreset:
                states, obs, reward, terminated, truncated, _ = step(
                    states, actions, env_key, needs_reset
                )
                needs_reset = terminated | truncated
            else:
                keys = jax.random.split(env_key, batch)
                states, info = step_batch(states, actions, keys, env.default_params)
                obs = jax.vmap(observe)(states)
                reward = info["reward"]
            return (states, needs_reset), reward.sum() + obs["inventory"].sum()

        (states, _), totals = jax.lax.scan(
            body, (states, jnp.zeros(batch, bool)), jax.random.split(key, steps)
        )
        return states.step, totals

    return reset, rollout


def measure_crafter_oo(batch: int, steps: int, autoreset: bool, repeats: int):
    reset, rollout = crafter_oo_rollout(batch, steps, autoreset)
    keys = jax.random.split(jax.random.key(0), batch)
    states, _ = jax.jit(reset)(keys)
    compiled, compile_s = _compile(rollout, states, jax.random.key(1))
    wall, cpu, _ = _timed(compiled, states, jax.random.key(1), repeats=repeats)
    return Measurement(
        "crafter_oo",
        batch,
        autoreset,
        batch * steps / wall,
        batch * steps / cpu,
        compile_s,
    )


def measure_crafter_oo_resets(batch: int, repeats: int) -> tuple[float, float, float]:
    """(resets per s, resets per CPU-s, compile s) for ``batch`` worlds at once."""
    from symworld.envs.crafter_oo import CrafterOO

    env = CrafterOO()

    def reset(keys):
        return jax.vmap(env.reset)(keys).material.sum()

    keys = jax.random.split(jax.random.key(0), batch)
    compiled, compile_s = _compile(reset, keys)
    wall, cpu, _ = _timed(compiled, keys, repeats=repeats)
    return batch / wall, batch / cpu, compile_s


# -------------------------------------------------------------------------- crafter
def measure_crafter(steps: int) -> tuple[Measurement, float]:
    """The original game, one env: (step measurement, resets per second)."""
    import crafter

    env = crafter.Env(seed=0)
    start = time.perf_counter()
    env.reset()
    reset_s = time.perf_counter() - start
    rng = np.random.default_rng(0)
    wall, cpu = time.perf_counter(), time.process_time()
    done_steps = 0
    while done_steps < steps:
        _, _, done, _ = env.step(int(rng.integers(0, 17)))
        done_steps += 1
        if done:
            break  # resets are measured separately
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    note = "image observation rendered every step (the original always renders)"
    return Measurement(
        "crafter", 1, False, done_steps / wall, done_steps / cpu, None, note
    ), (1.0 / reset_s)


# ------------------------------------------------------------------- Craftax-Classic
def measure_craftax(batch: int, steps: int, autoreset: bool, repeats: int):
    from craftax.craftax_env import make_craftax_env_from_name

    env = make_craftax_env_from_name(
        "Craftax-Classic-Symbolic-v1", auto_reset=autoreset
    )
    params = env.default_params
    keys = jax.random.split(jax.random.key(0), batch)
    _, states = jax.jit(jax.vmap(env.reset, in_axes=(0, None)))(keys, params)

    def rollout(states, key):
        def body(states, step_key):
            action_key, env_key = jax.random.split(step_key)
            actions = jax.random.randint(action_key, (batch,), 0, 17)
            obs, states, reward, done, _ = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
                jax.random.split(env_key, batch), states, actions, params
            )
            return states, reward.sum() + obs.sum()

        states, totals = jax.lax.scan(body, states, jax.random.split(key, steps))
        return states.timestep, totals

    compiled, compile_s = _compile(rollout, states, jax.random.key(1))
    wall, cpu, _ = _timed(compiled, states, jax.random.key(1), repeats=repeats)
    return Measurement(
        "craftax_classic",
        batch,
        autoreset,
        batch * steps / wall,
        batch * steps / cpu,
        compile_s,
    )


# ------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64, 1024])
    parser.add_argument("--steps", type=int, default=100, help="steps per rollout")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--reset-batch", type=int, default=256)
    parser.add_argument("--crafter-steps", type=int, default=500)
    parser.add_argument("--skip-crafter", action="store_true")
    parser.add_argument("--skip-craftax", action="store_true")
    parser.add_argument(
        "--craftax-autoreset-max-batch",
        type=int,
        default=64,
        help="largest batch for Craftax's auto-reset variant (it generates a world "
        "for every game at every step, ~100 s per step at 1024 on 2 CPU cores)",
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    rows: list[Measurement] = []
    for batch in args.batch_sizes:
        for autoreset in (False, True):
            rows.append(measure_crafter_oo(batch, args.steps, autoreset, args.repeats))
            print(_row(rows[-1]), flush=True)
            if args.skip_craftax or (
                autoreset and batch > args.craftax_autoreset_max_batch
            ):
                continue
            rows.append(measure_craftax(batch, args.steps, autoreset, args.repeats))
            print(_row(rows[-1]), flush=True)
    resets, resets_cpu, reset_compile = measure_crafter_oo_resets(
        args.reset_batch, args.repeats
    )
    print(
        f"crafter_oo batched resets ({args.reset_batch} worlds): {resets:,.0f}/s "
        f"({resets_cpu:,.0f}/CPU-s), compile {reset_compile:.1f} s",
        flush=True,
    )
    crafter_resets = None
    if not args.skip_crafter:
        measurement, crafter_resets = measure_crafter(args.crafter_steps)
        rows.append(measurement)
        print(_row(rows[-1]), f"resets {crafter_resets:.2f}/s", flush=True)

    print()
    print(_table(rows))
    if args.json:
        with open(args.json, "w") as file:
            json.dump(
                {
                    "machine": platform.platform(),
                    "jax": jax.__version__,
                    "devices": [str(d) for d in jax.devices()],
                    "rows": [dataclasses.asdict(r) for r in rows],
                    "crafter_oo_resets_per_s": resets,
                    "crafter_oo_resets_per_cpu_s": resets_cpu,
                    "crafter_resets_per_s": crafter_resets,
                },
                file,
                indent=2,
            )
    return 0


def _row(m: Measurement) -> str:
    compile_s = "" if m.compile_s is None else f" compile {m.compile_s:.1f} s"
    mode = "autoreset" if m.autoreset else "no-reset"
    return (
        f"{m.system:16s} batch {m.batch:5d} {mode:9s} "
        f"{m.steps_per_s:12,.0f} steps/s "
        f"{m.steps_per_cpu_s:12,.0f} steps/CPU-s{compile_s}"
    )


def _table(rows: list[Measurement]) -> str:
    """Markdown table with the ratios to Craftax-Classic and to crafter."""
    crafter = next((r for r in rows if r.system == "crafter"), None)
    lines = [
        "| batch | autoreset | Crafter-OO steps/s (per CPU-s) | compile s | "
        "Craftax-Classic steps/s (per CPU-s) | compile s | "
        "ratio vs Craftax (wall, CPU) | "
        "ratio vs crafter (wall) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for ours in (r for r in rows if r.system == "crafter_oo"):
        peer = next(
            (
                r
                for r in rows
                if r.system == "craftax_classic"
                and r.batch == ours.batch
                and r.autoreset == ours.autoreset
            ),
            None,
        )
        peer_text = (
            f"{peer.steps_per_s:,.0f} ({peer.steps_per_cpu_s:,.0f}) | "
            f"{peer.compile_s:.1f}"
            if peer
            else "not measured | –"
        )
        ratio = (
            f"{ours.steps_per_s / peer.steps_per_s:.1f}x, "
            f"{ours.steps_per_cpu_s / peer.steps_per_cpu_s:.1f}x"
            if peer
            else "–"
        )
        crafter_ratio = (
            f"{ours.steps_per_s / crafter.steps_per_s:.1f}x" if crafter else "–"
        )
        lines.append(
            f"| {ours.batch} | {'yes' if ours.autoreset else 'no'} | "
            f"{ours.steps_per_s:,.0f} ({ours.steps_per_cpu_s:,.0f}) | "
            f"{ours.compile_s:.1f} | {peer_text} | {ratio} | {crafter_ratio} |"
        )
    if crafter:
        lines.append(
            f"\ncrafter 1.8.3 (one env): {crafter.steps_per_s:,.0f} steps/s "
            f"({crafter.steps_per_cpu_s:,.0f} per CPU-s); {crafter.note}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
