"""Imagined steps per second of planning rollouts over Crafter-OO world models.

Times :func:`symworld.planning.simulate.evaluate_sequences` (the core of every
planner: ``vmap`` over 1,024 random action sequences, ``lax.scan`` over horizon 20,
task reward accumulated in the scan) for each model in the same run, after one
untimed compilation, and prints steps/s with the ratio to the true dynamics.

Models: the true Crafter-OO dynamics (``EnvModel(CrafterOO())``) and, with
``--law-model DIR``, a fitted law model (``symworld fit laws ... --out DIR``), whose
laws run focused on the objects in range (:mod:`symworld.programs.focus`; the
rollouts' ``vmap`` axis is named, so the fallback to the unfocused laws, and the
sampler's loops and conflict pooling, are decided once per step for all
rollouts); ``--unfocused`` runs its unfocused laws.

Run: ``python benchmarks/planning.py [--law-model DIR] [--rollouts 1024]
[--horizon 20] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import equinox as eqx
import jax
import jax.numpy as jnp

from symworld.envs.crafter_oo import CrafterOO, rules
from symworld.planning.crafter.tasks import crafter_task
from symworld.planning.simulate import ROLLOUT_AXES, evaluate_sequences
from symworld.programs import LawModel
from symworld.worldmodel import EnvModel, WorldModel


class FocusedRollouts(WorldModel):
    """A law model sampled with its focused laws under the rollouts' named vmaps."""

    model: LawModel

    def sample(self, key, state, action):
        return self.model.sample(key, state, action, batch_axis=ROLLOUT_AXES)

    def log_prob(self, state, action, next_state):
        return self.model.log_prob(state, action, next_state)


@eqx.filter_jit
def _evaluate(model, task, key, state, sequences):
    return evaluate_sequences(model, task, key, state, sequences)


def measure(model, task, state, rollouts, horizon, repeats):
    """(compile seconds, best steps per second over ``repeats`` timed runs)."""
    sequences = jax.random.randint(
        jax.random.key(1), (rollouts, horizon), 0, rules.NUM_ACTIONS, jnp.int32
    )
    start = time.perf_counter()
    jax.block_until_ready(_evaluate(model, task, jax.random.key(0), state, sequences))
    compile_seconds = time.perf_counter() - start
    best, best_cpu = 0.0, 0.0
    for repeat in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        jax.block_until_ready(
            _evaluate(model, task, jax.random.key(2 + repeat), state, sequences)
        )
        best = max(best, rollouts * horizon / (time.perf_counter() - start))
        best_cpu = max(best_cpu, rollouts * horizon / (time.process_time() - cpu))
    return compile_seconds, best, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--law-model", default=None)
    parser.add_argument("--rollouts", type=int, default=1024)
    parser.add_argument("--horizon", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--unfocused", action="store_true")
    args = parser.parse_args()

    env = CrafterOO()
    state = jax.jit(env.reset)(jax.random.key(0))
    task = crafter_task("collect_wood")
    models = [("true dynamics (EnvModel)", EnvModel(env))]
    if args.law_model:
        from symworld.planning.models import load_planning_model

        law_model = load_planning_model(args.law_model)
        if not args.unfocused:  # the LawModel inside DerivedOccupancy
            law_model = eqx.tree_at(
                lambda m: m.model, law_model, FocusedRollouts(law_model.model)
            )
        name = "law model" + ("" if args.unfocused else " (focused)")
        models.insert(0, (name, law_model))

    print(
        f"planning rollouts: {args.rollouts} sequences x horizon {args.horizon}, "
        f"task collect_wood; jax {jax.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs visible"
    )
    results = []
    for name, model in models:
        compile_seconds, rate, cpu_rate = measure(
            model, task, state, args.rollouts, args.horizon, args.repeats
        )
        results.append((name, compile_seconds, rate, cpu_rate))
    reference = results[-1][2]
    print(
        f"{'model':<28} {'compile s':>10} {'steps/s':>12} {'steps/CPU-s':>12} "
        f"{'vs true':>8}"
    )
    for name, compile_seconds, rate, cpu_rate in results:
        print(
            f"{name:<28} {compile_seconds:>10.1f} {rate:>12,.0f} {cpu_rate:>12,.0f} "
            f"{rate / reference:>8.2f}"
        )
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
