"""The switches scenario suite: each switch's mechanic, success and failure."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from symworld.envs.switches.core import FLIP, NOOP, SwitchesState
from symworld.evaluation.scenarios import Scenario, constant_policy


def _start(toggle: int, fixed: int):
    def setup(key: jax.Array) -> SwitchesState:
        coin = jax.random.bernoulli(key, 0.5).astype(jnp.int32)
        return SwitchesState(
            toggle=jnp.int32(toggle), coin=coin, fixed=jnp.int32(fixed), time=jnp.int32(0)
        )

    return setup


def scenarios() -> list[Scenario]:
    """Toggle flipped (success) or left alone (failure) from both positions, the
    coin redrawn, and the fixed switch held while flipping (failure: it must not
    follow the toggle)."""
    return [
        Scenario("toggle_flip_off", "success", _start(1, 0), constant_policy(FLIP), 1),
        Scenario("toggle_flip_off", "failure", _start(1, 0), constant_policy(NOOP), 1),
        Scenario("toggle_flip_on", "success", _start(0, 1), constant_policy(FLIP), 1),
        Scenario("toggle_flip_on", "failure", _start(0, 1), constant_policy(NOOP), 1),
        Scenario("toggle_repeated", "success", _start(0, 0), constant_policy(FLIP), 5),
        Scenario("coin_redraw", "only", _start(0, 0), constant_policy(NOOP), 10),
        Scenario("fixed_holds", "failure", _start(0, 1), constant_policy(FLIP), 5),
    ]
