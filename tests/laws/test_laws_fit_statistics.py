"""The fitting objective's sufficient statistics and the shared compiled MAP step."""

from __future__ import annotations

import jax
import numpy as np

from symworld.laws import switches as switch_laws
from symworld.programs import LawModel
from symworld.programs.fitting import (
    _law_map_runner,
    compile_transitions,
    log_likelihood,
    persistence_mode,
    sufficient_statistics,
)


def _model(schema):
    model = LawModel.build(switch_laws.library(), schema)
    values = {"weights": np.linspace(0.1, 3.0, len(model.laws))}
    values["persistence"] = [0.8, 0.6, 0.95, 0.3]
    for index, parameter in model.layout.parameters:
        values[f"{model.laws[index].name}/{parameter.name}"] = 0.37
    return LawModel.from_values(model.layout, values)


def test_laws_statistics_keep_the_log_likelihood(switches_schema, switches_data):
    model = _model(switches_schema)
    states, actions, following = switches_data
    encoded = jax.vmap(switches_schema.encode)(following)
    data = compile_transitions(model.layout, states, actions, encoded)
    merged = sufficient_statistics(data)
    arguments = (model.weights, model.log_components, model.persistence)
    full = float(log_likelihood(data, *arguments, model.epsilon))
    short = float(log_likelihood(merged, *arguments, model.epsilon))
    np.testing.assert_allclose(short, full, rtol=1e-5)
    # The same as summing log_prob over the transitions one at a time.
    direct = jax.jit(jax.vmap(model.log_prob))(states, actions, following)
    np.testing.assert_allclose(short, float(direct.sum()), rtol=1e-5)
    # 2,000 transitions of 11 laws collapse to a few hundred configurations; the
    # counts add up to the number of covered slots.
    counts = np.asarray(merged.slot_count)
    assert np.sum(counts > 0) < data.slot_domain.shape[0] / 10
    assert counts.sum() == data.slot_domain.shape[0]
    # Gradients agree too (the counts multiply, padding carries zero weight).
    grad = jax.grad(log_likelihood, argnums=(1, 2, 3))
    for a, b in zip(
        grad(data, *arguments, model.epsilon),
        grad(merged, *arguments, model.epsilon),
        strict=True,
    ):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=2e-4, atol=1e-3)


def test_laws_fits_share_one_compiled_step(switches_schema, switches_data):
    model = LawModel.build(switch_laws.library(), switches_schema)
    states, actions, following = switches_data
    half = jax.tree_util.tree_map(lambda x: x[:1000], (states, actions, following))
    first, _ = model.fit(*half, key=jax.random.key(0), steps=50)
    before = _law_map_runner.cache_info()
    run, _ = _law_map_runner(model.layout, _priors(model), 50, 0.05)
    compiled = run._cache_size()
    # Another data set (same layout, other transitions): no new executable.
    rest = jax.tree_util.tree_map(lambda x: x[1000:], (states, actions, following))
    second, _ = model.fit(*rest, key=jax.random.key(1), steps=50)
    assert _law_map_runner.cache_info().hits > before.hits
    assert run._cache_size() == compiled
    assert first.weight_table() != second.weight_table()


def _priors(model):
    from symworld.programs.fitting import Priors

    return Priors(epsilon=model.epsilon)


def test_laws_map_persistence_is_the_closed_form(switches_schema, switches_data):
    # Counted independently: an attribute's uncovered sites that kept their value
    # over all its uncovered sites (Beta(1, 1) prior: the mode is that fraction).
    model = LawModel.build(switch_laws.library(), switches_schema)
    states, actions, following = switches_data
    fitted, result = model.fit(states, actions, following, key=jax.random.key(0))
    encoded = np.asarray(jax.vmap(switches_schema.encode)(following))
    data = compile_transitions(model.layout, states, actions, encoded)
    kept, changed = np.asarray(data.kept), np.asarray(data.changed)
    persistence = np.asarray(fitted.persistence)
    for k in range(len(kept)):
        if kept[k] + changed[k] == 0:
            continue
        expected = np.clip(kept[k] / (kept[k] + changed[k]), 1e-6, 1 - 1e-6)
        np.testing.assert_allclose(persistence[k], expected, rtol=1e-6)
    # An attribute that never changed uncovered sits at the clip, not at the
    # value a fixed number of gradient steps would reach (about 0.999); one with
    # no uncovered observation keeps the fallback.
    rho = persistence_mode(
        np.array([5e6, 0.0, 3.0]), np.array([0.0, 0.0, 1.0]), (1.0, 1.0), [0.5] * 3
    )
    np.testing.assert_allclose(rho, [1 - 1e-6, 0.5, 0.75], rtol=1e-6)
