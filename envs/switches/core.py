"""Pure JAX dynamics of the switches world."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

COIN_PROBABILITY = 0.5  # chance that the coin switch reads 1 after any step
NOOP, FLIP = 0, 1  # the two actions


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class SwitchesState:
    """State of the switches world; every field is an int32 scalar.

    - ``toggle``: 0/1, flipped by action 1.
    - ``coin``: 0/1, redrawn every step with probability 0.5 of 1.
    - ``fixed``: 0/1, never changes after reset.
    - ``time``: steps taken since reset.
    """

    toggle: jax.Array
    coin: jax.Array
    fixed: jax.Array
    time: jax.Array


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class SwitchesParams:
    """``max_steps``: the step at which an episode is truncated (int32 scalar)."""

    max_steps: jax.Array


class Switches:
    """The switches world as a functional environment (see
    :class:`symworld.functional.FunctionalEnv`). Actions: 0 = no-op, 1 = flip the
    toggle switch. Reward: 1.0 when the toggle switch is on after the step."""

    num_actions = 2
    default_params = SwitchesParams(max_steps=jnp.int32(100))

    def reset(
        self, key: jax.Array, params: SwitchesParams | None = None
    ) -> SwitchesState:
        bits = jax.random.bernoulli(key, 0.5, (3,)).astype(jnp.int32)
        return SwitchesState(
            toggle=bits[0], coin=bits[1], fixed=bits[2], time=jnp.int32(0)
        )

    def step(
        self,
        state: SwitchesState,
        action: jax.Array,
        key: jax.Array,
        params: SwitchesParams | None = None,
    ) -> tuple[SwitchesState, dict[str, jax.Array]]:
        params = self.default_params if params is None else params
        flip = (jnp.asarray(action) == FLIP).astype(jnp.int32)
        coin = jax.random.bernoulli(key, COIN_PROBABILITY).astype(jnp.int32)
        following = SwitchesState(
            toggle=state.toggle ^ flip,
            coin=coin,
            fixed=state.fixed,
            time=state.time + 1,
        )
        info = {
            "reward": following.toggle.astype(jnp.float32),
            "terminated": jnp.bool_(False),
            "truncated": following.time >= params.max_steps,
        }
        return following, info

    def observation(
        self, state: SwitchesState, params: SwitchesParams | None = None
    ) -> jax.Array:
        """``int8[3]``: toggle, coin, fixed."""
        return jnp.stack([state.toggle, state.coin, state.fixed]).astype(jnp.int8)

    def transition_log_prob(
        self,
        state: SwitchesState,
        action: jax.Array,
        next_state: SwitchesState,
        params: SwitchesParams | None = None,
    ) -> jax.Array:
        """Exact log-probability of a transition (float32 scalar)."""
        flip = (jnp.asarray(action) == FLIP).astype(jnp.int32)
        possible = (
            (next_state.toggle == state.toggle ^ flip)
            & (next_state.fixed == state.fixed)
            & (next_state.time == state.time + 1)
            & ((next_state.coin == 0) | (next_state.coin == 1))
        )
        coin_log_prob = jnp.where(
            next_state.coin == 1,
            jnp.log(COIN_PROBABILITY),
            jnp.log1p(-COIN_PROBABILITY),
        )
        return jnp.where(possible, coin_log_prob, -jnp.inf).astype(jnp.float32)
