"""Laws of the switches world (``symworld/Switches-v0``), correct and wrong.

The correct laws describe the world completely: action 1 flips ``toggle`` and
action 0 keeps it; ``coin`` is redrawn each step with a learnable probability;
``fixed`` never changes; ``time`` counts steps. The wrong laws are plausible but
false; a fitted model should give each of them a weight near zero.
"""

from __future__ import annotations

import jax.numpy as jnp

from symworld.envs.switches.core import FLIP, NOOP, Switches
from symworld.programs import Law, Probability, Schema, bernoulli, change, point

ENV_ID = "symworld/Switches-v0"
MAX_TIME = 10_000  # the largest time step the schema admits


def schema(env: Switches | None = None) -> Schema:
    """The attribute schema: three 0/1 switches and the step counter."""
    import jax

    env = env or Switches()
    state = env.reset(jax.random.key(0))
    return Schema.from_state(
        ENV_ID,
        state,
        {"toggle": (0, 1), "coin": (0, 1), "fixed": (0, 1), "time": (0, MAX_TIME)},
        roles={
            "toggle": "switch.deterministic",
            "coin": "switch.random",
            "fixed": "switch.static",
            "time": "clock",
        },
        num_actions=env.num_actions,
    )


# -- correct laws -------------------------------------------------------------------
class ToggleFlips(Law):
    """When the action is flip (1), the toggle switch takes the other value."""

    name = "toggle_flips"
    writes = ("toggle",)

    def precondition(self, state, action):
        return action == FLIP

    def effect(self, state, action):
        return {"toggle": point(1 - state.toggle)}


class ToggleHolds(Law):
    """When the action is no-op (0), the toggle switch keeps its value."""

    name = "toggle_holds"
    writes = ("toggle",)

    def precondition(self, state, action):
        return action == NOOP

    def effect(self, state, action):
        return {"toggle": point(state.toggle)}


class CoinIsRandom(Law):
    """Every step the coin switch reads 1 with a learnable probability."""

    name = "coin_is_random"
    writes = ("coin",)
    parameters = (Probability("heads", prior=(2.0, 2.0), init=0.3),)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"coin": bernoulli(self.param("heads"))}


class FixedIsStatic(Law):
    """The fixed switch never changes."""

    name = "fixed_is_static"
    writes = ("fixed",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"fixed": point(state.fixed)}


class ClockTicks(Law):
    """Every step the time counter grows by one."""

    name = "clock_ticks"
    writes = ("time",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"time": change(state.time, 1, high=MAX_TIME)}


# -- wrong laws ---------------------------------------------------------------------
class ToggleIgnoresFlip(Law):
    """WRONG: the toggle switch keeps its value even when flipped."""

    name = "wrong_toggle_ignores_flip"
    writes = ("toggle",)

    def precondition(self, state, action):
        return action == FLIP

    def effect(self, state, action):
        return {"toggle": point(state.toggle)}


class ToggleFlipsAlways(Law):
    """WRONG: the toggle switch flips on every step, whatever the action."""

    name = "wrong_toggle_flips_always"
    writes = ("toggle",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"toggle": point(1 - state.toggle)}


class CoinCopiesToggle(Law):
    """WRONG: the coin switch copies the toggle switch."""

    name = "wrong_coin_copies_toggle"
    writes = ("coin",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"coin": point(state.toggle)}


class CoinIsSticky(Law):
    """WRONG: the coin switch keeps its value."""

    name = "wrong_coin_is_sticky"
    writes = ("coin",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"coin": point(state.coin)}


class FixedFlipsWithToggle(Law):
    """WRONG: flipping also flips the fixed switch."""

    name = "wrong_fixed_flips"
    writes = ("fixed",)

    def precondition(self, state, action):
        return action == FLIP

    def effect(self, state, action):
        return {"fixed": point(1 - state.fixed)}


class FixedIsRandom(Law):
    """WRONG: the fixed switch is redrawn at random (p = 0.5) each step."""

    name = "wrong_fixed_is_random"
    writes = ("fixed",)

    def precondition(self, state, action):
        return jnp.bool_(True)

    def effect(self, state, action):
        return {"fixed": bernoulli(0.5)}


def correct_laws() -> list[Law]:
    """The complete, correct law set."""
    return [ToggleFlips(), ToggleHolds(), CoinIsRandom(), FixedIsStatic(), ClockTicks()]


def wrong_laws() -> list[Law]:
    """Plausible but false laws."""
    return [
        ToggleIgnoresFlip(),
        ToggleFlipsAlways(),
        CoinCopiesToggle(),
        CoinIsSticky(),
        FixedFlipsWithToggle(),
        FixedIsRandom(),
    ]


def library() -> list[Law]:
    """The full library: correct and wrong laws together."""
    return correct_laws() + wrong_laws()


CORRECT = tuple(law.name for law in correct_laws())
WRONG = tuple(law.name for law in wrong_laws())
