"""Benchmark: what each Crafter-OO law costs per transition (issues #4 and #8).

Run: ``python benchmarks/law_cost.py [--batch 1024] [--seed 0] [--unfocused]
[--only NAME,...] [--repeats 3] [--together-only] [--sample]``.

States: ``--batch`` random-policy transitions (:func:`random_transitions`). Each
law of :func:`laws.crafter_oo.library` (focused on the objects in range, as
sampling and scoring run it, unless ``--unfocused``) is compiled alone as
``jit(vmap(precondition + effect))``, its outputs as the model reads them
(:func:`~symworld.programs.layout.normalise`), and timed in CPU seconds
(``time.process_time``, all threads, best of ``--repeats`` calls).

Rows: ``shared`` (the situation every law reads: the player's move and faced
cell, the focused rows) alone; each law alone (it includes the shared part it
reads); and every law together (:func:`~symworld.programs.layout.law_blocks`, XLA
shares the common parts), beside the sum of the laws alone. Last, the peer: the
true Crafter-OO step (``jit(vmap(env.step))``) on the same transitions, with the
ratio of the laws together to it, and the CPU budget per imagined step that issue
#8's target (100,000 imagined steps/s on two cores) leaves: ``2 / 100,000`` s = 20
CPU-us, which the laws alone, before any pooling or sampling, must fit in.
``--together-only`` skips the laws alone; ``--sample`` adds a whole sampled step
of the unfitted law model (``LawModel.sample``, focused, its ``vmap`` axis named as
in planning: laws, pooling, persistence default and draws).
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp

from symworld.envs.crafter_oo import CrafterOO
from symworld.laws import crafter_oo as laws
from symworld.programs import LawModel
from symworld.programs.data import random_transitions
from symworld.programs.focus import DEFAULT_ROWS
from symworld.programs.layout import Layout, law_blocks, normalise

BUDGET_US = 2 / 100_000 * 1e6  # issue #8: 100,000 imagined steps/s on two cores


def law_outputs(law, schema):
    """``(state, action) -> arrays`` of one law as the model reads them."""

    def run(state, action):
        out = [jnp.asarray(law.precondition(state, action)).astype(bool)]
        for name, distribution in law.effect(state, action).items():
            out.extend(normalise(law, schema, name, distribution))
        return out

    return run


def shared_outputs(state, action):
    """The shared situation alone (what most laws read first)."""
    rows = laws.object_rows(state, action, DEFAULT_ROWS)
    return laws.situation(state, action), rows.slot, rows.valid


def cpu_per_transition(function, states, actions, repeats, axis_name=None):
    """(compile wall s, best CPU us per transition) of ``jit(vmap(function))``."""
    compiled = jax.jit(jax.vmap(function, axis_name=axis_name))
    start = time.perf_counter()
    jax.block_until_ready(compiled(states, actions))
    compile_s = time.perf_counter() - start
    best = float("inf")
    for _ in range(repeats):
        cpu = time.process_time()
        jax.block_until_ready(compiled(states, actions))
        best = min(best, time.process_time() - cpu)
    return compile_s, best / actions.shape[0] * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--unfocused", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated law names")
    parser.add_argument("--no-together", action="store_true")
    parser.add_argument("--together-only", action="store_true")
    parser.add_argument(
        "--sample",
        action="store_true",
        help="also time a whole sampled step of the unfitted law model",
    )
    args = parser.parse_args()

    env = CrafterOO()
    schema = laws.schema(env)
    library = laws.library()
    if not args.unfocused:
        library = [law.focused(DEFAULT_ROWS) for law in library]
    batch = random_transitions(env, args.batch, seed=args.seed)
    states, actions = batch.states, batch.actions
    wanted = {name for name in args.only.split(",") if name}

    print(
        f"batch {args.batch} random-policy transitions, "
        f"{'unfocused' if args.unfocused else f'focused on {DEFAULT_ROWS} rows'}; "
        "CPU us per transition (best of "
        f"{args.repeats})"
    )
    _, base = cpu_per_transition(shared_outputs, states, actions, args.repeats)
    print(f"{'shared situation alone':32s} {base:8.2f}")
    rows = []
    for law in library:
        if args.together_only or (wanted and law.name not in wanted):
            continue
        compile_s, cost = cpu_per_transition(
            law_outputs(law, schema), states, actions, args.repeats
        )
        rows.append((law.name, cost, compile_s))
        print(f"{law.name:32s} {cost:8.2f}   (compile {compile_s:5.1f} s)", flush=True)
    if rows:
        rows.sort(key=lambda row: -row[1])
        print("\nlaws by cost (alone, CPU us per transition):")
        for name, cost, _ in rows:
            print(f"  {name:32s} {cost:8.2f}")
        total = sum(cost for _, cost, _ in rows)
        print(f"sum of the laws alone: {total:.1f}")
    if not args.no_together and not wanted:
        layout = Layout(library, schema)

        def together(state, action):
            return [block[2:] for block in law_blocks(layout, state, action)]

        compile_s, cost = cpu_per_transition(together, states, actions, args.repeats)
        print(f"all laws together: {cost:.1f} (compile {compile_s:.1f} s)")
        params = env.default_params
        key = jax.random.key(args.seed)  # one key for every row: the cost is the same
        if args.sample:
            model = LawModel.build(laws.library(), schema)

            def sampled_step(state, action):
                return model.sample(key, state, action, batch_axis=("rows",))

            compile_s, step = cpu_per_transition(
                sampled_step, states, actions, args.repeats, axis_name="rows"
            )
            print(
                f"law-model sampled step (LawModel.sample, focused): {step:.1f} "
                f"(compile {compile_s:.1f} s)"
            )

        def true_step(state, action):
            return env.step(state, action, key, params)[0]

        compile_s, peer = cpu_per_transition(true_step, states, actions, args.repeats)
        print(f"true Crafter-OO step (peer): {peer:.1f} (compile {compile_s:.1f} s)")
        print(f"laws together / true step: {cost / peer:.2f}x")
        print(
            f"issue #8's budget per imagined step on 2 cores: {BUDGET_US:.0f} CPU us; "
            f"the laws alone use {cost / BUDGET_US:.1f}x of it"
        )


if __name__ == "__main__":
    main()
