"""Fit the Crafter-OO law library to transitions of the original ``crafter`` game
and score it on held-out transitions of the same game.

Records ``--steps`` random-policy steps of ``crafter.Env`` (seeded) with
:func:`~symworld.envs.crafter_oo.crafter_recording.record_crafter` (objects keep
their slots from step to step, as in Crafter-OO), fits the library (MAP) on the
first ``--train`` fraction and ranks, for each held-out transition, the true next
state against the model's own sample and the Crafter-OO distractors (accuracy and
MRR, with the null model beside it). ``--transfer-steps N`` also fits the library
on ``N`` random steps of Crafter-OO and scores that model on the same held-out
crafter transitions (``--transfer-model DIR`` scores a model saved by
``symworld fit laws --env symworld/CrafterOO-v0`` instead); ``--oracle`` adds the
library with the game's own probabilities and every weight at 8 (no fitting).
``--self-check`` also scores each law model on a world that is the model itself (a
second draw of the model ranked as the truth): the accuracy an exact model would
reach under the protocol. ``--held-out N`` scores only the last ``N`` transitions;
``--persistence P`` sets every persistence default of the law models to ``P``
before scoring. The summary also gives each model's ``discrimination`` accuracy and
MRR: the truth ranked among the distractors only, without the model's own sample.
``--explain`` prints, for each held-out transition the fitted model ranks wrongly,
the candidate that won and the sites where it differs from the truth. ``--save DIR``
keeps the fitted model; ``--model DIR`` scores a saved one instead of fitting. Run::

    python examples/crafter_real_transitions.py --steps 400 --seed 0

``--data FILE.npz`` stores the recording (or reads it if the file exists): crafter's
chunk balancing iterates Python sets, so two recordings with one seed can differ.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from symworld.atomic import atomic_open
from symworld.commands.evaluate import environment_mutators
from symworld.envs.crafter_oo import CrafterOO
from symworld.envs.crafter_oo.crafter_recording import CrafterRecording, record_crafter
from symworld.evaluation.baselines import NullModel
from symworld.evaluation.candidates import distractors
from symworld.evaluation.metrics import discrimination_metrics
from symworld.evaluation.protocol import Scorer
from symworld.laws import crafter_oo
from symworld.programs import LawModel
from symworld.programs.attributes import site_names
from symworld.programs.data import random_transitions
from symworld.programs.fitting import initial_values

GAME_PROBABILITIES = {
    "collect_sapling/success": 0.1,
    "cows_wander/move": 0.5,
    "zombies_chase/chase": 0.9,
}


def load_or_record(path: str | None, steps: int, seed: int) -> CrafterRecording:
    """The recording stored at ``path`` (``.npz``), or a new one (saved there)."""
    template = CrafterOO().reset(jax.random.key(0))
    treedef = jax.tree.structure((template, jnp.int32(0), template))
    if path and os.path.exists(path):
        with np.load(path) as data:
            leaves = [data[f"arr_{i}"] for i in range(len(data.files))]
        return CrafterRecording(*jax.tree.unflatten(treedef, leaves))
    recording = record_crafter(steps, seed=seed)
    if path:
        leaves = [np.asarray(leaf) for leaf in jax.tree.leaves(tuple(recording))]

        with atomic_open(path, "wb") as handle:
            np.savez_compressed(handle, *leaves)
    return recording


def oracle_model(schema) -> LawModel:
    """The library with the game's probabilities, every weight 8 and persistence
    0.99 (what a perfect fit of the library would approach)."""
    from symworld.programs.layout import Layout

    layout = Layout(crafter_oo.library(), schema)
    values = initial_values(layout)
    values["weights"] = jnp.full(len(layout.laws), 8.0)
    values["persistence"] = jnp.full(len(schema.attributes), 0.99)
    values.update({k: jnp.asarray(v) for k, v in GAME_PROBABILITIES.items()})
    return LawModel.from_values(layout, values)


def fit(schema, states, actions, following, *, seed: int, iterations: int):
    """MAP fit of the library (``LawModel.fit``; the laws run on chunks of
    transitions sized to bound the memory of the pair table)."""
    model = LawModel.build(crafter_oo.library(), schema)  # fit checks the laws
    fitted, _ = model.fit(
        states,
        actions,
        jax.vmap(schema.encode)(following),
        key=jax.random.key(seed),
        steps=iterations,
        learning_rate=0.1,
    )
    return fitted


def self_ranking(scorer, state, action, sample, context, made, width, t_index):
    """(accuracy, reciprocal rank) of the protocol on a world that IS the model: a
    second, independent draw of the model stands in for the truth and is ranked
    against the model's own sample and the same distractors (those equal to the
    stand-in dropped). An exact model of a random transition cannot beat this on
    average: it is the ceiling the protocol's own-sample candidate leaves."""
    key = jax.random.fold_in(jax.random.key(t_index), 1)
    stand_in, _ = scorer.predict(key, state, action)
    kept = [(name, d) for name, d in made if not np.array_equal(d, stand_in)]
    order_rng = np.random.default_rng([t_index, 2])
    ranking, _, _ = scorer.rank(
        context, state, action, stand_in, sample, kept, order_rng, width
    )
    return ranking.accuracy, ranking.reciprocal_rank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train", type=float, default=0.75)
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--data", default=None, help="recording cache (.npz)")
    parser.add_argument("--transfer-steps", type=int, default=0)
    parser.add_argument("--transfer-model", default=None, help="saved model DIR")
    parser.add_argument("--oracle", action="store_true")
    parser.add_argument("--no-fit", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--held-out",
        type=int,
        default=None,
        help="score only the last N held-out transitions",
    )
    parser.add_argument(
        "--persistence",
        type=float,
        default=None,
        help="score the law models with every persistence default set to this",
    )
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="also rank a second draw of each model as if it were the truth",
    )
    parser.add_argument("--save", default=None, help="save the fitted model to DIR")
    parser.add_argument(
        "--model", default=None, help="score a model saved with --save (no fit)"
    )
    args = parser.parse_args()
    if args.held_out is not None and args.held_out < 1:
        parser.error("--held-out must be at least 1")
    if args.persistence is not None and not 0.0 < args.persistence < 1.0:
        parser.error("--persistence must lie strictly between 0 and 1")

    start = time.perf_counter()
    cpu = time.process_time()
    recording = load_or_record(args.data, args.steps, args.seed)
    states, actions, following = recording
    steps = int(actions.shape[0])
    recorded = time.perf_counter() - start
    cut = int(steps * args.train)
    part = lambda tree, s: jax.tree.map(lambda x: x[s], tree)  # noqa: E731
    train = slice(0, cut)
    schema = crafter_oo.schema(CrafterOO())

    models: dict = {}
    seconds: dict = {"record": round(recorded, 1)}
    if args.model:
        from symworld.programs.source import load_model

        models["laws"] = load_model(args.model, schema=schema)
    elif not args.no_fit:
        t = time.perf_counter()
        models["laws"] = fit(
            schema,
            part(states, train),
            actions[train],
            part(following, train),
            seed=args.seed,
            iterations=args.iterations,
        )
        seconds["fit"] = round(time.perf_counter() - t, 1)
        print("fitted:", json.dumps(models["laws"].parameter_table()), flush=True)
        if args.save:
            from symworld.programs.source import save_model

            save_model(
                models["laws"],
                args.save,
                {"module": "symworld.laws.crafter_oo"},
                {"steps": cut, "seed": args.seed, "iterations": args.iterations},
            )
    if args.transfer_steps:
        t = time.perf_counter()
        env = CrafterOO()
        synthetic = random_transitions(env, args.transfer_steps, seed=args.seed)
        models["transfer"] = fit(
            schema,
            synthetic.states,
            synthetic.actions,
            synthetic.next_states,
            seed=args.seed,
            iterations=args.iterations,
        )
        seconds["transfer_fit"] = round(time.perf_counter() - t, 1)
    if args.transfer_model:
        from symworld.programs.source import load_model

        models["transfer"] = load_model(args.transfer_model, schema=schema)
    if args.oracle:
        models["oracle"] = oracle_model(schema)
    if args.persistence is not None:
        for name, model in models.items():
            models[name] = eqx.tree_at(
                lambda m: m.persistence,
                model,
                jnp.full_like(model.persistence, args.persistence),
            )
    models["null"] = NullModel(schema)

    t = time.perf_counter()
    mutators = environment_mutators(schema.env_id)
    scorers = {name: Scorer(model, schema) for name, model in models.items()}
    width = len(mutators) + 2
    sums = {name: np.zeros(2) for name in scorers}
    selfs = {name: np.zeros(2) for name in scorers}
    discriminated = {name: np.zeros(2) for name in scorers}
    explained = next((n for n in ("laws", "oracle", "transfer") if n in models), None)
    count = 0
    first = cut if args.held_out is None else max(cut, steps - args.held_out)
    for t_index in range(first, steps):
        state = part(states, t_index)
        nxt = part(following, t_index)
        action = actions[t_index]
        previous = np.asarray(schema.encode(state))
        truth = np.asarray(schema.encode(nxt))
        rng = np.random.default_rng([args.seed, t_index])
        made = distractors(rng, schema, mutators, previous, int(action), truth)
        for name, scorer in scorers.items():
            sample, context = scorer.predict(jax.random.key(t_index), state, action)
            order_rng = np.random.default_rng([args.seed, t_index, 1])
            ranking, candidates, scores = scorer.rank(
                context, state, action, truth, sample, made, order_rng, width
            )
            sums[name] += (ranking.accuracy, ranking.reciprocal_rank)
            apart = discrimination_metrics(
                scores, candidates.is_truth, candidates.sources
            )
            discriminated[name] += (apart.accuracy, apart.reciprocal_rank)
            if args.self_check and isinstance(scorer.model, LawModel):
                selfs[name] += self_ranking(
                    scorer,
                    state,
                    action,
                    sample,
                    context,
                    made,
                    len(mutators) + 2,
                    t_index,
                )
            if args.explain and name == explained and ranking.accuracy < 1:
                best = int(np.argmax(scores))
                diff = np.flatnonzero(candidates.states[best] != truth)
                print(
                    f"t={t_index} action={int(action)} "
                    f"winner={candidates.sources[best]}",
                    [
                        (site, int(previous[s]), int(truth[s]))
                        for site, s in zip(site_names(schema, diff), diff, strict=True)
                    ][:8],
                )
        count += 1
    seconds["score"] = round(time.perf_counter() - t, 1)
    seconds["cpu_total"] = round(time.process_time() - cpu, 1)
    summary = {
        "steps": steps,
        "train": cut,
        "held_out": count,
        "seconds": seconds,
        "parameters": {
            name: model.parameter_table()
            for name, model in models.items()
            if isinstance(model, LawModel)
        },
        **{
            name: {"accuracy": s[0] / count, "mrr": s[1] / count}
            for name, s in sums.items()
        },
    }
    summary["discrimination"] = {
        name: {"accuracy": s[0] / count, "mrr": s[1] / count}
        for name, s in discriminated.items()
    }
    if args.self_check:
        summary["self_check"] = {
            name: {"accuracy": s[0] / count, "mrr": s[1] / count}
            for name, s in selfs.items()
            if isinstance(models[name], LawModel)
        }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
