"""Benchmark: law-model MAP fitting and candidate scoring, beside a plain
per-transition Python/NumPy implementation of the same objective.

Run: ``python benchmarks/law_fit.py [--transitions 10000] [--steps 1000]``.

Library: the switches library (11 laws, 5 correct and 6 wrong) on
``symworld/Switches-v0``. (The issue asks for the Crafter-OO library; it is not
written yet, see docs/laws.md.)

Rows:

- ``MAP fit``: ``--steps`` Adam steps on the numpyro log joint over all
  transitions, compiled (time after compilation) vs. the NumPy objective's time
  per evaluation times ``--steps`` (objective value only, no gradient, so the
  ratio understates the gap).
- ``objective``: one evaluation of the log-likelihood of all transitions.
- ``scoring``: candidates scored per second; JAX pools each transition once and
  scores its candidates with ``LawModel.candidate_log_probs`` under ``vmap``;
  NumPy pools each transition once (dense over each site's domain) and scores
  each candidate in a Python loop.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.switches import Switches
from symworld.laws import switches as switch_laws
from symworld.programs import LawModel
from symworld.programs.data import random_transitions
from symworld.programs.fitting import (
    Priors,
    compile_transitions,
    initial_values,
    law_model,
    log_likelihood,
    map_program,
)
from symworld.programs.layout import evaluate_pairs
from symworld.programs.pooling import reliability


def numpy_pooled(pairs, t, model, site_low, site_size, r, log_components):
    """Per-site dense pooled log-probabilities of transition ``t`` (dict site ->
    array over the domain)."""
    layout = model.layout
    out = {}
    active = pairs.active[t]
    for p in np.nonzero(active)[0]:
        site = int(pairs.site[t, p])
        size = int(site_size[site])
        if site not in out:
            out[site] = np.zeros(size)
        q = np.zeros(size)
        comps = layout.pair_components[p]
        for s in range(pairs.values.shape[2]):
            log_q = pairs.log_offset[t, p, s]
            if not np.isfinite(log_q):
                continue
            for c in comps[s]:
                if c >= 0:
                    log_q += log_components[c]
            q[int(pairs.values[t, p, s]) - int(site_low[site])] += np.exp(log_q)
        rel = r[layout.pair_law[p]]
        out[site] += np.log(rel * q + (1 - rel) / size)
    for site, score in out.items():
        top = score.max()
        out[site] = score - (top + np.log(np.exp(score - top).sum()))
    return out


def numpy_log_prob(pooled, state, following, site_low, site_size, site_attr, rho):
    total = 0.0
    for site in range(state.shape[0]):
        if site in pooled:
            total += pooled[site][int(following[site]) - int(site_low[site])]
        elif site_size[site] > 1:
            keep = rho[site_attr[site]]
            total += (
                np.log(keep)
                if following[site] == state[site]
                else np.log1p(-keep) - np.log(site_size[site] - 1)
            )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transitions", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--peer-transitions", type=int, default=500)
    args = parser.parse_args()

    env = Switches()
    schema = switch_laws.schema(env)
    batch = random_transitions(env, args.transitions, seed=0)
    model = LawModel.build(switch_laws.library(), schema)
    encoded_next = np.asarray(jax.vmap(schema.encode)(batch.next_states))
    encoded = np.asarray(jax.vmap(schema.encode)(batch.states))

    start = time.perf_counter()
    data = compile_transitions(model.layout, batch.states, batch.actions, encoded_next)
    data = type(data)(
        *(jnp.asarray(x) if isinstance(x, np.ndarray) else x for x in data)
    )
    compile_seconds = time.perf_counter() - start

    priors = Priors()

    def program(d):
        law_model(model.layout, priors, d)

    run, init, transforms = map_program(
        program, initial_values(model.layout), jax.random.key(0), args.steps, 0.1
    )
    start = time.perf_counter()
    jax.block_until_ready(run(init, data))
    first_seconds = time.perf_counter() - start
    start = time.perf_counter()
    params, losses = run(init, data)
    jax.block_until_ready(losses)
    fit_seconds = time.perf_counter() - start

    objective = jax.jit(lambda d, w, c, r: log_likelihood(d, w, c, r, model.epsilon))
    arguments = (data, model.weights, model.log_components, model.persistence)
    jax.block_until_ready(objective(*arguments))
    start = time.perf_counter()
    for _ in range(20):
        value = objective(*arguments)
    jax.block_until_ready(value)
    jax_objective = (time.perf_counter() - start) / 20

    # The NumPy peer on a subset, scaled to all transitions.
    count = min(args.peer_transitions, args.transitions)
    pairs = jax.jit(jax.vmap(lambda s, a: evaluate_pairs(model.layout, s, a)))(
        batch.states, batch.actions
    )
    pairs = type(pairs)(*(np.asarray(x) for x in pairs))
    site_low, site_size = schema.site_low(), schema.site_domain_size()
    site_attr = schema.site_attribute()
    r = np.asarray(reliability(model.weights, model.epsilon), np.float64)
    log_components = np.asarray(model.log_components, np.float64)
    rho = np.asarray(model.persistence, np.float64)
    start = time.perf_counter()
    peer_total = 0.0
    for t in range(count):
        pooled = numpy_pooled(pairs, t, model, site_low, site_size, r, log_components)
        peer_total += numpy_log_prob(
            pooled, encoded[t], encoded_next[t], site_low, site_size, site_attr, rho
        )
    numpy_objective = (time.perf_counter() - start) * args.transitions / count
    check = float(
        jax.jit(jax.vmap(model.log_prob))(
            jax.tree_util.tree_map(lambda x: x[:count], batch.states),
            batch.actions[:count],
            jax.tree_util.tree_map(lambda x: x[:count], batch.next_states),
        ).sum()
    )

    # Candidate scoring.
    rng = np.random.default_rng(0)
    candidates = np.repeat(encoded_next[:, None, :], args.candidates, axis=1)
    for m in range(1, args.candidates):
        column = rng.integers(0, 3, size=args.transitions)
        candidates[np.arange(args.transitions), m, column] ^= 1
    score = jax.jit(jax.vmap(model.candidate_log_probs))
    candidates_j = jnp.asarray(candidates)
    jax.block_until_ready(score(batch.states, batch.actions, candidates_j))
    start = time.perf_counter()
    jax.block_until_ready(score(batch.states, batch.actions, candidates_j))
    jax_rate = args.transitions * args.candidates / (time.perf_counter() - start)
    start = time.perf_counter()
    for t in range(count):
        pooled = numpy_pooled(pairs, t, model, site_low, site_size, r, log_components)
        for m in range(args.candidates):
            numpy_log_prob(
                pooled,
                encoded[t],
                candidates[t, m],
                site_low,
                site_size,
                site_attr,
                rho,
            )
    numpy_rate = count * args.candidates / (time.perf_counter() - start)

    print(
        f"switches library ({len(model.laws)} laws), {args.transitions} transitions, "
        f"{int(data.law.shape[0])} active pairs; NumPy peer on {count} transitions"
    )
    print(
        f"law evaluation + active-pair compilation: {compile_seconds:.2f} s; "
        f"first MAP call (with XLA compilation): {first_seconds:.2f} s"
    )
    print(
        f"objective agreement on {count} transitions: JAX {check:.3f} "
        f"NumPy {peer_total:.3f}"
    )
    header = f"{'measure':<34}{'JAX (symworld)':>16}{'NumPy loop':>16}{'ratio':>10}"
    print(header)
    print("-" * len(header))
    peer_fit = numpy_objective * args.steps
    print(
        f"{'MAP fit, ' + str(args.steps) + ' steps (s)':<34}{fit_seconds:16.3f}"
        f"{peer_fit:16.1f}{peer_fit / fit_seconds:10.0f}x"
    )
    print(
        f"{'objective, all transitions (s)':<34}{jax_objective:16.5f}"
        f"{numpy_objective:16.3f}{numpy_objective / jax_objective:10.0f}x"
    )
    print(
        f"{'scoring (candidates/s)':<34}{jax_rate:16,.0f}{numpy_rate:16,.0f}"
        f"{jax_rate / numpy_rate:10.0f}x"
    )
    print(f"final MAP loss {float(losses[-1]):.2f}")


if __name__ == "__main__":
    main()
