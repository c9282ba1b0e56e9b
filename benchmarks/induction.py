"""Benchmark: law induction from one life of exploration.

Prints, for one environment, the wall and CPU seconds (``time.process_time``)
to explore one life of ``--steps`` steps, to induce a law library from it
(search and law-model fit), and, as the reference measured in the same run, to
fit the environment's hand-written library to the same transitions with the
same number of optimiser steps, with the ratio; and the load average.

    python benchmarks/induction.py --env symworld/Switches-v0 --steps 2000
    python benchmarks/induction.py --env symworld/CrafterOO-v0 --steps 2000

A life ends early when the player dies (Crafter-OO's lives end after 200-1,300
steps). ``--transitions N`` times induction on exactly ``N`` transitions: lives of
seeds ``seed``, ``seed + 1``, ... are explored until they hold ``N`` transitions
together, and their transitions are joined and cut at ``N`` (the inducer reads
transitions, not episodes), so that the 2,000-step target is measured on 2,000
transitions even when no single life lasts that long.

    python benchmarks/induction.py --env symworld/CrafterOO-v0 --transitions 2000
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time

import jax
import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", default="symworld/Switches-v0")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument(
        "--transitions",
        type=int,
        default=None,
        help="induce from exactly N transitions, joining lives of seed, seed+1, ...",
    )
    args = parser.parse_args()
    if args.transitions is not None and args.transitions < 1:
        parser.error(f"--transitions must be at least 1, got {args.transitions}")
    if args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")

    from symworld.induction import InductionSettings, explore, induce
    from symworld.induction.selection import fit_set
    from symworld.programs.environments import law_environment
    from symworld.programs.source import library_reference, load_library

    environment = law_environment(args.env)
    env = environment.env()
    schema = environment.schema(env)

    start, cpu = time.perf_counter(), time.process_time()
    lives = [explore(env, schema, steps=args.steps, seed=args.seed)]
    while args.transitions and sum(x.num_transitions for x in lives) < args.transitions:
        lives.append(
            explore(env, schema, steps=args.steps, seed=args.seed + len(lives))
        )
    explored = (time.perf_counter() - start, time.process_time() - cpu)
    life = join_lives(lives, args.transitions)

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
        (f"explore {len(lives)} li{'ves' if len(lives) > 1 else 'fe'}", explored),
        ("induce (search + fit)", induced),
        ("fit hand-written library (reference)", fitted),
    ]
    ended = ", ".join(
        f"seed {x.seed}: {x.num_transitions} steps, "
        f"{'the life ended' if x.died else 'alive at the end'}"
        for x in lives
    )
    print(
        f"env {args.env}, {life.num_transitions} transitions ({ended}), "
        f"{len(result.laws)} laws induced, {result.num_features} "
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


def join_lives(lives: list, transitions: int | None):
    """One :class:`~symworld.induction.Exploration` holding the transitions of
    ``lives`` in order, cut at ``transitions`` (all of them when ``None``)."""
    if len(lives) == 1 and transitions is None:
        return lives[0]

    def join(*leaves):
        return np.concatenate([np.asarray(x) for x in leaves])[:transitions]

    first = lives[0]
    return dataclasses.replace(
        first,
        states=jax.tree_util.tree_map(join, *(x.states for x in lives)),
        actions=join(*(x.actions for x in lives)),
        next_states=jax.tree_util.tree_map(join, *(x.next_states for x in lives)),
        rewards=join(*(x.rewards for x in lives)),
        died=lives[-1].died,
        reasons=tuple(r for x in lives for r in x.reasons)[:transitions],
    )


if __name__ == "__main__":
    main()
