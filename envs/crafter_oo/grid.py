"""Small lookups on the 64 x 64 world shared by every rule (all jittable).

Positions are ``int32[2]`` ``(x, y)``; maps are indexed ``[x, y]``. Reads outside the
map return the original's "nothing there" values (material 0, no object).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo.state import EMPTY

DIRECTIONS = jnp.asarray(rules.DIRECTIONS)  # int32[4, 2]


def inside(pos: jax.Array) -> jax.Array:
    """True where ``pos`` (``int32[..., 2]``) lies on the map."""
    area = jnp.asarray(rules.AREA, jnp.int32)
    return jnp.all((pos >= 0) & (pos < area), axis=-1)


def _clipped(pos: jax.Array) -> tuple[jax.Array, jax.Array]:
    return (
        jnp.clip(pos[..., 0], 0, rules.AREA[0] - 1),
        jnp.clip(pos[..., 1], 0, rules.AREA[1] - 1),
    )


def material_at(material: jax.Array, pos: jax.Array) -> jax.Array:
    """Material id at ``pos`` as int32; 0 (unknown) outside the map."""
    value = material[_clipped(pos)].astype(jnp.int32)
    return jnp.where(inside(pos), value, rules.UNKNOWN)


def occupant_at(occupant: jax.Array, pos: jax.Array) -> jax.Array:
    """Occupant at ``pos`` as int32 (-1 empty, -2 player, slot); -1 outside the map."""
    value = occupant[_clipped(pos)].astype(jnp.int32)
    return jnp.where(inside(pos), value, EMPTY)


def is_in(value: jax.Array, members: tuple[int, ...]) -> jax.Array:
    """True where ``value`` equals one of ``members`` (a static tuple)."""
    result = jnp.zeros(jnp.shape(value), bool)
    for member in members:
        result = result | (value == member)
    return result


def distance(a: jax.Array, b: jax.Array) -> jax.Array:
    """L1 distance between positions (int32)."""
    return jnp.abs(a - b).sum(-1)


def toward(source: jax.Array, target: jax.Array, long_axis: jax.Array) -> jax.Array:
    """The original's ``toward``: one unit step from ``source`` toward ``target``.

    With ``long_axis`` it steps along the axis of larger offset (ties: y axis);
    otherwise along the other axis (ties: x axis). A zero offset on the chosen axis
    gives the zero step. Returns ``int32[2]``.
    """
    offset = target - source
    dists = jnp.abs(offset)
    use_x = jnp.where(long_axis, dists[0] > dists[1], dists[0] <= dists[1])
    sign = jnp.sign(offset)
    return jnp.where(use_x, jnp.stack([sign[0], 0]), jnp.stack([0, sign[1]])).astype(
        jnp.int32
    )


def direction_index(step: jax.Array) -> jax.Array:
    """Index into ``rules.DIRECTIONS`` of a unit step ``int32[2]`` (0 if zero)."""
    dx, dy = step[0], step[1]
    return jnp.select([dx < 0, dx > 0, dy < 0, dy > 0], [0, 1, 2, 3], 0).astype(
        jnp.int32
    )


def chunk_of(pos: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Chunk coordinates (cx, cy) of a position, clipped onto the chunk grid."""
    cx = jnp.clip(pos[..., 0] // rules.CHUNK_SIZE[0], 0, rules.NUM_CHUNKS[0] - 1)
    cy = jnp.clip(pos[..., 1] // rules.CHUNK_SIZE[1], 0, rules.NUM_CHUNKS[1] - 1)
    return cx, cy


def prefix_sum(values: jax.Array, axis: int = -1) -> jax.Array:
    """Inclusive cumulative sum along ``axis`` (int32 for bool/int input).

    Same result as ``jnp.cumsum``, computed as an associative scan (``log2 n``
    passes): XLA on a CPU lowers ``cumsum`` to a reduce-window whose cost is
    quadratic in the length (a 256-long cumsum costs 65,536 additions).
    """
    if values.dtype == bool or jnp.issubdtype(values.dtype, jnp.integer):
        values = values.astype(jnp.int32)
    return jax.lax.associative_scan(jnp.add, values, axis=axis)
