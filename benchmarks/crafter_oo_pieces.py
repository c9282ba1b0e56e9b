"""Where a batched Crafter-OO step spends its time, piece by piece.

Builds ``--batch`` worlds, plays ``--warmup`` random steps, then times each piece
of a step compiled alone as ``jit(vmap(piece))`` (best of ``--repeats`` calls, wall
and CPU milliseconds per call, ``time.process_time`` over all threads):

- ``player``: the player's update;
- ``objects``: the object updates (the batch-level loop);
- ``balance``: a balancing pass over every game;
- ``observe``: the symbolic observation;
- ``step (none due)`` and ``step (all due)``: ``core.step_batch`` on a step that
  balances no game and one that balances every game;
- ``rollout``: ``--steps`` steps in one ``lax.scan`` (the throughput benchmark's
  loop), per step.

Usage::

    python benchmarks/crafter_oo_pieces.py --batch 1024 --pieces objects balance
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import jax
import jax.numpy as jnp

from symworld.envs.crafter_oo import CrafterOO, balance, rules
from symworld.envs.crafter_oo.core import step_batch
from symworld.envs.crafter_oo.creatures import update_objects
from symworld.envs.crafter_oo.observation import observe
from symworld.envs.crafter_oo.player import update_player

PIECES = ("player", "objects", "balance", "observe", "none_due", "all_due", "rollout")


def _best(function, *args, repeats: int) -> tuple[float, float]:
    """Best wall and CPU milliseconds of ``function(*args)``."""
    jax.block_until_ready(function(*args))
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        jax.block_until_ready(function(*args))
        wall = min(wall, time.perf_counter() - start_wall)
        cpu = min(cpu, time.process_time() - start_cpu)
    return 1e3 * wall, 1e3 * cpu


def random_step(states, key, params):
    """One ``step_batch`` with uniformly random actions drawn from ``key``."""
    batch = states.step.shape[0]
    action_key, step_key = jax.random.split(key)
    actions = jax.random.randint(action_key, (batch,), 0, rules.NUM_ACTIONS)
    return step_batch(states, actions, jax.random.split(step_key, batch), params)


def played(batch: int, warmup: int):
    """``batch`` worlds after ``warmup`` random steps, and the parameters."""
    env = CrafterOO()
    params = env.default_params
    states = jax.jit(jax.vmap(env.reset))(jax.random.split(jax.random.key(0), batch))

    @jax.jit
    def play(states, key):
        def body(states, key):
            return random_step(states, key, params)[0], None

        return jax.lax.scan(body, states, jax.random.split(key, warmup))[0]

    return jax.block_until_ready(play(states, jax.random.key(1))), params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--warmup", type=int, default=25)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pieces", nargs="+", default=list(PIECES), choices=PIECES)
    args = parser.parse_args(argv)
    batch = args.batch
    states, params = played(batch, args.warmup)
    keys = jax.random.split(jax.random.key(2), batch)
    actions = jax.random.randint(jax.random.key(3), (batch,), 0, rules.NUM_ACTIONS)
    first_new = states.next_order
    # Step counters that make the next step balance no game / every game.
    none_due = dataclasses.replace(states, step=jnp.full(batch, 25, jnp.int32))
    all_due = dataclasses.replace(states, step=jnp.full(batch, 29, jnp.int32))

    def rollout(states, key):
        def body(states, key):
            states, info = random_step(states, key, params)
            obs = jax.vmap(observe)(states)
            return states, info["reward"].sum() + obs["inventory"].sum()

        return jax.lax.scan(body, states, jax.random.split(key, args.steps))

    calls = {
        "player": (jax.jit(jax.vmap(update_player)), (states, actions, keys)),
        "objects": (jax.jit(jax.vmap(update_objects)), (states, keys, first_new)),
        "balance": (jax.jit(jax.vmap(balance.balance)), (states, keys)),
        "observe": (jax.jit(jax.vmap(observe)), (states,)),
        "none_due": (
            jax.jit(lambda s, a, k: step_batch(s, a, k, params)),
            (none_due, actions, keys),
        ),
        "all_due": (
            jax.jit(lambda s, a, k: step_batch(s, a, k, params)),
            (all_due, actions, keys),
        ),
        "rollout": (jax.jit(rollout), (states, jax.random.key(4))),
    }
    print(f"batch {batch}, after {args.warmup} random steps, best of {args.repeats}")
    print(f"{'piece':12s} {'wall ms':>9s} {'CPU ms':>9s}")
    for name in args.pieces:
        function, call_args = calls[name]
        wall, cpu = _best(function, *call_args, repeats=args.repeats)
        if name == "rollout":
            wall, cpu = wall / args.steps, cpu / args.steps
            name = "rollout/step"
        print(f"{name:12s} {wall:9.2f} {cpu:9.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
