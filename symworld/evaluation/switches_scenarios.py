"""The switches scenario suite: each switch's mechanic, success and failure."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from symworld.envs.switches.core import FLIP, NOOP, SwitchesState
from symworld.evaluation.mutators import AttributeMutator, Mutator, ShiftMutator
from symworld.evaluation.scenarios import Scenario, constant_policy


def _start(toggle: int, fixed: int):
    def setup(key: jax.Array) -> SwitchesState:
        coin = jax.random.bernoulli(key, 0.5).astype(jnp.int32)
        return SwitchesState(
            toggle=jnp.int32(toggle),
            coin=coin,
            fixed=jnp.int32(fixed),
            time=jnp.int32(0),
        )

    return setup


def scenarios() -> list[Scenario]:
    """Toggle flipped (success) or left alone (failure) from both positions, the
    fixed switch held while flipping (failure: it must not follow the toggle), and
    the coin redrawn. The toggle scenarios ignore the independent coin when
    matching candidates; the coin scenario shows the chance level of a fair coin."""
    flip, noop = constant_policy(FLIP), constant_policy(NOOP)
    coin = ("coin",)
    return [
        Scenario("toggle_flip_off", "success", _start(1, 0), flip, 1, ignore=coin),
        Scenario("toggle_flip_off", "failure", _start(1, 0), noop, 1, ignore=coin),
        Scenario("toggle_flip_on", "success", _start(0, 1), flip, 1, ignore=coin),
        Scenario("toggle_flip_on", "failure", _start(0, 1), noop, 1, ignore=coin),
        Scenario("toggle_repeated", "success", _start(0, 0), flip, 5, ignore=coin),
        Scenario("fixed_holds", "failure", _start(0, 1), flip, 5, ignore=coin),
        Scenario("coin_redraw", "only", _start(0, 0), noop, 10),
    ]


def mutators() -> tuple[Mutator, ...]:
    """Distractors: the toggle, the fixed switch or the coin read the other value;
    the clock is off by 1-3."""
    return (
        AttributeMutator("toggle", "switch", role="switch.deterministic"),
        AttributeMutator("fixed", "switch", role="switch.static"),
        AttributeMutator("coin", "switch", role="switch.random"),
        ShiftMutator("clock", "clock", role="clock"),
    )
