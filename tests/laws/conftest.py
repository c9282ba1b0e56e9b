"""Shared fixtures of the law-model tests: switches data and one fitted model."""

from __future__ import annotations

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
