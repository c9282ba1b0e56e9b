"""The Crafter-OO state: one pytree of fixed shapes.

Layout (``N`` = object capacity, 256 by default; maps are indexed ``[x, y]``):

``CrafterState``

==================  =================  ===============================================
field               dtype[shape]       meaning
==================  =================  ===============================================
``material``        uint8[64, 64]      material id per cell (``rules.MATERIALS``, 1..12)
``occupant``        int16[64, 64]      -1 empty, -2 the player, k >= 0 object slot k
``chunk_seen``      bool[6, 6]         chunk ever held an object (balanced iff True)
``player``          ``PlayerState``    see below
``objects``         ``ObjectTable``    see below
``step``            int32[]            steps taken since reset
``daylight``        float32[]          daylight after ``step`` steps, in [0, 1]
``last_health``     int32[]            health at the end of the previous step (reward)
``next_order``      int32[]            creation stamp the next new object receives
``overflow``        int32[]            objects dropped because the table was full
==================  =================  ===============================================

``PlayerState``

==================  =================  ===============================================
``pos``             int32[2]           (x, y); starts at (32, 32)
``facing``          int32[]            0 left, 1 right, 2 up, 3 down
``sleeping``        bool[]             asleep
``inventory``       int32[16]          counts in ``rules.ITEMS`` order, each in [0, 9]
``achievements``    int32[22]          counts in ``rules.ACHIEVEMENTS`` order
``hunger``          int32[]            half-units (the original's value times 2)
``thirst``          int32[]            half-units
``fatigue``         int32[]            whole units (the original moves it by 1)
``recover``         int32[]            half-units
``last_health``     int32[]            health at the end of its previous update (wakes
                                       the player when it drops)
==================  =================  ===============================================

``ObjectTable`` (struct of arrays; a slot is meaningful only where ``alive``)

==================  =================  ===============================================
``alive``           bool[N]            slot holds a living object
``kind``            int8[N]            ``rules.COW``/``ZOMBIE``/``SKELETON``/``ARROW``/
                                       ``PLANT`` (2..6), 0 for empty slots
``pos``             int32[N, 2]        (x, y)
``health``          int32[N]           cow 3, zombie 5, skeleton 3, plant 1, arrow 0
``cooldown``        int32[N]           zombie attack cooldown (0..5)
``reload``          int32[N]           skeleton reload (0..4)
``grown``           int32[N]           plant growth (ripe when > 300)
``facing``          int32[N]           arrow direction index (0..3)
``order``           int32[N]           creation stamp: objects update in this order
==================  =================  ===============================================

The player is not in the object table; it is always updated first, as in the
original, where it is the first object ever added to the world.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from symworld.envs.crafter_oo import rules

EMPTY = -1  # occupant of a cell without an object
PLAYER_OCCUPANT = -2  # occupant of the player's cell


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class CrafterParams:
    """Dynamic parameters (may vary under ``vmap``).

    - ``episode_length``: int32 scalar; the step at which an episode is truncated
      (10 000 in the original).
    """

    episode_length: jax.Array


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class PlayerState:
    """The player (see the module docstring for every field)."""

    pos: jax.Array
    facing: jax.Array
    sleeping: jax.Array
    inventory: jax.Array
    achievements: jax.Array
    hunger: jax.Array
    thirst: jax.Array
    fatigue: jax.Array
    recover: jax.Array
    last_health: jax.Array


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class ObjectTable:
    """Fixed-capacity table of the non-player objects (struct of arrays)."""

    alive: jax.Array
    kind: jax.Array
    pos: jax.Array
    health: jax.Array
    cooldown: jax.Array
    reload: jax.Array
    grown: jax.Array
    facing: jax.Array
    order: jax.Array

    @property
    def capacity(self) -> int:
        return self.alive.shape[-1]


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class CrafterState:
    """The whole game state (see the module docstring for every field)."""

    material: jax.Array
    occupant: jax.Array
    chunk_seen: jax.Array
    player: PlayerState
    objects: ObjectTable
    step: jax.Array
    daylight: jax.Array
    last_health: jax.Array
    next_order: jax.Array
    overflow: jax.Array


def default_params() -> CrafterParams:
    """The original's parameters: episodes truncated at 10 000 steps."""
    return CrafterParams(episode_length=jnp.int32(rules.EPISODE_LENGTH))


def empty_objects(capacity: int = rules.OBJECT_CAPACITY) -> ObjectTable:
    """An object table with every slot free."""
    zeros = jnp.zeros((capacity,), jnp.int32)
    return ObjectTable(
        alive=jnp.zeros((capacity,), bool),
        kind=jnp.zeros((capacity,), jnp.int8),
        pos=jnp.zeros((capacity, 2), jnp.int32),
        health=zeros,
        cooldown=zeros,
        reload=zeros,
        grown=zeros,
        facing=zeros,
        order=zeros,
    )


def initial_player() -> PlayerState:
    """The player at reset: (32, 32), facing down, awake, initial inventory."""
    return PlayerState(
        pos=jnp.array(rules.START, jnp.int32),
        facing=jnp.int32(rules.START_FACING),
        sleeping=jnp.bool_(False),
        inventory=jnp.asarray(rules.INITIAL_INVENTORY),
        achievements=jnp.zeros((rules.NUM_ACHIEVEMENTS,), jnp.int32),
        hunger=jnp.int32(0),
        thirst=jnp.int32(0),
        fatigue=jnp.int32(0),
        recover=jnp.int32(0),
        last_health=jnp.int32(rules.INITIAL_INVENTORY[rules.HEALTH]),
    )


def chunk_index(pos: jax.Array) -> jax.Array:
    """Chunk coordinates ``int32[..., 2]`` of cell positions ``int32[..., 2]``."""
    return pos // jnp.asarray(rules.CHUNK_SIZE, jnp.int32)


def occupancy(player_pos: jax.Array, objects: ObjectTable) -> jax.Array:
    """The ``occupant`` map implied by the player position and the object table.

    Dead slots are ignored. Returns ``int16[64, 64]``.
    """
    grid = jnp.full(rules.AREA, EMPTY, jnp.int16)
    slots = jnp.arange(objects.capacity, dtype=jnp.int16)
    xs = jnp.where(objects.alive, objects.pos[:, 0], rules.AREA[0])  # off-map: dropped
    grid = grid.at[xs, objects.pos[:, 1]].set(slots, mode="drop")
    return grid.at[player_pos[0], player_pos[1]].set(PLAYER_OCCUPANT)


def with_occupancy(state: CrafterState) -> CrafterState:
    """``state`` with ``occupant`` recomputed from the player and the object table."""
    return dataclasses.replace(
        state, occupant=occupancy(state.player.pos, state.objects)
    )


def daylight_table() -> np.ndarray:
    """``float32[10001]``: daylight after each step 0..10 000 (float64 formula)."""
    return rules.daylight_of(np.arange(rules.EPISODE_LENGTH + 1)).astype(np.float32)
