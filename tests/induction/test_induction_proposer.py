"""The proposer hook: proposed laws go through the same selection."""

from __future__ import annotations

import pytest

from symworld.induction import (
    FixedProposer,
    InductionSettings,
    induce,
    load_module_text,
)

GOOD = '''
class ToggleHoldsOnNoop(Law):
    """When the action is 0, the toggle keeps its value."""

    name = "toggle_holds_on_noop"
    writes = ("toggle",)

    def precondition(self, state, action):
        return action == 0

    def effect(self, state, action):
        return {"toggle": point(state.toggle)}
'''

WRONG = '''
class CoinCopiesToggle(Law):
    """WRONG: the coin copies the toggle."""

    name = "coin_copies_toggle"
    writes = ("coin",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"coin": point(state.toggle)}
'''


@pytest.mark.slow
def test_induction_proposals_are_selected(switches_life):
    env, schema, life = switches_life
    result = induce(
        schema,
        life.states,
        life.actions,
        life.next_states,
        num_actions=2,
        seed=0,
        settings=InductionSettings(fit_steps=200),
        proposers=[FixedProposer((WRONG,), name="test")],
    )
    names = [law.name for law in load_module_text(result.module).library()]
    assert "coin_copies_toggle" not in names
    assert result.rejected_proposals == ["coin_copies_toggle"]
    assert len(names) == 4
