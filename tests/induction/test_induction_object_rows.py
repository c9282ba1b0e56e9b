"""Laws over every row of an object table: a toy herd (its own names and codes,
not Crafter's) where drifters step at random onto free meadow and each clock
counts its timer down, whatever the player does. A grid ``who`` mirrors the
table (the cell under each object holds its row). The inducer finds a law that
moves every drifter (stay or one of four steps, learnable probabilities) and
writes ``who`` in step, and a law that counts every running timer down."""

from __future__ import annotations

import dataclasses
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from toy_grid import step_info

from symworld.induction import load_module_text
from symworld.programs import Schema
from symworld.programs.data import random_transitions

SIZE, ROWS, EPISODE, RESET = 7, 6, 30, 4
MEADOW, ROCK = 1, 2
DRIFTER, CLOCK = 1, 2
EMPTY = -1
MOVE = 0.6  # a drifter tries a step with this probability
STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class HerdState:
    pos: jax.Array  # int32[2], the player
    facing: jax.Array  # int32
    ground: jax.Array  # int32[SIZE, SIZE]: meadow, rock on the diagonal
    who: jax.Array  # int32[SIZE, SIZE]: the row standing there, or EMPTY
    clock: jax.Array  # int32
    alive: jax.Array  # bool[ROWS]
    kind: jax.Array  # int32[ROWS]: three drifters, three clocks
    spot: jax.Array  # int32[ROWS, 2]
    timer: jax.Array  # int32[ROWS]: a clock's countdown (0 for drifters)


def _who(spot: jax.Array, alive: jax.Array) -> jax.Array:
    who = jnp.full((SIZE, SIZE), EMPTY, jnp.int32)
    rows = jnp.where(alive, jnp.arange(ROWS, dtype=jnp.int32), EMPTY)
    return who.at[spot[:, 0], spot[:, 1]].max(rows)


class Herd:
    """Actions 0-3 move the player (blocked by objects and rock), 4 waits. Each
    step every drifter, in row order, tries a uniformly chosen step with
    probability 0.6 and takes it onto a free meadow cell inside the grid; each
    clock's timer falls by 1, and from 0 restarts at 4. Episodes last 30 steps."""

    num_actions = 5
    default_params = None

    def reset(self, key, params=None):
        key_cells, key_timer = jax.random.split(key)
        free = [i for i in range(SIZE * SIZE) if i // SIZE != i % SIZE]
        cells = jax.random.choice(key_cells, jnp.asarray(free), (ROWS + 1,), False)
        spot = jnp.stack([cells // SIZE, cells % SIZE], axis=1).astype(jnp.int32)
        kind = jnp.asarray([DRIFTER] * 3 + [CLOCK] * 3, jnp.int32)
        timer = jax.random.randint(key_timer, (ROWS,), 0, RESET + 1)
        alive = jnp.ones(ROWS, bool)
        ground = jnp.where(jnp.eye(SIZE, dtype=bool), ROCK, MEADOW).astype(jnp.int32)
        return HerdState(
            pos=spot[ROWS],
            facing=jnp.int32(0),
            ground=ground,
            who=_who(spot[:ROWS], alive),
            clock=jnp.int32(0),
            alive=alive,
            kind=kind,
            spot=spot[:ROWS],
            timer=jnp.where(kind == CLOCK, timer, 0).astype(jnp.int32),
        )

    def step(self, state, action, key, params=None):
        steps = jnp.asarray(STEPS, jnp.int32)
        moving = action < 4
        facing = jnp.where(moving, action, state.facing)
        target = state.pos + steps[facing]
        inside = jnp.all((target >= 0) & (target < SIZE))
        cell = jnp.clip(target, 0, SIZE - 1)
        open_ = (state.ground[cell[0], cell[1]] == MEADOW) & (
            state.who[cell[0], cell[1]] == EMPTY
        )
        pos = jnp.where(moving & inside & open_, target, state.pos)
        spot, who = state.spot, state.who
        keys = jax.random.split(key, ROWS)
        for row in range(ROWS):
            key_try, key_step = jax.random.split(keys[row])
            tries = jax.random.uniform(key_try) < MOVE
            end = spot[row] + steps[jax.random.randint(key_step, (), 0, 4)]
            inside = jnp.all((end >= 0) & (end < SIZE))
            x, y = jnp.clip(end[0], 0, SIZE - 1), jnp.clip(end[1], 0, SIZE - 1)
            free = (state.ground[x, y] == MEADOW) & (who[x, y] == EMPTY)
            free &= state.who[x, y] == EMPTY  # a cell left this step stays taken
            free &= ~jnp.all(end == pos)
            go = (state.kind[row] == DRIFTER) & tries & inside & free
            new = jnp.where(go, end, spot[row])
            who = who.at[spot[row, 0], spot[row, 1]].set(
                jnp.where(go, EMPTY, who[spot[row, 0], spot[row, 1]])
            )
            who = who.at[new[0], new[1]].set(row)
            spot = spot.at[row].set(new)
        running = (state.kind == CLOCK) & (state.timer > 0)
        timer = jnp.where(running, state.timer - 1, state.timer)
        timer = jnp.where((state.kind == CLOCK) & (state.timer == 0), RESET, timer)
        following = dataclasses.replace(
            state,
            pos=pos,
            facing=facing,
            who=who,
            clock=state.clock + 1,
            spot=spot,
            timer=timer.astype(jnp.int32),
        )
        return following, step_info(truncated=following.clock >= EPISODE)


def herd_schema(env: Herd) -> Schema:
    state = env.reset(jax.random.key(0))
    return Schema.from_state(
        "toy/Herd-v0",
        state,
        {
            "pos": (0, SIZE - 1),
            "facing": (0, 3),
            "ground": (0, 2),
            "who": (EMPTY, ROWS - 1),
            "clock": (0, EPISODE),
            "kind": (0, 2),
            "spot": (0, SIZE - 1),
            "timer": (0, RESET),
        },
        roles={
            "pos": "player.position",
            "facing": "player.facing",
            "ground": "map",
            "alive": "entity.alive",
            "kind": "entity.kind",
            "spot": "entity.position",
            "timer": "entity.timer",
        },
    )


def _induce(schema, batch, object_moves=True):
    from symworld.induction import InductionSettings, induce

    settings = InductionSettings(fit=False, object_moves=object_moves)
    return induce(
        schema,
        batch.states,
        batch.actions,
        batch.next_states,
        num_actions=5,
        seed=0,
        settings=settings,
    )


@pytest.fixture(scope="module")
def herd():
    env = Herd()
    schema = herd_schema(env)
    batch = random_transitions(env, 1200, 7)
    return env, schema, batch, _induce(schema, batch)


def _writing(result, attribute):
    library = load_module_text(result.module).library()
    return [law for law in library if attribute in law.writes]


def test_induction_object_rows_mirror_grid_is_found(herd):
    _, _, _, result = herd
    assert result.geometry.mirror.name == "who"
    assert result.geometry.mirror_empty == EMPTY


def test_induction_object_rows_timer_counts_down(herd):
    """One law counts every running clock down; on fresh transitions it speaks
    about exactly the clocks whose timer is above 0 and predicts their next
    value."""
    env, _, _, result = herd
    (law,) = [
        law
        for law in _writing(result, "timer")
        if law.name.startswith("kind_") and "minus_1" in law.name
    ]
    assert law.name.startswith("kind_2_timer_minus_1_when_row_kind_2")
    fresh = random_transitions(env, 300, 11)

    def predict(state, action):
        distribution = law.effect(state, action)["timer"]
        return (
            law.precondition(state, action),
            distribution.values[0],
            (jnp.broadcast_to(distribution.where, (ROWS,))),
        )

    applies, values, where = jax.vmap(predict)(fresh.states, fresh.actions)
    kind = np.asarray(fresh.states.kind)
    timer = np.asarray(fresh.states.timer)
    expected = (kind == CLOCK) & (timer > 0)
    assert np.asarray(where).tolist() == expected.tolist()
    assert np.asarray(applies).tolist() == expected.any(axis=1).tolist()
    truth = np.asarray(fresh.next_states.timer)
    assert np.asarray(values)[expected].tolist() == truth[expected].tolist()


def test_induction_object_rows_drifters_move(herd):
    """One law moves every drifter: stay or one of the four steps, each seen
    step a support value, with observed frequencies that match an independent
    count; on fresh transitions each drifter's true next cell is one of the
    law's ends, and the mirror grid's true values are in the law's support
    wherever it speaks."""
    env, _, batch, result = herd
    moves = [law for law in _writing(result, "spot") if "kind_1" in law.name]
    assert len(moves) == 1
    (law,) = moves
    assert law.writes == ("spot", "who")
    assert len(law.parameters) == 1 and law.parameters[0].size == 5
    # the step frequency stated in the docstring against a count in the data
    spot = np.asarray(batch.states.spot)
    after = np.asarray(batch.next_states.spot)
    drifters = (np.asarray(batch.states.kind) == DRIFTER) & (
        np.asarray(batch.next_states.clock)[:, None] > 0
    )
    stepped = np.abs(after - spot).sum(axis=2) == 1
    rate = stepped[drifters].mean()
    stays = re.search(r"\(0, 0\): ([0-9.]+)", " ".join(type(law).__doc__.split()))
    assert abs((1 - float(stays.group(1))) - rate) < 0.01

    fresh = random_transitions(env, 300, 12)

    def predict(state, action):
        effect = law.effect(state, action)
        return (
            jnp.stack(effect["spot"].values),
            effect["spot"].sites,
            effect["spot"].where,
            jnp.stack(effect["who"].values),
            effect["who"].sites,
            effect["who"].where,
        )

    ends, sites, where, cells, cell_sites, cell_where = (
        np.asarray(x) for x in jax.vmap(predict)(fresh.states, fresh.actions)
    )
    truth = np.asarray(fresh.next_states.spot).reshape(300, -1)
    who = np.asarray(fresh.next_states.who).reshape(300, -1)
    ended = np.asarray(fresh.next_states.clock) == 0  # a reset, not a step
    kinds = np.asarray(fresh.states.kind)
    checked = 0
    for t in np.flatnonzero(~ended):
        spoken = sites[t][where[t]]
        rows = sorted(set((spoken // 2).tolist()))
        assert rows == np.flatnonzero(kinds[t] == DRIFTER).tolist()
        for j in np.flatnonzero(where[t]):
            assert truth[t, sites[t, j]] in ends[t, :, j].tolist()
        for j in np.flatnonzero(cell_where[t]):
            assert who[t, cell_sites[t, j]] in cells[t, :, j].tolist()
            checked += 1
    assert checked > 300 * 3


def test_induction_object_rows_are_deterministic(herd):
    _, schema, batch, result = herd
    assert _induce(schema, batch).module == result.module


def test_induction_object_rows_moves_are_off_by_default(herd):
    """Without ``object_moves`` the timer laws stay and no law moves a row."""
    _, schema, batch, _ = herd
    result = _induce(schema, batch, object_moves=False)
    assert result.geometry.mirror is None
    assert not _writing(result, "who")
    assert [
        law.name for law in _writing(result, "timer") if law.name.startswith("kind_2")
    ]
