"""The proposer hook: proposed laws go through the same selection."""

from __future__ import annotations

import jax
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
    assert [r.name for r in result.rejected_proposals] == ["coin_copies_toggle"]
    assert "did not improve" in result.rejected_proposals[0].reason
    assert len(names) == 4


class _StringProposer:
    name = "strings"

    def propose(self, context):
        return ["class A(Law): pass"]


class _RaisingProposer:
    name = "raising"

    def propose(self, context):
        raise RuntimeError("service down")


def _induce_first_60(switches_life, proposers):
    """Induction on the first 60 transitions of the switches life, 5 fit steps."""
    env, schema, life = switches_life
    states, actions, next_states = (
        jax.tree_util.tree_map(lambda x: x[:60], t)
        for t in (life.states, life.actions, life.next_states)
    )
    return induce(
        schema,
        states,
        actions,
        next_states,
        num_actions=2,
        seed=0,
        settings=InductionSettings(fit_steps=5),
        proposers=proposers,
    )


def test_induction_broken_proposals_are_rejected_with_reasons(switches_life):
    broken = (
        "class MyLaw(Law): ...",
        "class Broken(Law:\n  pass",
        GOOD.replace("return {", "return 1 / 0 or {"),
        GOOD.replace("point(state.toggle)", "point(state.toggle + 7)"),
        GOOD.replace("toggle_holds_on_noop", "time_plus_1"),
        GOOD + GOOD.replace("ToggleHoldsOnNoop", "Other"),
        GOOD.replace("ToggleHoldsOnNoop", "TimePlus1"),
    )
    result = _induce_first_60(
        switches_life,
        [FixedProposer(broken, name="test"), _StringProposer(), _RaisingProposer()],
    )
    rejected = [(r.name, r.reason) for r in result.rejected_proposals]
    assert [name for name, _ in rejected] == [
        "test #0",
        "test #1",
        "toggle_holds_on_noop",
        "toggle_holds_on_noop",
        "time_plus_1",
        "test #5",
        "toggle_holds_on_noop",
        "strings #0",
        "raising",
    ], rejected
    reasons = [reason for _, reason in rejected]
    assert reasons[0] == "LawError: law 'MyLaw': has no name"
    assert reasons[1].startswith("SyntaxError")
    assert "effect raised ZeroDivisionError" in reasons[2]
    assert "predicts the value 7, outside the domain 0..1" in reasons[3]
    assert reasons[4] == (
        "ValueError: law name 'time_plus_1' is already in the library"
    )
    assert "exactly one class" in reasons[5]
    # the induced clock law's class is TimePlus1: a proposal may not replace it
    assert reasons[6] == (
        "ValueError: class name 'TimePlus1' is already used in the law module"
    )
    assert reasons[7] == "expected a Proposal, got str"
    assert reasons[8] == "propose() raised RuntimeError: service down"
    names = [law.name for law in load_module_text(result.module).library()]
    assert "toggle_holds_on_noop" not in names


class _Returning:
    def __init__(self, name, value):
        self.name, self.value = name, value

    def propose(self, context):
        return self.value


def test_induction_proposer_returns_and_exits_are_rejections(switches_life):
    """A str or None return is one rejection naming the proposer and the type (not
    one per character, not "raised"); a proposal whose module code raises
    SystemExit is rejected, and the run goes on to score the next proposal."""
    result = _induce_first_60(
        switches_life,
        [
            _Returning("text", "class A(Law): pass"),
            _Returning("nothing", None),
            FixedProposer(("raise SystemExit(3)\n" + GOOD, GOOD), name="exits"),
        ],
    )
    rejected = [(r.name, r.reason) for r in result.rejected_proposals]
    assert rejected[:3] == [
        ("text", "propose() returned str, not a sequence of Proposal"),
        ("nothing", "propose() returned NoneType, not a sequence of Proposal"),
        ("exits #0", "SystemExit: 3"),
    ]
    # the same law without the exit is then tried and scored like any proposal
    assert len(rejected) == 4 and rejected[3][0] == "toggle_holds_on_noop"
    assert rejected[3][1].startswith("did not improve the penalised likelihood")
