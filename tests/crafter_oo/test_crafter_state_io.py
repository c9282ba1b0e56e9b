"""Object views, JSON files and the scenario builder."""

from __future__ import annotations

import json

import jax
import numpy as np
import pytest

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo import scenario as sc
from symworld.envs.crafter_oo.json_io import (
    load_state,
    save_state,
    state_from_json,
    state_to_dict,
    state_to_json,
)
from symworld.envs.crafter_oo.views import Cow, Plant, World, Zombie


def test_views_name_everything_on_a_built_scenario():
    state = sc.blank_state("grass", step=60)
    state = sc.paint(state, "water", (32, 33))
    state, cow = sc.add_object(state, "cow", (30, 30))
    state, zombie = sc.add_object(state, "zombie", (35, 30), health=4, cooldown=3)
    state, plant = sc.add_object(state, "plant", (20, 20), grown=301)
    state = sc.set_inventory(state, wood=3, health=7)
    state = sc.set_player(state, hunger=12.5, fatigue=-3)
    world = World(state)
    assert world.step == 60 and world.daylight == pytest.approx(1.0)
    assert world.facing().material == "water"
    assert world.player.inventory["wood"] == 3 and world.player.health == 7
    assert world.player.hunger == 12.5 and world.player.fatigue == -3
    assert world.at(30, 30).object == Cow(slot=cow, pos=(30, 30), health=3, order=0)
    assert world.at(35, 30).object == Zombie(
        slot=zombie, pos=(35, 30), health=4, order=1, cooldown=3
    )
    assert world.at(20, 20).object.ripe
    assert [type(o) for o in world.objects()] == [Cow, Zombie, Plant]
    assert world.count(Zombie) == 1
    assert world.at(32, 32).object == world.player
    assert world.at(-1, 0).material is None
    assert sum(world.material_counts().values()) == 64 * 64


def test_remove_object_by_cell_and_slot():
    state, slot = sc.add_object(sc.blank_state(), "skeleton", (10, 10))
    assert World(sc.remove_object(state, (10, 10))).at(10, 10).object is None
    assert World(sc.remove_object(state, slot)).count(Cow) == 0


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda s: sc.paint(s, "lava_lake", (1, 1)), "unknown material"),
        (lambda s: sc.paint(s, "stone", (64, 1)), "outside"),
        (lambda s: sc.add_object(s, "dragon", (1, 1)), "unknown object kind"),
        (lambda s: sc.add_object(s, "cow", (32, 32)), "already holds"),
        (lambda s: sc.set_inventory(s, wood=10), r"\[0, 9\]"),
        (lambda s: sc.set_inventory(s, gold=1), "unknown item"),
        (lambda s: sc.set_player(s, hunger=0.3), "multiple of 0.5"),
        (lambda s: sc.set_player(s, facing="north"), "facing"),
        (lambda s: sc.remove_object(s, (32, 32)), "player"),
        (lambda s: sc.remove_object(s, 5), "no living object"),
    ],
)
def test_scenario_builder_rejects_bad_input(build, message):
    with pytest.raises(ValueError, match=message):
        build(sc.blank_state())


def test_json_file_round_trip_and_errors(tmp_path):
    state, _ = sc.add_object(sc.blank_state("sand", step=123), "arrow", (5, 6))
    path = tmp_path / "state.json"
    save_state(state, path)
    back = load_state(path)
    for a, b in zip(jax.tree.leaves(state), jax.tree.leaves(back), strict=True):
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
    assert float(back.daylight) == float(np.float32(rules.daylight_of(123)))

    data = state_to_dict(state)
    data["fields"]["player.inventory"]["shape"] = [15]
    with pytest.raises(ValueError, match="player.inventory"):
        state_from_json(json.dumps(data))
    data = state_to_dict(state)
    del data["fields"]["objects.grown"]
    with pytest.raises(ValueError, match="missing"):
        state_from_json(json.dumps(data))
    with pytest.raises(ValueError, match="format"):
        state_from_json(json.dumps({"format": "other"}))
    assert json.loads(state_to_json(state))["capacity"] == rules.OBJECT_CAPACITY
