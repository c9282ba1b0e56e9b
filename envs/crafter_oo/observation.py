"""Symbolic observations of a Crafter-OO state (jittable).

The local view is the original's 9 x 7 window centred on the player (4 cells left
and right, 3 up and down), indexed ``[dx + 4, dy + 3]`` like the world map
``[x, y]``. Cells outside the world read material 0 and no object.

Keys of the local observation:

=================  ==============  ===================================================
``material``       uint8[9, 7]     material ids (``rules.MATERIALS``, 0 off-map)
``objects``        uint8[9, 7]     object kinds (``rules.OBJECT_KINDS``: 0 none,
                                   1 player, 2 cow, 3 zombie, 4 skeleton, 5 arrow,
                                   6 plant)
``inventory``      int32[16]       counts in ``rules.ITEMS`` order (health first)
``vitals``         int32[4]        health, food, drink, energy
``facing``         int32[]         0 left, 1 right, 2 up, 3 down
``sleeping``       int32[]         1 asleep, 0 awake
``daylight``       float32[1]      in [0, 1]
=================  ==============  ===================================================

With ``full=True`` the whole state is added: ``map_material`` uint8[64, 64],
``map_objects`` uint8[64, 64], ``player_pos`` int32[2], ``step`` int32[],
``achievements`` int32[22], and the object table ``object_alive`` int8[N],
``object_kind`` int8[N], ``object_pos`` int32[N, 2], ``object_health``,
``object_cooldown``, ``object_reload``, ``object_grown``, ``object_facing``
(int32[N]).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.state import PLAYER_OCCUPANT, CrafterState

HALF_WIDTH = rules.LOCAL_VIEW[0] // 2  # 4
HALF_HEIGHT = rules.LOCAL_VIEW[1] // 2  # 3


def object_map(state: CrafterState) -> jax.Array:
    """``uint8[64, 64]`` object kind per cell (0 none, 1 player, ...)."""
    occupant = state.occupant.astype(jnp.int32)
    kinds = state.objects.kind[jnp.clip(occupant, 0, state.objects.capacity - 1)]
    kinds = jnp.where(occupant >= 0, kinds.astype(jnp.int32), rules.NO_OBJECT)
    kinds = jnp.where(occupant == PLAYER_OCCUPANT, rules.PLAYER, kinds)
    return kinds.astype(jnp.uint8)


def local_window(grid: jax.Array, center: jax.Array) -> jax.Array:
    """The 9 x 7 window of ``grid`` ([64, 64]) centred on ``center``; off-map = 0."""
    padded = jnp.pad(grid, ((HALF_WIDTH, HALF_WIDTH), (HALF_HEIGHT, HALF_HEIGHT)))
    return jax.lax.dynamic_slice(padded, (center[0], center[1]), rules.LOCAL_VIEW)


def observe(state: CrafterState, full: bool = False) -> dict[str, jax.Array]:
    """The symbolic observation dict described in the module docstring."""
    player = state.player
    objects = object_map(state)
    obs = {
        "material": local_window(state.material, player.pos),
        "objects": local_window(objects, player.pos),
        "inventory": player.inventory.astype(jnp.int32),
        "vitals": player.inventory[:4].astype(jnp.int32),
        "facing": player.facing.astype(jnp.int32),
        "sleeping": player.sleeping.astype(jnp.int32),
        "daylight": jnp.reshape(state.daylight, (1,)).astype(jnp.float32),
    }
    if full:
        table = state.objects
        obs.update(
            map_material=state.material,
            map_objects=objects,
            player_pos=player.pos.astype(jnp.int32),
            step=state.step.astype(jnp.int32),
            achievements=player.achievements.astype(jnp.int32),
            object_alive=table.alive.astype(jnp.int8),
            object_kind=table.kind.astype(jnp.int8),
            object_pos=table.pos.astype(jnp.int32),
            object_health=table.health.astype(jnp.int32),
            object_cooldown=table.cooldown.astype(jnp.int32),
            object_reload=table.reload.astype(jnp.int32),
            object_grown=table.grown.astype(jnp.int32),
            object_facing=table.facing.astype(jnp.int32),
        )
    return obs


def semantic_map(state: CrafterState) -> jax.Array:
    """The original's ``info["semantic"]``: ``uint8[64, 64]`` material ids with
    objects drawn over them as 12 + kind (player 13 ... plant 18)."""
    objects = object_map(state)
    return jnp.where(
        objects > 0, objects + rules.SEMANTIC_OFFSET, state.material
    ).astype(jnp.uint8)
