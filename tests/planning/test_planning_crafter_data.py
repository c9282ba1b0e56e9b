"""Fitting data for the planner's law model: program runs and trajectory files."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from symworld.envs.crafter_oo import CrafterOO, rules
from symworld.envs.switches.core import Switches
from symworld.laws import crafter_oo
from symworld.laws import switches as switches_laws
from symworld.laws.switches import schema as switches_schema
from symworld.planning.crafter.data import (
    batch_to_trajectory,
    exact_persistence,
    program_transitions,
)
from symworld.planning.crafter.options import CrafterOptions
from symworld.planning.ranking import Strategy
from symworld.programs import LawModel
from symworld.programs.data import random_transitions, transitions_from_file
from symworld.trajectory_io import write_trajectory

A = rules.ACHIEVEMENT_IDS


def _tree_equal(a, b) -> bool:
    return all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
    )


def test_trajectory_file_gives_back_the_batch_in_order(tmp_path):
    env = Switches()
    batch = random_transitions(env, 30, seed=3)
    # Two program runs glued after a random part: a new episode number must
    # start a new file episode even where the states happen to chain.
    episode = np.repeat([0, 1, 2], 10)
    trajectory = batch_to_trajectory(
        batch, episode, {"env_id": "symworld/Switches-v0", "seed": 3}
    )
    assert trajectory.episode.max() + 1 >= 3
    assert len(trajectory.episode) == 30 + trajectory.episode.max() + 1
    path = write_trajectory(trajectory, tmp_path / "t.npz")
    back = transitions_from_file(str(path), switches_schema(env))
    assert np.array_equal(np.asarray(back.actions), np.asarray(batch.actions))
    assert _tree_equal(back.states, batch.states)
    assert _tree_equal(back.next_states, batch.next_states)


def test_exact_persistence_is_the_closed_form_map():
    """No law covers the coin or the fixed switch here: their persistence MAP
    under Beta(1, 1) is the fraction of transitions that kept the value."""
    env = Switches()
    batch = random_transitions(env, 200, seed=5)
    laws = [
        switches_laws.ToggleFlips(),
        switches_laws.ToggleHolds(),
        switches_laws.ClockTicks(),
    ]
    schema = switches_schema(env)
    model = LawModel.build(laws, schema)  # fit checks the laws on the batch
    fitted, _ = model.fit(
        batch.states, batch.actions, batch.next_states, key=jax.random.key(0), steps=60
    )
    exact = exact_persistence(fitted, batch).persistence_table()
    coin_kept = np.mean(
        np.asarray(batch.states.coin) == np.asarray(batch.next_states.coin)
    )
    assert 0.3 < coin_kept < 0.7
    assert exact["coin"] == pytest.approx(coin_kept, abs=1e-6)
    assert exact["fixed"] == pytest.approx(1 - 1e-6, abs=1e-7)
    # The MAP fit itself lands on the closed form (60 Adam steps from 0.9 alone
    # would stop near 0.999 for the never-changing switch).
    for name in ("coin", "fixed"):
        assert fitted.persistence_table()[name] == pytest.approx(exact[name], abs=1e-6)
    # Covered-only attributes (toggle, time) keep their fitted value.
    assert exact["toggle"] == pytest.approx(fitted.persistence_table()["toggle"])


@pytest.fixture(scope="module")
def table_run():
    """One run of "two wood, then place a table" in a fresh world."""
    env = CrafterOO()
    library = CrafterOptions(("collect_wood", "place_table"), max_steps=30)
    strategy = Strategy(
        "place_table", "two wood", ("collect_wood", "collect_wood", "place_table"), 60
    )
    return env, program_transitions(env, library, [strategy], 1, key=jax.random.key(0))


@pytest.mark.slow
def test_program_runs_record_the_table_being_placed(table_run):
    _, (batch, episode) = table_run
    actions = np.asarray(batch.actions)
    count = len(actions)
    assert 3 <= count <= 60
    assert np.all(episode == 0)
    # The run chains: each state is the previous transition's next state.
    for t in range(1, count):
        now = jax.tree.map(lambda leaf, t=t: leaf[t], batch.states)
        before = jax.tree.map(lambda leaf, t=t: leaf[t - 1], batch.next_states)
        assert _tree_equal(now, before)
    wood = np.asarray(batch.next_states.player.inventory)[:, rules.ITEM_IDS["wood"]]
    tables = np.asarray(batch.next_states.player.achievements)[:, A["place_table"]]
    # The program stops right after the table stands: the last action places it,
    # paid with wood gathered by the two collect options.
    assert actions[-1] == rules.PLACE_TABLE
    assert tables[-1] == 1 and np.all(tables[:-1] == 0)
    assert np.sum(np.diff(np.r_[0, wood])[:-1] > 0) == 2
    material = np.asarray(batch.next_states.material[-1])
    before = np.asarray(batch.states.material[-1])
    changed = np.argwhere(material != before)
    assert len(changed) == 1
    assert material[tuple(changed[0])] == rules.TABLE


@pytest.mark.slow
def test_program_runs_give_the_table_law_weight_that_random_steps_do_not(table_run):
    """The reason for the program data: fitted on random steps alone the table law
    keeps ~0 weight (never active, so only the Exponential prior speaks); with
    the program run added (one table placed) it gains weight."""
    env, (batch, _) = table_run
    laws = [crafter_oo.ClockTicks(), crafter_oo.Place(rules.PLACE_TABLE)]
    schema = crafter_oo.schema(env)
    random = random_transitions(env, 40, seed=1)

    def join(*parts):
        return [
            jax.tree.map(
                lambda *xs: np.concatenate([np.asarray(x) for x in xs]),
                *[getattr(part, field) for part in parts],
            )
            for field in ("states", "actions", "next_states")
        ]

    weights = {}
    for name, parts in (("random", (random,)), ("with programs", (random, batch))):
        states, actions, following = join(*parts)
        model = LawModel.build(laws, schema)  # fit checks the laws on the batch
        fitted, _ = model.fit(
            states, actions, following, key=jax.random.key(0), steps=300
        )
        weights[name] = fitted.weight_table()["place_table"]
    assert weights["random"] < 0.05
    # One placed table in the data: reliability 1 - exp(-w) above 0.63.
    assert weights["with programs"] > 1.0
