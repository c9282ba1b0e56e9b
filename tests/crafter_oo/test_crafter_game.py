"""True next states from the original game: :class:`CrafterGame` steps crafter 1.8.3
from Crafter-OO states and reads the result back with every object in its slot, so
the scenario suite can rank the models against crafter's own truths."""

import types

import crafter  # noqa: F401  (the peer game)
import jax
import numpy as np
import pytest

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo import scenario as sc
from symworld.envs.crafter_oo.bridge import to_crafter
from symworld.envs.crafter_oo.crafter_game import CrafterGame
from symworld.envs.crafter_oo.crafter_recording import SlotTracker
from symworld.evaluation.scenarios import load_suite, run_scenario
from symworld.laws.crafter_oo import schema as crafter_schema

# Scenarios without a random draw in either game: the two must agree bit for bit.
DETERMINISTIC = (
    "collect_wood/success",
    "collect_stone/success",
    "collect_stone/failure",
    "collect_drink/success",
    "place_table/success",
    "place_table/failure",
    "place_plant/success",
    "make_wood_pickaxe/success",
    "make_iron_sword/success",
    "eat_plant/success",
    "sleep_and_wake/success",
    "arrow_hits_player/success",
    "arrow_breaks_table/success",
)


@pytest.fixture(scope="module")
def game():
    return CrafterGame()


@pytest.fixture(scope="module")
def crafter_oo(crafter_env, crafter_step):
    """Crafter-OO's step as the session compiled it, and the law schema."""
    env = types.SimpleNamespace(
        step=crafter_step, default_params=crafter_env.default_params, jittable=False
    )
    return env, crafter_schema(crafter_env)


def test_game_agrees_with_crafter_oo_on_deterministic_scenarios(game, crafter_oo):
    env, schema = crafter_oo
    suite = {scenario.name: scenario for scenario in load_suite("crafter_oo")}
    changed = 0
    for index, name in enumerate(DETERMINISTIC):
        key = jax.random.fold_in(jax.random.key(3), index)
        ours = run_scenario(env, suite[name], key)
        theirs = run_scenario(game, suite[name], key)
        assert len(ours) == len(theirs) == suite[name].steps, name
        for (state, action, mine), (start, played, truth) in zip(ours, theirs):
            assert int(action) == int(played), name
            assert np.array_equal(schema.encode(state), schema.encode(start)), name
            assert np.array_equal(schema.encode(mine), schema.encode(truth)), name
            changed += not np.array_equal(schema.encode(state), schema.encode(truth))
    assert changed >= len(DETERMINISTIC)  # every scenario changes the state


def test_game_keeps_slots_and_stamps_of_the_state(game):
    # A cow in slot 2 (slots 0-1 hold dead rows) is eaten: crafter removes it and the
    # row stays in slot 2 with health 0; the plant in slot 4 keeps its slot and stamp.
    state = sc.set_player(sc.blank_state("grass"), facing="right")
    state = sc.set_inventory(state, food=2)
    state, first = sc.add_object(state, "zombie", (10, 10))
    state, second = sc.add_object(state, "zombie", (12, 10))
    state, cow = sc.add_object(state, "cow", (33, 32), health=1)
    state, _ = sc.add_object(state, "skeleton", (12, 12))
    state, plant = sc.add_object(state, "plant", (30, 30), grown=3)
    state = sc.remove_object(sc.remove_object(state, first), second)
    following, _ = game.step(state, rules.DO, jax.random.key(0))
    alive = np.asarray(following.objects.alive)
    assert (cow, plant) == (2, 4)
    assert alive[:5].tolist() == [False, False, False, True, True]
    assert int(following.objects.health[cow]) == 0
    assert int(following.objects.grown[plant]) == 4
    assert np.array_equal(following.objects.order, state.objects.order)
    assert int(following.player.inventory[rules.ITEM_IDS["food"]]) == 2 + 6


def test_game_is_seeded_by_the_key(game):
    # A cow moves at random: one key, one next state; other keys, other moves.
    state, _ = sc.add_object(sc.blank_state("grass"), "cow", (36, 36))

    def position(key):
        following, _ = game.step(state, rules.NOOP, key)
        return tuple(np.asarray(following.objects.pos[0]).tolist())

    assert position(jax.random.key(5)) == position(jax.random.key(5))
    assert len({position(jax.random.key(k)) for k in range(40)}) >= 3


def test_tracker_refuses_an_env_that_does_not_hold_the_state():
    state, _ = sc.add_object(sc.blank_state("grass"), "cow", (36, 36))
    other, _ = sc.add_object(state, "zombie", (40, 40))
    env = to_crafter(other)
    with pytest.raises(ValueError, match="crafter env holds 2 objects, the state 1"):
        SlotTracker().resume(state, env)


def test_game_without_crafter_says_how_to_install_it(monkeypatch):
    from symworld.envs.crafter_oo import crafter_game

    def missing(**_):
        raise ModuleNotFoundError("No module named 'crafter'")

    monkeypatch.setattr(crafter_game, "new_crafter_env", missing)
    with pytest.raises(ImportError, match=r"pip install crafter==1\.8\.3"):
        CrafterGame()


def test_evaluation_with_the_game_as_truth_says_so(game, crafter_oo):
    # The null model on two scenarios with crafter's truths: every transition
    # advances the step, so "nothing changes" is never the truth.
    from symworld.evaluation.baselines import NullModel
    from symworld.evaluation.protocol import evaluate_models
    from symworld.evaluation.report import format_table

    _, schema = crafter_oo
    suite = [s for s in load_suite("crafter_oo") if s.name in DETERMINISTIC[:2]]
    report = evaluate_models(
        {"null": NullModel(schema)},
        game,
        schema,
        suite,
        trials=1,
        truth_source="original",
    )
    assert report.to_json()["truth"] == "original"
    assert report.to_json()["mean"]["accuracy"] == 0.0
    assert format_table(report).endswith(
        "true next states: original (not the environment's own)"
    )
