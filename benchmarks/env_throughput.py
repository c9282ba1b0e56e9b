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

With ``--pinned-processes N`` each system (Crafter-OO and Craftax-Classic alike)
is also run in N worker processes, each pinned to its own core
(``os.sched_setaffinity`` in the child before it imports jax), each stepping its own
batch of games with its own keys. The workers compile, then time every repeat
together (the parent releases them at once), and send their (wall, CPU) seconds
back as one JSON line on stdout. The summed steps per second and steps per CPU-s
are printed beside the one-process run, with the ratios. On the 2-core box this
is how a user gets the most steps: XLA's CPU runtime otherwise spreads Crafter-OO's
loop bodies over both cores at a cost of about a third of its CPU time.

Usage::

    python benchmarks/env_throughput.py                 # everything
    python benchmarks/env_throughput.py --batch-sizes 1 64 --skip-craftax
    python benchmarks/env_throughput.py --batch-sizes 1024 --pinned-processes 2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
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
    processes: int = 1


def _timed(
    function, *args, repeats: int = 2, before_each=None
) -> tuple[float, float, object]:
    """Best (wall, cpu) seconds of ``function(*args)`` over ``repeats`` runs.

    ``before_each``, if given, is called (untimed) before every run; the pinned
    workers use it to wait for the parent's start signal.
    """
    best_wall, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeats):
        if before_each is not None:
            before_each()
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


def prepare_crafter_oo(batch: int, steps: int, autoreset: bool, seed: int = 0):
    """(compiled rollout, its arguments, compile s); ``seed`` picks the games."""
    reset, rollout = crafter_oo_rollout(batch, steps, autoreset)
    keys = jax.random.split(jax.random.key(2 * seed), batch)
    states, _ = jax.jit(reset)(keys)
    args = (states, jax.random.key(2 * seed + 1))
    compiled, compile_s = _compile(rollout, *args)
    return compiled, args, compile_s


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
def prepare_craftax(batch: int, steps: int, autoreset: bool, seed: int = 0):
    """(compiled rollout, its arguments, compile s); ``seed`` picks the games."""
    from craftax.craftax_env import make_craftax_env_from_name

    env = make_craftax_env_from_name(
        "Craftax-Classic-Symbolic-v1", auto_reset=autoreset
    )
    params = env.default_params
    keys = jax.random.split(jax.random.key(2 * seed), batch)
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

    args = (states, jax.random.key(2 * seed + 1))
    compiled, compile_s = _compile(rollout, *args)
    return compiled, args, compile_s


_PREPARE = {"crafter_oo": prepare_crafter_oo, "craftax_classic": prepare_craftax}


def measure_rollout(
    system: str, batch: int, steps: int, autoreset: bool, repeats: int
) -> Measurement:
    """``system`` ("crafter_oo" or "craftax_classic") in this process."""
    compiled, args, compile_s = _PREPARE[system](batch, steps, autoreset)
    wall, cpu, _ = _timed(compiled, *args, repeats=repeats)
    return Measurement(
        system, batch, autoreset, batch * steps / wall, batch * steps / cpu, compile_s
    )


# ---------------------------------------------------------- pinned worker processes
# Run in each worker with ``python -c``: pin the process to its core, then run this
# script in worker mode; jax is imported only after the pinning, so XLA sizes its
# thread pools for one core.
_WORKER_BOOT = """\
import os, runpy, sys
core, script, spec = sys.argv[1:]
os.sched_setaffinity(0, {int(core)})
sys.argv = [script, "--worker", spec]
runpy.run_path(script, run_name="__main__")
"""


def run_worker(spec: dict) -> int:
    """Worker side: compile, time each repeat on the parent's signal, send JSON.

    Protocol on stdin/stdout, one line each: the worker writes ``ready`` before
    every repeat and waits for a line on stdin; at the end it writes ``result``
    and a JSON object with its best wall and CPU seconds.
    """
    compiled, args, compile_s = _PREPARE[spec["system"]](
        spec["batch"], spec["steps"], spec["autoreset"], seed=spec["seed"]
    )

    def wait_for_start():
        print("ready", flush=True)
        if not sys.stdin.readline():
            raise SystemExit("env_throughput worker: parent closed the pipe")

    wall, cpu, _ = _timed(
        compiled, *args, repeats=spec["repeats"], before_each=wait_for_start
    )
    result = {
        "wall_s": wall,
        "cpu_s": cpu,
        "compile_s": compile_s,
        "cores": sorted(os.sched_getaffinity(0)),
    }
    print("result " + json.dumps(result), flush=True)
    return 0


def _read_line(worker: subprocess.Popen, expected: str, label: str) -> str:
    """The rest of the worker's next line starting with ``expected``.

    Other lines (anything a library prints) are passed on to stderr.
    """
    while line := worker.stdout.readline():
        if line.startswith(expected):
            return line[len(expected) :].strip()
        print(f"[{label}] {line}", end="", file=sys.stderr)
    worker.kill()
    raise RuntimeError(
        f"env_throughput worker {label}: ended before sending {expected!r} "
        f"(exit code {worker.wait()})"
    )


def measure_pinned(
    system: str, batch: int, steps: int, autoreset: bool, repeats: int, processes: int
) -> Measurement:
    """``processes`` workers of ``system``, one per core, timed together.

    Steps per second are summed over the workers (each ``batch`` games,
    ``steps`` steps, best of ``repeats``); steps per CPU-s are all workers' steps
    over all workers' CPU seconds; compile time is the slowest worker's.
    """
    cores = sorted(os.sched_getaffinity(0))
    if processes > len(cores):
        raise ValueError(
            f"--pinned-processes {processes}: this process may run on only "
            f"{len(cores)} cores ({cores})"
        )
    cores = cores[:processes]
    workers = []
    try:
        for seed, core in enumerate(cores):
            spec = dict(
                system=system,
                batch=batch,
                steps=steps,
                autoreset=autoreset,
                repeats=repeats,
                seed=seed,
            )
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        _WORKER_BOOT,
                        str(core),
                        os.path.abspath(__file__),
                        json.dumps(spec),
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        labels = [f"{system} on core {core}" for core in cores]
        for _ in range(repeats):
            for worker, label in zip(workers, labels):
                _read_line(worker, "ready", label)
            for worker in workers:  # release all at once: the runs overlap
                worker.stdin.write("go\n")
                worker.stdin.flush()
        results = [
            json.loads(_read_line(worker, "result", label))
            for worker, label in zip(workers, labels)
        ]
        for worker, label, core, result in zip(workers, labels, cores, results):
            if worker.wait() != 0 or result["cores"] != [core]:
                raise RuntimeError(
                    f"env_throughput worker {label}: exit code {worker.returncode}, "
                    f"ran on cores {result['cores']}"
                )
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    total_steps = processes * batch * steps
    return Measurement(
        system,
        batch,
        autoreset,
        sum(batch * steps / r["wall_s"] for r in results),
        total_steps / sum(r["cpu_s"] for r in results),
        max(r["compile_s"] for r in results),
        f"{processes} processes pinned to cores {cores}, {batch} games each",
        processes,
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
    parser.add_argument(
        "--pinned-processes",
        type=int,
        default=0,
        metavar="N",
        help="also run each system in N worker processes, each pinned to its own "
        "core and stepping its own batch, timed together (default: off)",
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(json.loads(args.worker))
    if args.pinned_processes < 0:
        parser.error("--pinned-processes must be 0 (off) or a number of processes")

    rows: list[Measurement] = []

    def measure(system: str, batch: int, autoreset: bool) -> None:
        rows.append(measure_rollout(system, batch, args.steps, autoreset, args.repeats))
        print(_row(rows[-1]), flush=True)
        if args.pinned_processes:
            rows.append(
                measure_pinned(
                    system,
                    batch,
                    args.steps,
                    autoreset,
                    args.repeats,
                    args.pinned_processes,
                )
            )
            print(_row(rows[-1]), flush=True)

    for batch in args.batch_sizes:
        for autoreset in (False, True):
            measure("crafter_oo", batch, autoreset)
            if args.skip_craftax or (
                autoreset and batch > args.craftax_autoreset_max_batch
            ):
                continue
            measure("craftax_classic", batch, autoreset)
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
    if args.pinned_processes:
        print()
        print(_pinned_table(rows, args.pinned_processes))
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
    pinned = f" x{m.processes} pinned" if m.processes > 1 else ""
    return (
        f"{m.system + pinned:26s} batch {m.batch:5d} {mode:9s} "
        f"{m.steps_per_s:12,.0f} steps/s "
        f"{m.steps_per_cpu_s:12,.0f} steps/CPU-s{compile_s}"
    )


def _find(
    rows: list[Measurement], system: str, batch: int, autoreset: bool, processes: int
) -> Measurement | None:
    return next(
        (
            r
            for r in rows
            if (r.system, r.batch, r.autoreset, r.processes)
            == (system, batch, autoreset, processes)
        ),
        None,
    )


def _rate(m: Measurement | None) -> str:
    if m is None:
        return "not measured"
    return f"{m.steps_per_s:,.0f} ({m.steps_per_cpu_s:,.0f})"


def _ratio(a: Measurement | None, b: Measurement | None) -> str:
    if a is None or b is None:
        return "–"
    return (
        f"{a.steps_per_s / b.steps_per_s:.2f}x, "
        f"{a.steps_per_cpu_s / b.steps_per_cpu_s:.2f}x"
    )


def _pinned_table(rows: list[Measurement], processes: int) -> str:
    """Markdown table: one process against ``processes`` pinned ones, both systems."""
    lines = [
        "| batch | autoreset | processes | Crafter-OO steps/s (per CPU-s) | "
        "Craftax-Classic steps/s (per CPU-s) | ratio vs Craftax (wall, CPU) | "
        "Crafter-OO vs one process (wall, CPU) | "
        "Craftax-Classic vs one process (wall, CPU) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for ours in (
        r for r in rows if r.system == "crafter_oo" and r.processes == processes
    ):
        key = (ours.batch, ours.autoreset)
        single = _find(rows, "crafter_oo", *key, 1)
        peer = _find(rows, "craftax_classic", *key, processes)
        peer_single = _find(rows, "craftax_classic", *key, 1)
        reset = "yes" if ours.autoreset else "no"
        lines.append(
            f"| {ours.batch} | {reset} | 1 | {_rate(single)} | {_rate(peer_single)} "
            f"| {_ratio(single, peer_single)} | – | – |"
        )
        lines.append(
            f"| {ours.batch} | {reset} | {processes} pinned | {_rate(ours)} | "
            f"{_rate(peer)} | {_ratio(ours, peer)} | {_ratio(ours, single)} | "
            f"{_ratio(peer, peer_single)} |"
        )
    return "\n".join(lines)


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
    for ours in (r for r in rows if r.system == "crafter_oo" and r.processes == 1):
        peer = _find(rows, "craftax_classic", ours.batch, ours.autoreset, 1)
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
