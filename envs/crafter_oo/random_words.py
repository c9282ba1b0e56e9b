"""Random words in counter mode: many draws from one key at half the hashing.

``jax.random.bits`` and ``jax.random.uniform`` (with JAX's default partitionable
threefry) make each 32-bit word from its own Threefry-2x32 hash and keep one of its
two output words. The hot loops of a step (the object updates and chunk balancing)
draw tens of thousands of words per step, so they instead take two words of their
key once (:func:`key_pair`) and hash counters in pairs with
``jax.extend.random.threefry_2x32``: word ``c`` comes from counter ``c``, every hash
gives two words, and the same key and counters always give the same words.

:func:`unit_uniforms` turns words into uniforms in [0, 1) exactly as
``jax.random.uniform`` turns its bits into float32 (the top 23 bits as the mantissa
of a float in [1, 2), minus 1), so the distributions are those of
``jax.random.uniform``.
"""

from __future__ import annotations

import jax
import jax.extend
import jax.numpy as jnp

MANTISSA_BITS = 23  # of a float32
ONE = 0x3F800000  # the bits of float32 1.0


def key_pair(key: jax.Array) -> jax.Array:
    """``uint32[2]``: the Threefry key pair drawn from ``key`` (any PRNG
    implementation)."""
    return jax.random.bits(key, (2,), jnp.uint32)


def counter_words(pair: jax.Array, start: jax.Array | int, size: int) -> jax.Array:
    """``uint32[size]``: the words of counters ``start .. start + size - 1`` under
    the key ``pair`` (``uint32[2]``).

    The counters are hashed in pairs (counter ``start + i`` with
    ``start + size / 2 + i``), so a word depends on ``start`` and ``size``; callers
    use fixed ones per draw.
    """
    counters = jnp.asarray(start, jnp.uint32) + jnp.arange(size, dtype=jnp.uint32)
    return jax.extend.random.threefry_2x32((pair[0], pair[1]), counters)


def unit_uniforms(words: jax.Array) -> jax.Array:
    """``float32`` uniforms in [0, 1) (same shape as ``words``), as
    ``jax.random.uniform`` makes them from its bits."""
    mantissa = (words >> (32 - MANTISSA_BITS)) | jnp.uint32(ONE)
    return jax.lax.bitcast_convert_type(mantissa, jnp.float32) - 1.0
