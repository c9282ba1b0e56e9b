"""Shared compiled Crafter-OO functions for the crafter_oo tests.

Compiling the step takes seconds on two CPU cores, so every test module uses the
session-scoped functions below. No persistent compilation cache: with one set
for the session (it is global to the process), three full runs on 2026-12-05
crashed inside JAX's compile-and-write-cache path (a segmentation fault or an
abort while serialising an executable of tests/laws/test_laws_focus.py, then a
segmentation fault in a later compile), and a cache shared between runs can
hold entries of another session's code.
"""

from __future__ import annotations

import jax
import pytest


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
