"""DerivedOccupancy: the imagined occupant map follows the imagined positions."""

from __future__ import annotations

import dataclasses
import types

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.crafter_oo import CrafterOO, rules
from symworld.envs.crafter_oo.state import EMPTY, PLAYER_OCCUPANT
from symworld.planning.crafter.occupancy import DerivedOccupancy
from symworld.worldmodel import WorldModel


class GhostModel(WorldModel):
    """The slip of a model that samples sites independently: the first living
    object moves one cell in ``objects.pos``, while the map keeps it (a ghost)
    where it stood; nothing else changes."""

    def sample(self, key, state, action):
        slot = jnp.argmax(state.objects.alive)
        pos = state.objects.pos.at[slot, 0].add(1)
        objects = dataclasses.replace(state.objects, pos=pos)
        return dataclasses.replace(state, objects=objects)

    def log_prob(self, state, action, next_state):
        return jnp.float32(0.0)


def occupant_by_hand(state) -> np.ndarray:
    """The occupant map from the positions, one cell at a time."""
    grid = np.full(rules.AREA, EMPTY, np.int64)
    objects = jax.device_get(state.objects)
    for slot in range(objects.alive.shape[0]):
        if objects.alive[slot]:
            x, y = objects.pos[slot]
            grid[x, y] = slot
    x, y = np.asarray(state.player.pos)
    grid[x, y] = PLAYER_OCCUPANT
    return grid


def test_derived_occupancy_rebuilds_the_map_from_the_positions():
    env = CrafterOO()
    state = jax.jit(env.reset)(jax.random.key(3))
    ghost = GhostModel()
    raw = eqx.filter_jit(ghost.sample)(jax.random.key(1), state, rules.NOOP)
    derived = eqx.filter_jit(DerivedOccupancy(ghost).sample)(
        jax.random.key(1), state, rules.NOOP
    )

    slot = int(np.argmax(np.asarray(raw.objects.alive)))
    x, y = np.asarray(raw.objects.pos[slot])
    # The slip: the map still has the object at its old cell, not at its new one.
    assert int(raw.occupant[x - 1, y]) == slot
    assert int(raw.occupant[x, y]) != slot
    # The wrapper: the map is the one the positions imply, everything else equal.
    expected = occupant_by_hand(raw)
    np.testing.assert_array_equal(np.asarray(derived.occupant), expected)
    assert int(derived.occupant[x, y]) == slot
    assert int(derived.occupant[x - 1, y]) == EMPTY
    assert derived.occupant.dtype == raw.occupant.dtype
    for name in ("material", "player", "objects", "step"):
        for a, b in zip(
            jax.tree_util.tree_leaves(getattr(raw, name)),
            jax.tree_util.tree_leaves(getattr(derived, name)),
            strict=True,
        ):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


class StubLawModel(GhostModel):
    """Stands in for a loaded law model: only its schema's ``env_id`` matters."""

    env_id: str

    @property
    def schema(self):
        return types.SimpleNamespace(env_id=self.env_id)


@pytest.mark.parametrize(
    "env_id, wrapped",
    [("symworld/CrafterOO-v0", True), ("symworld/Switches-v0", False)],
)
def test_load_planning_model_wraps_crafter_law_models(
    tmp_path, monkeypatch, env_id, wrapped
):
    from symworld.planning.models import load_planning_model
    from symworld.programs import source

    stub = StubLawModel(env_id)
    monkeypatch.setattr(source, "load_model", lambda folder: stub)
    (tmp_path / "model.json").write_text("{}")

    loaded = load_planning_model(tmp_path)
    assert isinstance(loaded, DerivedOccupancy) == wrapped
    assert (loaded.model if wrapped else loaded) is stub
    assert load_planning_model(tmp_path, derive_occupancy=False) is stub
