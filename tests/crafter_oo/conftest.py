"""Shared compiled Crafter-OO functions for the crafter_oo tests.

Compiling the step takes seconds on two CPU cores, so every test module uses the
session-scoped functions below, and identical programs compiled by different tests
(e.g. two gymnasium envs) hit JAX's persistent compilation cache. The cache folder
is new for each test session and removed after it, and only these tests write
to it: the setting is global to the process, and in two full runs JAX's cache
write crashed while serialising an executable of another test
(tests/laws/test_laws_focus.py, run after these in the same session; 2026-12-05:
a segmentation fault, then an abort, at the same line).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile

import jax
import pytest

_CACHE = tempfile.mkdtemp(prefix="symworld-crafter-oo-jax-cache-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
jax.config.update("jax_compilation_cache_dir", _CACHE)
_NEVER = 1e9  # seconds: no compile takes this long, so nothing is written
jax.config.update("jax_persistent_cache_min_compile_time_secs", _NEVER)


@pytest.fixture(autouse=True)
def _cache_writes():
    """Write compiled programs to the cache while a crafter_oo test runs (JAX
    reads this setting when it writes an entry)."""
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    yield
    jax.config.update("jax_persistent_cache_min_compile_time_secs", _NEVER)


@pytest.fixture(scope="session")
def crafter_env():
    from symworld.envs.crafter_oo import CrafterOO

    return CrafterOO()


@pytest.fixture(scope="session")
def crafter_reset(crafter_env):
    return jax.jit(crafter_env.reset)


@pytest.fixture(scope="session")
def crafter_step(crafter_env):
    return jax.jit(crafter_env.step)


@pytest.fixture(scope="session")
def crafter_rollout(crafter_env):
    """``rollout(state, actions int32[T], key) -> (final, states, infos)``; states and
    infos are stacked over the T steps."""

    def rollout(state, actions, key):
        keys = jax.random.split(key, actions.shape[0])

        def body(state, inputs):
            action, step_key = inputs
            state, info = crafter_env.step(state, action, step_key)
            return state, (state, info)

        final, (states, infos) = jax.lax.scan(body, state, (actions, keys))
        return final, states, infos

    return jax.jit(rollout)
