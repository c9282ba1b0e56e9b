"""Fitting data for the planner's law model: program runs and trajectory files."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from symworld.envs.crafter_oo import CrafterOO, rules
from symworld.envs.switches.core import Switches
from symworld.laws.switches import schema as switches_schema
from symworld.planning.crafter.data import batch_to_trajectory, program_transitions
from symworld.planning.crafter.options import CrafterOptions
from symworld.planning.ranking import Strategy
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


@pytest.mark.slow
def test_program_runs_record_the_table_being_placed():
    env = CrafterOO()
    library = CrafterOptions(("collect_wood", "place_table"), max_steps=30)
    strategy = Strategy(
        "place_table", "two wood", ("collect_wood", "collect_wood", "place_table"), 60
    )
    batch, episode = program_transitions(
        env, library, [strategy], 1, key=jax.random.key(0)
    )
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
