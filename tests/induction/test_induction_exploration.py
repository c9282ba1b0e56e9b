"""The one-life explorer on a toy world of its own (not Crafter's names or codes):
thirst decays and kills at 0, drinking at a pond restores it, a pit kills on
entry. The explorer must learn the pond from its own data (no knowledge of it),
avoid the pit only through the hint, and keep trying untried (action, target)
pairs; a random policy of the same length dies."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from toy_grid import step_info

from symworld.induction import ExplorationHints, explore
from symworld.programs import Schema

GRASS, TREE, POND, PIT = 1, 2, 3, 4
STEPS = ((0, 1), (0, -1), (1, 0), (-1, 0))  # actions 0-3 move (its own order)
USE, WAIT = 4, 5
SIZE = 12
THIRST_EVERY = 4  # steps per unit of thirst


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class PondState:
    where: jax.Array  # int32[2]
    heading: jax.Array  # int32 (untagged: the explorer must infer it)
    land: jax.Array  # int32[SIZE, SIZE]
    stock: jax.Array  # int32[2]: (water, sticks)
    clock: jax.Array  # int32


class PondWorld:
    num_actions = 6
    default_params = None

    def reset(self, key, params=None):
        land = jax.random.choice(
            key, jnp.array([GRASS] * 6 + [TREE]), (SIZE, SIZE)
        ).astype(jnp.int32)
        land = land.at[2:4, 8:10].set(POND).at[9, 2].set(PIT).at[5:8, 5:8].set(GRASS)
        return PondState(
            jnp.array([6, 6], jnp.int32),
            jnp.int32(0),
            land,
            jnp.array([9, 0], jnp.int32),
            jnp.int32(0),
        )

    def step(self, state, action, key, params=None):
        steps = jnp.asarray(STEPS, jnp.int32)
        moving = action < 4
        heading = jnp.where(moving, action, state.heading)
        ahead = jnp.clip(state.where + steps[heading], 0, SIZE - 1)
        cell = state.land[ahead[0], ahead[1]]
        enters = moving & ((cell == GRASS) | (cell == PIT))
        where = jnp.where(enters, ahead, state.where)
        use = action == USE
        drink = use & (cell == POND)
        chop = use & (cell == TREE)
        clock = state.clock + 1
        water = state.stock[0] - (clock % THIRST_EVERY == 0) + 3 * drink
        stock = jnp.stack(
            [jnp.clip(water, 0, 9), jnp.clip(state.stock[1] + chop, 0, 9)]
        ).astype(jnp.int32)
        dead = (stock[0] == 0) | (state.land[where[0], where[1]] == PIT)
        following = PondState(where, heading, state.land, stock, clock)
        return following, step_info(terminated=dead)


def pond_schema(env: PondWorld) -> Schema:
    state = env.reset(jax.random.key(0))
    return Schema.from_state(
        "toy/PondWorld-v0",
        state,
        {
            "where": (0, SIZE - 1),
            "heading": (0, 3),
            "land": (0, 4),
            "stock": (0, 9),
            "clock": (0, 10_000),
        },
        roles={
            "where": "player.position",
            "land": "map",
            "stock": "inventory",
            "clock": "clock",
        },
    )


@pytest.fixture(scope="module")
def pond_life():
    env = PondWorld()
    schema = pond_schema(env)
    hints = ExplorationHints(hazards=(PIT,), source="toy: the pit kills")
    return env, schema, explore(env, schema, steps=400, seed=3, hints=hints)


def test_induction_explorer_survives_by_learning_the_pond(pond_life):
    _, _, life = pond_life
    assert life.num_transitions == 400 and not life.died
    water = np.asarray(life.states.stock[:, 0])
    after = np.asarray(life.next_states.stock[:, 0])
    drinks = int(np.sum(after > water))
    # 400 steps cost 100 units of water: at least 100 / 3 - 9 drinks are needed
    assert drinks >= 25
    assert "vital" in life.reasons  # the drive, not chance, found the pond


def test_induction_explorer_visits_novel_pairs(pond_life):
    env, _, life = pond_life
    land = np.asarray(life.states.land)
    where = np.asarray(life.states.where)
    heading = np.asarray(life.states.heading)
    steps = np.asarray(STEPS)
    pairs = set()
    for t, action in enumerate(life.actions.tolist()):
        step = steps[action] if action < 4 else steps[heading[t]]
        x, y = np.clip(where[t] + step, 0, SIZE - 1)
        pairs.add((action, int(land[t, x, y])))
    # every action on grass, tree and pond, every move towards each of them
    for value in (GRASS, TREE, POND):
        for action in range(env.num_actions):
            assert (action, value) in pairs, (action, value)
    assert not any(value == PIT for action, value in pairs if action < 4)
    sticks = np.asarray(life.next_states.stock[:, 1])
    assert sticks.max() >= 3  # new holdings make the tree worth using again


def test_induction_random_policy_dies_in_the_pond_world(pond_life):
    env, _, _ = pond_life
    key = jax.random.key(3)
    state = env.reset(jax.random.fold_in(key, 0))
    step = jax.jit(env.step)
    actions = np.random.default_rng(3).integers(0, env.num_actions, 400)
    for t, action in enumerate(actions):
        state, info = step(state, jnp.int32(action), jax.random.fold_in(key, t))
        if bool(info["terminated"]):
            break
    assert bool(info["terminated"]) and t < 399


def test_induction_a_life_stops_where_the_schema_cannot_hold_the_next_state(caplog):
    """Switches' clock grows without bound; with a schema that admits times up to
    20 the life stops after 20 steps (every transition inside the domain) instead
    of recording states no law model can hold."""
    from symworld.envs.switches.core import Switches
    from symworld.laws.switches import ENV_ID

    env = Switches()
    state = env.reset(jax.random.key(0))
    domains = {"toggle": (0, 1), "coin": (0, 1), "fixed": (0, 1), "time": (0, 20)}
    schema = Schema.from_state(ENV_ID, state, domains, num_actions=env.num_actions)
    with caplog.at_level("WARNING", logger="symworld.induction.exploration"):
        life = explore(env, schema, steps=50, seed=0)
    assert (
        "stops after 20 steps: the next state's time (21) leaves its domain 0..20"
        in (caplog.text)
    )
    assert life.num_transitions == 20
    assert not life.died
    assert int(np.max(np.asarray(life.next_states.time))) == 20
