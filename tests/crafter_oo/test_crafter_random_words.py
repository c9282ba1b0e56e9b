"""Counter-mode random words: reproducible, and uniforms as jax.random makes them."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy import stats

from symworld.envs.crafter_oo import random_words


def test_unit_uniforms_equal_jax_random_uniform_of_the_same_bits():
    """``jax.random.uniform`` is ``unit_uniforms`` of ``jax.random.bits`` of the
    same key: the conversion is JAX's own."""
    for seed in range(3):
        key = jax.random.key(seed)
        np.testing.assert_array_equal(
            np.asarray(random_words.unit_uniforms(jax.random.bits(key, (4096,)))),
            np.asarray(jax.random.uniform(key, (4096,))),
        )


def test_counter_words_are_reproducible_and_differ_by_key_and_counter():
    words = jax.jit(random_words.counter_words, static_argnums=2)
    pair = random_words.key_pair(jax.random.key(0))
    other = random_words.key_pair(jax.random.key(1))
    first = np.asarray(words(pair, 0, 96))
    np.testing.assert_array_equal(first, np.asarray(words(pair, 0, 96)))
    later = np.asarray(words(pair, 96, 96))
    by_other = np.asarray(words(other, 0, 96))
    assert len(np.unique(np.concatenate([first, later, by_other]))) == 3 * 96


def test_counter_words_bits_are_fair_and_uniforms_uniform():
    """Every bit position is set half of the time (binomial test) and the
    uniforms pass a Kolmogorov-Smirnov test, both at alpha = 0.001."""
    pairs = jax.vmap(random_words.key_pair)(jax.random.split(jax.random.key(7), 200))
    words = np.asarray(
        jax.jit(jax.vmap(lambda pair: random_words.counter_words(pair, 0, 500)))(pairs)
    ).ravel()
    n = words.size
    for bit in range(32):
        ones = int(((words >> bit) & 1).sum())
        assert stats.binomtest(ones, n, 0.5).pvalue > 0.001, bit
    uniforms = np.asarray(random_words.unit_uniforms(jnp.asarray(words)))
    assert stats.kstest(uniforms, "uniform").pvalue > 0.001
