"""Shared fixtures of the law-model tests: switches data and one fitted model."""

from __future__ import annotations

import json

import jax
import pytest

from symworld.envs.switches import Switches
from symworld.laws import switches as switch_laws
from symworld.programs import LawModel
from symworld.programs.data import random_transitions


@pytest.fixture(scope="session")
def switches_env():
    return Switches()


@pytest.fixture(scope="session")
def switches_schema(switches_env):
    return switch_laws.schema(switches_env)


@pytest.fixture(scope="session")
def switches_data(switches_env):
    return random_transitions(switches_env, 2000, seed=0)


@pytest.fixture(scope="session")
def switches_fit(switches_schema, switches_data):
    model = LawModel.build(
        switch_laws.library(),
        switches_schema,
        examples=(switches_data.states, switches_data.actions),
    )
    fitted, result = model.fit(
        switches_data.states,
        switches_data.actions,
        switches_data.next_states,
        key=jax.random.key(0),
        steps=1500,
        learning_rate=0.1,
    )
    return fitted, result


@pytest.fixture(scope="session")
def unfitted_switches_json(tmp_path_factory, switches_schema) -> dict:
    """model.json of an unfitted switches model (weights 1, persistence 0.9)."""
    from symworld.programs.source import library_reference, save_model

    folder = tmp_path_factory.mktemp("unfitted_switches")
    model = LawModel.build(switch_laws.library(), switches_schema)
    save_model(model, folder, library_reference("switches"))
    return json.loads((folder / "model.json").read_text())
