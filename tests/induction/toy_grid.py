"""A toy grid world with its own names and codes (not Crafter's), for the induction
tests: the inducer must find its mechanics knowing nothing of the environment."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from symworld.induction import ExplorationHints
from symworld.induction.exploration import _GridExplorer, _Layout
from symworld.programs import Schema

LEFT, RIGHT, UP, DOWN, COLLECT, PLACE = range(6)
GRASS, TREE, ROCK, TABLE = 1, 2, 3, 4
STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def step_info(terminated=False, truncated=False) -> dict:
    """The ``info`` dict of a toy environment's step: no reward, the two flags."""
    return {
        "reward": jnp.float32(0),
        "terminated": jnp.asarray(terminated, bool),
        "truncated": jnp.asarray(truncated, bool),
    }


def toy_explorer(
    schema: Schema,
    num_actions: int,
    hints: ExplorationHints | None = None,
    moves: tuple[tuple[int, int], ...] = (),
    walkable: tuple[int, ...] = (),
) -> _GridExplorer:
    """The explorer's memory on a toy schema (random generator seed 0), with what
    it measures in its first steps given: actions ``0..len(moves) - 1`` move by
    ``moves`` (10 uses each), the player facing ``moves[0]``, and the ``walkable``
    grid values."""
    hints = ExplorationHints() if hints is None else hints
    explorer = _GridExplorer(
        _Layout(schema, hints), num_actions, hints, np.random.default_rng(0)
    )
    for action, step in enumerate(moves):
        explorer.action_steps[action][step] = 10
        explorer.uses[action] = 10
    if moves:
        explorer.facing_steps[0][moves[0]] = 10
    explorer.walkable = set(walkable)
    return explorer


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class GridState:
    pos: jax.Array  # int32[2]
    facing: jax.Array  # int32
    grid: jax.Array  # int32[8, 8]
    wood: jax.Array  # int32


class GridWorld:
    """A toy grid world with its own names and codes (not Crafter's): moves are
    blocked by trees, rocks and tables; collecting faces a tree and gives wood;
    placing puts a table on faced grass for one wood."""

    num_actions = 6
    default_params = None

    def reset(self, key, params=None):
        grid = jax.random.choice(
            key, jnp.array([GRASS] * 4 + [TREE] * 2 + [ROCK]), (8, 8)
        ).astype(jnp.int32)
        grid = grid.at[4, 4].set(GRASS)
        return GridState(jnp.array([4, 4], jnp.int32), jnp.int32(3), grid, jnp.int32(0))

    def step(self, state, action, key, params=None):
        steps = jnp.asarray(STEPS, jnp.int32)
        moving = action < 4
        facing = jnp.where(moving, action, state.facing)
        target = jnp.clip(state.pos + steps[facing], 0, 7)
        material = state.grid[target[0], target[1]]
        free = (material == GRASS) & jnp.any(target != state.pos)
        pos = jnp.where(moving & free, target, state.pos)
        collect = (action == COLLECT) & (material == TREE)
        place = (action == PLACE) & (material == GRASS) & (state.wood >= 1)
        wood = jnp.clip(
            state.wood + collect.astype(jnp.int32) - place.astype(jnp.int32), 0, 9
        )
        grid = jnp.where(
            place, state.grid.at[target[0], target[1]].set(TABLE), state.grid
        )
        following = GridState(pos, facing, grid, wood)
        return following, step_info()


def grid_schema(env: GridWorld) -> Schema:
    state = env.reset(jax.random.key(0))
    return Schema.from_state(
        "toy/GridWorld-v0",
        state,
        {"pos": (0, 7), "facing": (0, 3), "grid": (0, 4), "wood": (0, 9)},
        roles={
            "pos": "player.position",
            "facing": "player.facing",
            "grid": "map",
            "wood": "inventory.material",
        },
    )
