"""Shared fixtures of the induction tests: one switches life, one toy grid world."""

from __future__ import annotations

import pytest
from toy_grid import GridWorld, grid_schema


@pytest.fixture(scope="session")
def switches_life():
    from symworld.envs.switches.core import Switches
    from symworld.induction import explore
    from symworld.laws.switches import schema

    env = Switches()
    return env, schema(env), explore(env, schema(env), steps=500, seed=0)


@pytest.fixture(scope="session")
def switches_induced(switches_life):
    from symworld.induction import induce

    env, schema, life = switches_life
    return induce(
        schema, life.states, life.actions, life.next_states, num_actions=2, seed=0
    )


@pytest.fixture(scope="session")
def grid_data():
    from symworld.programs.data import random_transitions

    env = GridWorld()
    return env, grid_schema(env), random_transitions(env, 1500, 3)


@pytest.fixture(scope="session")
def induce_unfitted():
    """``induce`` on a batch of transitions without the law-model fit (six
    actions, seed 0): the searched laws only, quickly."""

    from symworld.induction import InductionSettings, induce

    def run(schema, batch, num_actions: int = 6):
        return induce(
            schema,
            batch.states,
            batch.actions,
            batch.next_states,
            num_actions=num_actions,
            seed=0,
            settings=InductionSettings(fit=False),
        )

    return run
