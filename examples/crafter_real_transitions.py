"""Fit the Crafter-OO law library to transitions of the original ``crafter`` game
and score it on held-out transitions of the same game.

Records ``--steps`` random-policy steps of ``crafter.Env`` (seeded), reads every
state through the bridge (``from_crafter``), fits the library (MAP) on the first
``--train`` fraction and ranks, for each held-out transition, the true next state
against the model's own sample and the Crafter-OO distractors (accuracy and MRR,
with the null model beside it). Run::

    python examples/crafter_real_transitions.py --steps 400 --seed 0
"""

from __future__ import annotations

import argparse
import json
import time

import crafter
import jax
import jax.numpy as jnp
import numpy as np

from symworld.commands.evaluate import environment_mutators
from symworld.envs.crafter_oo import CrafterOO
from symworld.envs.crafter_oo.bridge import from_crafter
from symworld.evaluation.baselines import NullModel
from symworld.evaluation.candidates import assemble, distractors
from symworld.evaluation.metrics import rank_metrics
from symworld.evaluation.protocol import _Scorer
from symworld.laws import crafter_oo
from symworld.programs import LawModel


def record(steps: int, seed: int):
    """``steps`` transitions of crafter with a seeded random policy (states as
    Crafter-OO pytrees)."""
    rng = np.random.default_rng(seed)
    env = crafter.Env(seed=seed)
    env.reset()
    states, actions, following = [], [], []
    state = from_crafter(env)
    num_actions = env.action_space.n
    for _ in range(steps):
        action = int(rng.integers(0, num_actions))
        _, _, done, _ = env.step(action)
        after = from_crafter(env)
        states.append(state)
        actions.append(action)
        following.append(after)
        if done:
            env.reset()
            after = from_crafter(env)
        state = after
    stack = lambda xs: jax.tree.map(lambda *leaves: jnp.stack(leaves), *xs)  # noqa: E731
    return stack(states), jnp.asarray(actions, jnp.int32), stack(following)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train", type=float, default=0.75)
    parser.add_argument("--iterations", type=int, default=500)
    args = parser.parse_args()

    start = time.perf_counter()
    states, actions, following = record(args.steps, args.seed)
    recorded = time.perf_counter() - start
    cut = int(args.steps * args.train)
    part = lambda tree, s: jax.tree.map(lambda x: x[s], tree)  # noqa: E731
    train = slice(0, cut)

    schema = crafter_oo.schema(CrafterOO())
    model = LawModel.build(
        crafter_oo.library(), schema, examples=(part(states, train), actions[train])
    )
    fitted, _ = model.fit(
        part(states, train),
        actions[train],
        part(following, train),
        key=jax.random.key(args.seed),
        steps=args.iterations,
        learning_rate=0.1,
    )
    fit_seconds = time.perf_counter() - start - recorded

    mutators = environment_mutators(schema.env_id)
    scorers = {"laws": _Scorer(fitted, schema), "null": _Scorer(NullModel(), schema)}
    sums = {name: np.zeros(2) for name in scorers}
    count = 0
    for t in range(cut, args.steps):
        state = part(states, t)
        nxt = part(following, t)
        action = actions[t]
        previous = np.asarray(schema.encode(state))
        truth = np.asarray(schema.encode(nxt))
        rng = np.random.default_rng([args.seed, t])
        made = distractors(rng, schema, mutators, previous, int(action), truth)
        for name, scorer in scorers.items():
            sample = scorer.sample(jax.random.key(t), state, action)
            candidates = assemble(
                np.random.default_rng([args.seed, t, 1]), truth, sample, made
            )
            scores = scorer.scores(state, action, candidates.states, len(mutators) + 2)
            ranking = rank_metrics(scores, candidates.is_truth)
            sums[name] += (ranking.accuracy, ranking.reciprocal_rank)
        count += 1
    summary = {
        "steps": args.steps,
        "train": cut,
        "held_out": count,
        "record_seconds": round(recorded, 1),
        "fit_seconds": round(fit_seconds, 1),
        "parameters": fitted.parameter_table(),
        **{
            name: {"accuracy": s[0] / count, "mrr": s[1] / count}
            for name, s in sums.items()
        },
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
