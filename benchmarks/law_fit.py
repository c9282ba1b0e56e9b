"""Benchmark: law-model MAP fitting and candidate scoring, beside a plain
per-transition Python/NumPy implementation of the same objective.

Run: ``python benchmarks/law_fit.py [--library crafter_oo] [--transitions 10000]
[--steps 1000]``.

Library: the full hand-written Crafter-OO library (``laws/crafter_oo.py``)
on ``symworld/CrafterOO-v0`` random-policy transitions (``--library switches``: the
11-law switches library).

Rows:

- ``MAP fit``: ``--steps`` Adam steps on the numpyro log joint over all
  transitions, compiled (time after compilation; the compiled step is cached per
  layout, so a second fit reuses it) vs. the NumPy objective's time per evaluation
  times ``--steps`` (objective value only, no gradient, so the ratio understates
  the gap). The JAX loop runs on the sufficient statistics (identical covered
  slots merged, :func:`~symworld.programs.fitting.sufficient_statistics`), which
  are computed once per data set; their cost is printed separately with the law
  evaluation.
- ``objective``: one evaluation of the log-likelihood of all transitions.
- ``scoring``: candidates of the fitted model scored per second, on
  ``--score-transitions`` transitions with ``--candidates`` candidates each (the
  true next state and copies with one site changed). JAX runs the laws on each
  transition once, focused on the objects in range (:mod:`symworld.programs.focus`;
  when a transition of the batch has more objects in focus than the focus holds,
  the whole batch is scored by the unfocused laws inside the timing), builds its
  site table
  (:mod:`symworld.programs.candidate_scoring`) and scores every candidate from
  the sites where it differs from the current state (at most ``--budget``;
  candidates beyond are rescored exactly inside the timing), all under ``vmap``
  (:meth:`LawModel.score_candidates`).
  NumPy pools each transition once (dense over each covered site's domain) and
  scores each candidate in a Python loop over covered sites (uncovered sites
  vectorised). The NumPy peer reuses the (law, site) pairs JAX evaluated, so its
  time excludes running the laws; ``scoring, laws already run`` times JAX the same
  way (site tables built beforehand). ``N per transition`` scores
  ``--many-candidates`` candidates per transition with the laws run, and
  ``whole-state scorer`` is the scorer that visits every site and pair of every
  candidate (laws already run), for comparison.
"""

from __future__ import annotations

import argparse
import os
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from symworld.programs import LawModel
from symworld.programs.attribute_pooling import leaf_offsets, score_state
from symworld.programs.candidate_scoring import (
    DEFAULT_BUDGET,
    score_candidates,
    score_whole,
    site_table,
)
from symworld.programs.data import random_transitions
from symworld.programs.fitting import (
    Priors,
    _law_map_runner,
    compile_transitions,
    initial_values,
    log_likelihood,
    persistence_mode,
    sufficient_statistics,
)
from symworld.programs.focus import overflows
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
    """log p of one next state: covered sites from ``pooled`` (a Python loop),
    the rest from the persistence default (vectorised)."""
    total = 0.0
    covered = np.zeros(state.shape[0], bool)
    for site, table in pooled.items():
        covered[site] = True
        total += table[int(following[site]) - int(site_low[site])]
    keep = rho[site_attr]
    rest = ~covered & (site_size > 1)
    same = following == state
    total += np.log(keep[rest & same]).sum()
    changed = rest & ~same
    total += (np.log1p(-keep[changed]) - np.log(site_size[changed] - 1.0)).sum()
    return total


def library(name):
    if name == "switches":
        from symworld.envs.switches import Switches
        from symworld.laws import switches as laws

        env = Switches()
        return env, laws.schema(env), laws.library()
    from symworld.envs.crafter_oo import CrafterOO
    from symworld.laws import crafter_oo as laws

    env = CrafterOO()
    return env, laws.schema(env), laws.library()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--library", default="crafter_oo", choices=["crafter_oo", "switches"]
    )
    parser.add_argument("--transitions", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--score-transitions", type=int, default=512)
    parser.add_argument("--peer-transitions", type=int, default=100)
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET)
    parser.add_argument("--many-candidates", type=int, default=64)
    parser.add_argument("--whole-transitions", type=int, default=128)
    parser.add_argument("--chunk", type=int, default=512)
    args = parser.parse_args()

    env, schema, laws = library(args.library)
    start = time.perf_counter()
    batch = random_transitions(env, args.transitions, seed=0)
    jax.block_until_ready(batch.actions)
    collect_seconds = time.perf_counter() - start
    model = LawModel.build(laws, schema)
    encode = jax.jit(jax.vmap(schema.encode))
    encoded_next = np.asarray(encode(batch.next_states))
    encoded = np.asarray(encode(batch.states))

    # Once per data set: run the laws, keep the active pairs, merge identical slots.
    start, cpu = time.perf_counter(), time.process_time()
    data = compile_transitions(
        model.layout, batch.states, batch.actions, encoded_next, chunk=args.chunk
    )
    pairs_seconds = time.perf_counter() - start
    start = time.perf_counter()
    stats = sufficient_statistics(data)
    stats_seconds = time.perf_counter() - start
    prepare_cpu = time.process_time() - cpu
    stats = type(stats)(
        *(jnp.asarray(x) if isinstance(x, np.ndarray) else x for x in stats)
    )
    distinct = int(np.sum(np.asarray(stats.slot_count) > 0))

    priors = Priors(epsilon=model.epsilon)
    run, transforms = _law_map_runner(
        model.layout, priors, args.steps, args.learning_rate
    )
    values = initial_values(model.layout)
    init = {
        name: transforms[name].inv(jnp.asarray(values[name])) for name in transforms
    }
    start = time.perf_counter()
    jax.block_until_ready(run(init, stats))
    first_seconds = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    params, losses = run(init, stats)
    jax.block_until_ready(losses)
    fit_seconds = time.perf_counter() - start
    fit_cpu = time.process_time() - cpu
    # The fitted model (as LawModel.fit makes it) is the one whose scoring is timed.
    fitted = {name: np.asarray(transforms[name](u)) for name, u in params.items()}
    fitted["persistence"] = persistence_mode(
        stats.kept, stats.changed, priors.persistence, fitted["persistence"]
    )
    fitted_model = LawModel.from_values(model.layout, fitted, epsilon=model.epsilon)

    objective = jax.jit(lambda d, w, c, r: log_likelihood(d, w, c, r, model.epsilon))
    arguments = (model.weights, model.log_components, model.persistence)
    jax.block_until_ready(objective(stats, *arguments))
    start = time.perf_counter()
    for _ in range(20):
        value = objective(stats, *arguments)
    jax.block_until_ready(value)
    jax_objective = (time.perf_counter() - start) / 20
    full_value = float(objective(data, *arguments))

    # The NumPy peer on a subset, scaled to all transitions.
    count = min(args.peer_transitions, args.transitions)
    subset = jax.tree_util.tree_map(lambda x: x[:count], batch.states)
    pairs = jax.jit(jax.vmap(lambda s, a: evaluate_pairs(model.layout, s, a)))(
        subset, batch.actions[:count]
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
        eqx.filter_jit(eqx.filter_vmap(model.log_prob))(
            subset,
            batch.actions[:count],
            jax.tree_util.tree_map(lambda x: x[:count], batch.next_states),
        ).sum()
    )

    # Candidate scoring: the true next state and copies with one site changed.
    scored = min(args.score_transitions, args.transitions)
    rng = np.random.default_rng(0)
    candidates = np.repeat(encoded_next[:scored, None, :], args.candidates, axis=1)
    for m in range(1, args.candidates):
        column = rng.integers(0, schema.num_sites, size=scored)
        rows = np.arange(scored)
        low, size = site_low[column], site_size[column]
        candidates[rows, m, column] = low + (
            candidates[rows, m, column] - low + 1
        ) % np.maximum(size, 1)
    model = fitted_model
    layout = model.layout
    persistence = model.persistence
    score_states = jax.tree_util.tree_map(lambda x: x[:scored], batch.states)
    score_actions = batch.actions[:scored]
    candidates_j = jnp.asarray(candidates)

    def with_laws(state, action, candidates):
        return model.score_candidates(
            state, action, candidates, budget=args.budget, batch_axis="transition"
        )

    whole = jax.jit(
        lambda state, action, candidate: score_whole(
            layout, model.site_table(state, action), persistence, candidate
        )
    )

    def timed_scoring(function, *inputs):
        """Scores, wall and CPU seconds of the second call (the first compiles),
        with the exact fallback for candidates beyond the budget included (compiled
        before the timing too, so that its first call does not count)."""
        jax.block_until_ready(function(*inputs))
        first = jax.tree_util.tree_map(lambda x: x[0], score_states)
        jax.block_until_ready(whole(first, score_actions[0], candidates_j[0, 0]))
        start, cpu = time.perf_counter(), time.process_time()
        result = function(*inputs)
        log_prob = np.array(result.log_prob)  # a writable copy for the fallback
        for t, m in zip(*np.nonzero(~np.asarray(result.exact)), strict=True):
            state = jax.tree_util.tree_map(lambda x, t=t: x[t], score_states)
            log_prob[t, m] = float(whole(state, score_actions[t], candidates_j[t, m]))
        return (
            result,
            log_prob,
            time.perf_counter() - start,
            time.process_time() - cpu,
        )

    start = time.perf_counter()
    score = jax.jit(jax.vmap(with_laws, axis_name="transition"))
    jax.block_until_ready(score(score_states, score_actions, candidates_j))
    score_compile = time.perf_counter() - start
    result, fast_scores, elapsed, elapsed_cpu = timed_scoring(
        score, score_states, score_actions, candidates_j
    )
    jax_rate = scored * args.candidates / elapsed
    jax_cpu_rate = scored * args.candidates / elapsed_cpu
    beyond = int(np.sum(~np.asarray(result.exact)))
    differing = np.asarray(result.differing)

    # The same scoring with the laws already run and the site tables built.
    build_tables = jax.jit(
        jax.vmap(
            lambda s, a: model.site_table(s, a),
            axis_name="transition",
        )
    )
    tables = jax.block_until_ready(build_tables(score_states, score_actions))
    only_scoring = jax.jit(
        jax.vmap(
            lambda table, c: score_candidates(
                layout, table, persistence, c, args.budget
            )
        )
    )
    _, _, elapsed, elapsed_cpu = timed_scoring(only_scoring, tables, candidates_j)
    prepared_rate = scored * args.candidates / elapsed
    prepared_cpu_rate = scored * args.candidates / elapsed_cpu
    start, cpu = time.perf_counter(), time.process_time()
    jax.block_until_ready(build_tables(score_states, score_actions))
    table_seconds = (time.perf_counter() - start) / scored
    table_cpu = (time.process_time() - cpu) / scored
    # The same with the laws focused on the objects in range.
    focused = model.focused_layout
    overflowing = int(
        np.sum(
            jax.jit(jax.vmap(lambda s, a: overflows(focused, s, a)))(
                score_states, score_actions
            )
        )
    )
    build_focused = jax.jit(
        jax.vmap(
            lambda s, a: site_table(
                focused,
                model._scorer(s, a, focused),
                persistence,
                schema.encode(s),
                schema.encode(s),
            ),
            axis_name="transition",
        )
    )
    jax.block_until_ready(build_focused(score_states, score_actions))
    start, cpu = time.perf_counter(), time.process_time()
    jax.block_until_ready(build_focused(score_states, score_actions))
    focused_seconds = (time.perf_counter() - start) / scored
    focused_cpu = (time.process_time() - cpu) / scored

    # The whole-state scorer (every site and pair per candidate), laws already run,
    # as a check of the fast path and as the previous speed.
    lows = [a.low for a in schema.attributes]
    offsets = schema.offsets

    def prepare(state, action):
        return model._scorer(state, action), leaf_offsets(layout, state)

    def score_prepared(prepared, candidates):
        scorer, current = prepared

        def one(candidate):
            leaves = [
                candidate[offsets[k] : offsets[k + 1]] - lows[k]
                for k in range(len(lows))
            ]
            return score_state(layout, scorer, persistence, current, leaves)

        return jax.vmap(one)(candidates)

    whole_count = min(scored, args.whole_transitions)
    prepared = jax.jit(jax.vmap(prepare))(
        jax.tree_util.tree_map(lambda x: x[:whole_count], score_states),
        score_actions[:whole_count],
    )
    whole_scoring = jax.jit(jax.vmap(score_prepared))
    whole_scores = jax.block_until_ready(
        whole_scoring(prepared, candidates_j[:whole_count])
    )
    start = time.perf_counter()
    whole_scores = jax.block_until_ready(
        whole_scoring(prepared, candidates_j[:whole_count])
    )
    whole_rate = whole_count * args.candidates / (time.perf_counter() - start)
    agreement = float(
        np.max(np.abs(np.asarray(whole_scores) - fast_scores[:whole_count]))
    )

    # Many candidates per transition: the law run is shared by all of them.
    many = np.repeat(candidates[:, :1], args.many_candidates, axis=1)
    for m in range(1, args.many_candidates):
        column = rng.integers(0, schema.num_sites, size=scored)
        rows = np.arange(scored)
        low, size = site_low[column], site_size[column]
        many[rows, m, column] = low + (many[rows, m, column] - low + 1) % np.maximum(
            size, 1
        )
    many_j = jnp.asarray(many)
    jax.block_until_ready(score(score_states, score_actions, many_j))
    _, _, elapsed, _ = timed_scoring(score, score_states, score_actions, many_j)
    many_rate = scored * args.many_candidates / elapsed
    peer_count = min(count, scored)
    start = time.perf_counter()
    for t in range(peer_count):
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
    numpy_rate = peer_count * args.candidates / (time.perf_counter() - start)

    print(
        f"{args.library} library ({len(model.laws)} laws, {model.layout.num_pairs} "
        f"(law, site) pairs per transition), {args.transitions} transitions "
        f"(collected in {collect_seconds:.1f} s), {int(data.law.shape[0])} active "
        f"pairs in {int(data.slot_domain.shape[0])} covered slots -> {distinct} "
        f"distinct slot configurations; NumPy peer on {count} transitions"
    )
    print(
        f"once per data set: law evaluation + active pairs {pairs_seconds:.1f} s, "
        f"sufficient statistics {stats_seconds:.1f} s ({prepare_cpu:.1f} CPU-s); "
        f"first MAP call (with XLA compilation): {first_seconds:.1f} s"
    )
    print(
        f"objective on all transitions: full pairs {full_value:.2f}, statistics "
        f"{float(value):.2f}; on {count} transitions: JAX log_prob {check:.3f} "
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
    print(
        f"{'scoring, laws already run (c/s)':<34}{prepared_rate:16,.0f}"
        f"{numpy_rate:16,.0f}{prepared_rate / numpy_rate:10.0f}x"
    )
    print(
        f"{'scoring, ' + str(args.many_candidates) + ' per transition (c/s)':<34}"
        f"{many_rate:16,.0f}{numpy_rate:16,.0f}{many_rate / numpy_rate:10.0f}x"
    )
    print(
        f"{'whole-state scorer, laws run (c/s)':<34}{whole_rate:16,.0f}"
        f"{numpy_rate:16,.0f}{whole_rate / numpy_rate:10.0f}x"
    )
    print(
        f"scoring: {scored} transitions x {args.candidates} candidates (the true next "
        f"state and {args.candidates - 1} copies with one site changed), budget "
        f"{args.budget} differing sites from the current state (differing sites: "
        f"mean {differing.mean():.1f}, max {differing.max()}; {beyond} candidates "
        f"beyond the budget, scored exactly by the fallback inside the timing); "
        f"compile {score_compile:.1f} s; {jax_cpu_rate:,.0f} candidates per CPU-s "
        f"with the laws, {prepared_cpu_rate:,.0f} per CPU-s with the laws already "
        f"run; laws + site table {table_seconds * 1e3:.2f} ms per transition "
        f"({table_cpu * 1e3:.2f} CPU-ms), focused on {model.focus} object rows "
        f"{focused_seconds * 1e3:.2f} ms ({focused_cpu * 1e3:.2f} CPU-ms; "
        f"{focused.num_pairs} pairs instead of {layout.num_pairs}; {overflowing} "
        f"of {scored} transitions overflow the focus); fast vs whole-state scorer on "
        f"{whole_count} transitions: max |difference| {agreement:.2e}"
    )
    print(
        f"MAP fit CPU time {fit_cpu:.3f} s; final MAP loss {float(losses[-1]):.2f}; "
        f"load average {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()
