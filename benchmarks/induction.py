"""Benchmark: law induction from one life of exploration.

Prints, for one environment, the wall and CPU seconds (``time.process_time``)
to explore one life of ``--steps`` steps, to induce a law library from it
(search and law-model fit), and, as the reference measured in the same run, to
fit the environment's hand-written library to the same transitions with the
same number of optimiser steps, with the ratio; and the load average.

    python benchmarks/induction.py --env symworld/Switches-v0 --steps 2000
    python benchmarks/induction.py --env symworld/CrafterOO-v0 --steps 2000
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import jax
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", default="symworld/Switches-v0")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=500)
    args = parser.parse_args()

    from symworld.induction import InductionSettings, explore, induce
    from symworld.induction.selection import fit_set
    from symworld.programs.environments import law_environment
    from symworld.programs.source import library_reference, load_library

    environment = law_environment(args.env)
    env = environment.env()
    schema = environment.schema(env)

    start, cpu = time.perf_counter(), time.process_time()
    life = explore(env, schema, steps=args.steps, seed=args.seed)
    explored = (time.perf_counter() - start, time.process_time() - cpu)

    start, cpu = time.perf_counter(), time.process_time()
    result = induce(
        schema,
        life.states,
        life.actions,
        life.next_states,
        num_actions=int(env.num_actions),
        seed=args.seed,
        settings=InductionSettings(fit_steps=args.iterations),
    )
    induced = (time.perf_counter() - start, time.process_time() - cpu)

    start, cpu = time.perf_counter(), time.process_time()
    hand = load_library(library_reference(environment.laws))
    fit_set(
        hand,
        schema,
        life.states,
        life.actions,
        life.next_states,
        seed=args.seed,
        steps=args.iterations,
    )
    fitted = (time.perf_counter() - start, time.process_time() - cpu)

    rows = [
        ("explore one life", explored),
        ("induce (search + fit)", induced),
        ("fit hand-written library (reference)", fitted),
    ]
    print(
        f"env {args.env}, {life.num_transitions} transitions "
        f"({'the life ended' if life.died else 'alive at the end'}), seed "
        f"{args.seed}, {len(result.laws)} laws induced, {result.num_features} "
        f"features; JAX {jax.__version__}, {platform.machine()}, numpy "
        f"{np.__version__}, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'stage':<40} {'wall s':>9} {'CPU s':>9}")
    for name, (wall, cpu) in rows:
        print(f"{name:<40} {wall:>9.2f} {cpu:>9.2f}")
    print(
        f"{'explore + induce':<40} {explored[0] + induced[0]:>9.2f} "
        f"{explored[1] + induced[1]:>9.2f}"
    )
    print(
        f"ratio induce / reference fit: wall {induced[0] / fitted[0]:.2f}, "
        f"CPU {induced[1] / fitted[1]:.2f}"
    )


if __name__ == "__main__":
    main()
