"""Layouts compare by value: models built separately from the same laws and schema
(or loaded twice from one model folder) share compiled functions; different laws
never do."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from symworld.laws import switches as switch_laws
from symworld.programs import Law, LawModel, point
from symworld.programs.source import (
    library_reference,
    load_library,
    load_model,
    save_model,
)


class SetsToggle(Law):
    """The toggle takes ``value`` (an instance attribute)."""

    name = "sets_toggle"
    writes = ("toggle",)

    def __init__(self, value: int):
        self.value = value

    def precondition(self, state, action):
        return action == 1

    def effect(self, state, action):
        return {"toggle": point(self.value)}


def test_laws_separately_built_models_share_one_compilation(
    switches_schema, switches_env
):
    first = LawModel.build(switch_laws.library(), switches_schema)
    second = LawModel.build(switch_laws.library(), switches_schema)
    assert first.layout is not second.layout
    assert first.layout == second.layout
    assert hash(first.layout) == hash(second.layout)

    traces = []

    @eqx.filter_jit
    def step(model, key, state):
        traces.append(1)
        return model.sample(key, state, jnp.int32(1))

    state = switches_env.reset(jax.random.key(0))
    step(first, jax.random.key(1), state)
    step(
        eqx.tree_at(lambda m: m.weights, second, second.weights * 2),
        jax.random.key(2),
        state,
    )
    assert len(traces) == 1


def test_laws_layouts_of_other_laws_differ(switches_schema):
    library = switch_laws.library()
    full = LawModel.build(library, switches_schema).layout
    fewer = LawModel.build(library[:-1], switches_schema).layout
    assert full != fewer
    zero, one = (
        LawModel.build([SetsToggle(v)], switches_schema).layout for v in (0, 1)
    )
    assert zero != one
    assert zero == LawModel.build([SetsToggle(0)], switches_schema).layout


LAW_FILE = """
from symworld.programs import Law, point


class Flip(Law):
    name = "flip"
    writes = ("toggle",)

    def precondition(self, state, action):
        return action == 1

    def effect(self, state, action):
        return {"toggle": point(1 - state.toggle)}


LAWS = [Flip()]
"""


def test_laws_a_model_folder_loaded_twice_has_equal_layouts(tmp_path, switches_schema):
    law_file = tmp_path / "flip_laws.py"
    law_file.write_text(LAW_FILE)
    reference = library_reference(str(law_file))
    laws = load_library(reference, [str(law_file)])
    folder = tmp_path / "model"
    save_model(LawModel.build(laws, switches_schema), folder, reference)
    first, second = (
        load_model(folder, trusted=[str(law_file)], schema=switches_schema)
        for _ in range(2)
    )
    assert first.layout is not second.layout
    assert first.layout == second.layout
