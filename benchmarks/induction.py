"""Benchmark: law induction from one life of exploration.

Prints, for one environment, the time to explore one life of ``--steps`` steps,
to induce a law library from it (search and law-model fit), and, as the
reference measured in the same run, the time to fit the environment's
hand-written library to the same transitions with the same number of optimiser
steps, with the ratio.

    python benchmarks/induction.py --env symworld/Switches-v0 --steps 2000
    python benchmarks/induction.py --env symworld/CrafterOO-v0 --steps 2000
"""

from __future__ import annotations

import argparse
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

    start = time.perf_counter()
    life = explore(env, schema, steps=args.steps, seed=args.seed)
    explored = time.perf_counter() - start

    start = time.perf_counter()
    result = induce(
        schema,
        life.states,
        life.actions,
        life.next_states,
        num_actions=int(env.num_actions),
        seed=args.seed,
        settings=InductionSettings(fit_steps=args.iterations),
    )
    induced = time.perf_counter() - start

    start = time.perf_counter()
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
    fitted = time.perf_counter() - start

    rows = [
        ("explore one life", explored),
        ("induce (search + fit)", induced),
        ("fit hand-written library (reference)", fitted),
    ]
    print(
        f"env {args.env}, {life.num_transitions} transitions, seed {args.seed}, "
        f"{len(result.laws)} laws induced, {result.num_features} features; "
        f"JAX {jax.__version__}, {platform.machine()}, numpy {np.__version__}"
    )
    print(f"{'stage':<40} {'seconds':>9}")
    for name, seconds in rows:
        print(f"{name:<40} {seconds:>9.2f}")
    print(f"{'explore + induce':<40} {explored + induced:>9.2f}")
    print(f"ratio induce / reference fit: {induced / fitted:.2f}")


if __name__ == "__main__":
    main()
