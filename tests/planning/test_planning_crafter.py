"""Crafter-OO navigation, tasks and options (hand-built worlds)."""

from __future__ import annotations

import collections
import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.envs.crafter_oo import CrafterOO, rules
from symworld.envs.crafter_oo import scenario as sc
from symworld.planning.crafter.navigation import (
    FAR,
    l1_distance_transform,
    step_toward,
)
from symworld.planning.crafter.options import CrafterOptions
from symworld.planning.crafter.tasks import GOALS, crafter_task
from symworld.planning.receding import ProgramAgent, run_functional_episode

A = rules.ACHIEVEMENT_IDS


def test_l1_distance_transform_matches_brute_force():
    rng = np.random.default_rng(0)
    for density in (0.02, 0.2):
        mask = rng.random((13, 17)) < density
        mask[3, 4] = True
        got = np.asarray(l1_distance_transform(jnp.asarray(mask)))
        points = np.argwhere(mask)
        cells = np.indices(mask.shape).reshape(2, -1).T
        expected = np.abs(cells[:, None, :] - points[None]).sum(-1).min(1)
        np.testing.assert_array_equal(got.ravel(), expected)
    empty = np.asarray(l1_distance_transform(jnp.zeros((5, 5), bool)))
    assert empty.min() >= FAR


def bfs_steps(walkable: np.ndarray, start, targets) -> int:
    """Moves to stand next to a target cell (independent numpy BFS)."""
    goal = set()
    for x, y in targets:
        for dx, dy in rules.DIRECTIONS:
            goal.add((x + dx, y + dy))
    seen = {tuple(start): 0}
    queue = collections.deque([tuple(start)])
    while queue:
        cell = queue.popleft()
        if cell in goal:
            return seen[cell]
        for dx, dy in rules.DIRECTIONS:
            nxt = (cell[0] + dx, cell[1] + dy)
            if walkable[nxt] and nxt not in seen:
                seen[nxt] = seen[cell] + 1
                queue.append(nxt)
    raise AssertionError("unreachable")


def test_walking_around_a_wall_takes_the_shortest_path():
    state = sc.blank_state("grass")
    state = sc.paint(state, "tree", (32, 38))
    # A stone wall between the player (32, 32) and the tree, open at x = 27.
    state = sc.paint_rect(state, "stone", (28, 35), (9, 1))
    state = sc.paint_rect(state, "lava", (31, 36), (3, 1))  # never walked through
    target = state.material == rules.TREE
    walkable = np.isin(np.asarray(state.material), rules.PLAYER_WALKABLE[:3])
    expected = bfs_steps(walkable, (32, 32), [(32, 38)])
    step = jax.jit(step_toward)
    moves = 0
    while True:
        result = step(state, target)
        assert bool(result.reachable)
        if bool(result.adjacent):
            break
        pos = state.player.pos + jnp.asarray(rules.DIRECTIONS)[result.direction]
        assert np.asarray(state.material)[pos[0], pos[1]] == rules.GRASS
        state = dataclasses.replace(
            state, player=dataclasses.replace(state.player, pos=pos)
        )
        moves += 1
        assert moves < 40
    assert moves == expected
    assert tuple(np.asarray(state.player.pos)) != (32, 32)


def test_tasks_success_and_potential():
    state = sc.blank_state("grass")
    state = sc.paint(state, "tree", (32, 36))  # L1 distance 4
    task = crafter_task("place_table")
    assert task.name == "place_table"
    assert not bool(task.success(state))
    # wood 0 < 2 needed: distance term 4 / 20.
    assert float(task.potential(state)) == pytest.approx(-0.2)
    state = sc.set_inventory(state, wood=5)
    assert float(task.potential(state)) == pytest.approx(2.0)  # capped at 2 wood
    state = sc.set_achievements(state, place_table=1)
    assert bool(task.success(state))
    assert float(task.potential(state)) == pytest.approx(12.0)
    # A baseline hides achievements already held at the start.
    baseline = np.zeros(rules.NUM_ACHIEVEMENTS, np.int32)
    baseline[A["place_table"]] = 1
    assert not bool(crafter_task("place_table", baseline).success(state))
    with pytest.raises(ValueError, match="unknown Crafter goal"):
        crafter_task("fly")
    assert len(GOALS) == 8


def test_object_targets_and_death_penalty():
    state = sc.blank_state("grass")
    state, _ = sc.add_object(state, "cow", (35, 32))
    task = crafter_task("eat_cow")
    assert int(task.distance(state)) == 3
    state = sc.set_inventory(state, health=0)
    assert float(task.potential(state)) == pytest.approx(-10.0 - 3 / 20)


def test_task_distance_is_the_distance_field_at_the_player():
    """``CrafterTask.distance`` (a window of material cells, objects from their
    positions) equals the capped field of ``l1_distance_transform(target_mask)``
    read at the player, also for imagined states with positions off the map
    (negative indices wrap, others clamp or drop, as the field and the mask do)."""
    env = CrafterOO()
    rng = np.random.default_rng(4)
    checked = collections.Counter()
    field_of = jax.jit(l1_distance_transform)
    tasks = {goal: crafter_task(goal) for goal in GOALS}
    # one compile per goal, not one dispatch per operation of every call (the
    # lambdas: a task holds arrays, so its bound methods do not hash)
    distance = {g: jax.jit(lambda s, t=t: t.distance(s)) for g, t in tasks.items()}
    mask = {g: jax.jit(lambda s, t=t: t.target_mask(s)) for g, t in tasks.items()}
    for seed in range(3):
        world = env.reset(jax.random.key(seed))
        objects = world.objects
        # a few living creatures of every kind near random spots, some off the map
        slots = rng.choice(objects.alive.shape[0], 24, replace=False)
        kinds = rng.choice([rules.COW, rules.ZOMBIE, rules.SKELETON], 24)
        spots = rng.integers(-70, 70, (24, 2))
        objects = dataclasses.replace(
            objects,
            alive=objects.alive.at[slots].set(True),
            kind=objects.kind.at[slots].set(kinds.astype(objects.kind.dtype)),
            pos=objects.pos.at[slots].set(jnp.asarray(spots, jnp.int32)),
        )
        for goal in GOALS:
            for pos in [rng.integers(0, 64, 2) for _ in range(6)] + [
                (-1, 5),
                (70, -3),
                (0, 63),
                (63, 0),
            ]:
                player = dataclasses.replace(
                    world.player, pos=jnp.asarray(pos, jnp.int32)
                )
                state = dataclasses.replace(world, objects=objects, player=player)
                field = field_of(mask[goal](state))
                expected = min(int(field[pos[0], pos[1]]), 20)
                assert int(distance[goal](state)) == expected, (seed, goal, pos)
                checked[expected == 20] += 1
    assert checked[False] > 50 and checked[True] > 10  # near targets and far ones


@pytest.fixture(scope="module")
def env():
    return CrafterOO()


@pytest.mark.slow
def test_option_program_makes_a_pickaxe_in_the_true_game(env):
    state = sc.blank_state("grass", step=0)
    state = sc.paint(state, "tree", (30, 34), (34, 31), (29, 29))
    library = CrafterOptions()
    program = library.program(
        ["collect_wood"] * 3 + ["place_table", "make_wood_pickaxe"]
    )
    task = crafter_task("make_wood_pickaxe")
    episode = run_functional_episode(
        env,
        ProgramAgent(library, program),
        task,
        key=jax.random.key(0),
        max_steps=60,
        state=state,
    )
    assert episode.success
    # Three trees, each a few steps away: fewer than 30 steps in all.
    assert episode.success_step < 30
    # Every action is a move, do, place_table or make_wood_pickaxe.
    allowed = {1, 2, 3, 4, rules.DO, rules.PLACE_TABLE, rules.MAKE_WOOD_PICKAXE}
    assert set(episode.actions) <= allowed
    assert episode.actions.count(rules.PLACE_TABLE) == 1
    assert episode.actions[-1] == rules.MAKE_WOOD_PICKAXE
