"""The frame defaults are fitted as if the first ``min_support`` changes of every
searched law had been left unexplained (read in order, they came before the law
could be found), except where the laws cover every site-step."""

from __future__ import annotations

import jax
import numpy as np

from symworld.induction import induce
from symworld.induction.search import SearchSettings


def test_induction_rare_law_leaves_its_changes_to_the_default(switches_life):
    env, schema, life = switches_life
    actions = np.asarray(life.actions)
    flips = np.nonzero(actions == 1)[0][: SearchSettings.min_support]
    waits = np.nonzero(actions == 0)[0][:97]
    chosen = np.sort(np.concatenate([flips, waits]))
    assert len(flips) == SearchSettings.min_support == 3 and len(waits) == 97

    def take(tree):
        return jax.tree_util.tree_map(lambda x: np.asarray(x)[chosen], tree)

    result = induce(
        schema,
        take(life.states),
        actions[chosen],
        take(life.next_states),
        num_actions=2,
        seed=0,
    )
    toggle = {law.name: law for law in result.laws}["toggle_flips_when_action_1"]
    assert toggle.explained == 3 and toggle.matched == 3
    index = schema.index("toggle")
    # the toggle's site is left to the default on the 97 waits (it never changed
    # there); the 3 flips its law explains count as unexplained, held out
    persistence = result.fitted.model.persistence_table()["toggle"]
    assert abs(persistence - 97 / 100) < 1e-6
    assert result.fitted.kept[index] == 97 and result.fitted.changed[index] == 3
    # the clock's law explains its 100 changes and covers every step: its 3
    # first changes are not added where no step left the clock to the default,
    # which keeps its initial value
    clock = schema.index("time")
    assert result.fitted.kept[clock] == 0 and result.fitted.changed[clock] == 0
    assert abs(result.fitted.model.persistence_table()["time"] - 0.9) < 1e-6
