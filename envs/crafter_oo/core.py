"""``CrafterOO``: the pure, jittable Crafter 1.8.3 dynamics.

One step, in the original's order: advance the step counter and daylight, update the
player, update every object in range in creation order, balance the chunks every 10
steps, then compute reward, termination and truncation.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from symworld.envs.crafter_oo import balance, grid, observation, rules, worldgen
from symworld.envs.crafter_oo.creatures import update_objects
from symworld.envs.crafter_oo.player import update_player
from symworld.envs.crafter_oo.state import (
    CrafterParams,
    CrafterState,
    ObjectTable,
    daylight_table,
    default_params,
)

DAYLIGHT = jnp.asarray(daylight_table())


def advance(
    state: CrafterState,
    action: jax.Array,
    key: jax.Array,
    params: CrafterParams,
    with_balance: bool = True,
) -> tuple[CrafterState, dict[str, jax.Array]]:
    """One step of the game; see :meth:`CrafterOO.step`.

    With ``with_balance=False`` the chunk balancing of steps that are multiples of
    10 is left to the caller (:func:`step_batch` does it for the games that need
    it). Balancing changes neither health nor achievements, so reward,
    termination and truncation do not depend on it.
    """
    player_key, object_key, balance_key = jax.random.split(key, 3)
    step = state.step + 1
    state = dataclasses.replace(
        state, step=step, daylight=DAYLIGHT[balance.daylight_index(step)]
    )
    first_new = state.next_order
    achievements_before = state.player.achievements

    state = update_player(state, action, player_key)
    state = update_objects(state, object_key, first_new)
    if with_balance:
        state = balance_if_due(state, balance_key)

    health = state.player.inventory[rules.HEALTH]
    unlocked = (achievements_before == 0) & (state.player.achievements > 0)
    reward = (health - state.last_health).astype(
        jnp.float32
    ) * rules.HEALTH_REWARD_SCALE + jnp.where(
        jnp.any(unlocked), rules.UNLOCK_REWARD, 0.0
    )
    state = dataclasses.replace(state, last_health=health)
    terminated = health <= 0
    truncated = step >= params.episode_length
    info = {
        "reward": reward.astype(jnp.float32),
        "terminated": terminated,
        "truncated": truncated,
        "discount": 1.0 - terminated.astype(jnp.float32),
        "unlocked": unlocked,
        "inventory": state.player.inventory,
        "achievements": state.player.achievements,
        "overflow": state.overflow,
    }
    return state, info


def _balanced_fields(state: CrafterState) -> dict[str, jax.Array | ObjectTable]:
    """The fields of ``state`` that :func:`balance.balance` changes."""
    return {
        "objects": state.objects,
        "occupant": state.occupant,
        "overflow": state.overflow,
        "next_order": state.next_order,
    }


def step_batch(
    states: CrafterState,
    actions: jax.Array,
    keys: jax.Array,
    params: CrafterParams,
    chunk: int | None = None,
) -> tuple[CrafterState, dict[str, jax.Array]]:
    """``vmap`` of :func:`advance` over a batch, with the same results bit for bit.

    Under ``vmap`` a conditional runs both branches for every game, so instead of
    balancing inside each game's step, the games whose step is a multiple of 10
    are gathered ``chunk`` at a time (default ``n // 8``) and balanced together
    (:func:`balance_due`); the others pay nothing for it. (``jax.vmap`` of
    :func:`advance` balances the same way, through :func:`balance_if_due`'s
    batching rule; ``chunk`` is the one thing this adds.)
    """
    states, infos = jax.vmap(lambda s, a, k: advance(s, a, k, params, False))(
        states, actions, keys
    )
    balance_keys = jax.vmap(lambda key: jax.random.split(key, 3)[2])(keys)
    states = balance_due(states, balance_keys, chunk)
    infos["overflow"] = states.overflow
    return states, infos


def balance_due(
    states: CrafterState, keys: jax.Array, chunk: int | None = None
) -> CrafterState:
    """Balance the games of a batch whose step is a multiple of 10, ``chunk`` at a
    time (default ``n // 8``): the batch-level form of :func:`balance_if_due`.

    ``states`` and ``keys`` (the games' balance keys) have a leading batch axis
    ``n``; a game balances with its own key exactly as it would alone.
    """
    num = keys.shape[0]
    chunk = max(1, num // 8) if chunk is None else chunk
    due = states.step % rules.BALANCE_INTERVAL == 0
    rank = grid.prefix_sum(due) - 1
    total = due.sum()

    def balance_chunk(loop):
        start, states = loop
        take = due & (rank >= start) & (rank < start + chunk)
        index = (
            jnp.full(chunk, num, jnp.int32)
            .at[jnp.where(take, rank - start, chunk)]
            .set(jnp.arange(num, dtype=jnp.int32), mode="drop")
        )
        safe = jnp.clip(index, 0, num - 1)
        subset = jax.tree.map(lambda leaf: leaf[safe], states)
        subset = jax.vmap(balance.balance)(subset, keys[safe])
        # Balancing changes only these fields; only they are written back.
        changed = jax.tree.map(
            lambda leaf, new: leaf.at[index].set(new, mode="drop"),
            _balanced_fields(states),
            _balanced_fields(subset),
        )
        return start + chunk, dataclasses.replace(states, **changed)

    _, states = jax.lax.while_loop(
        lambda loop: loop[0] < total, balance_chunk, (jnp.int32(0), states)
    )
    return states


@jax.custom_batching.custom_vmap
def balance_if_due(state: CrafterState, key: jax.Array) -> CrafterState:
    """Chunk balancing (:func:`balance.balance` with ``key``) when the state's step
    is a multiple of 10, else ``state`` unchanged.

    Under ``vmap`` a ``cond`` would balance every game and select; the batching
    rule balances only the games that are due (:func:`balance_due`), with the
    same results.
    """
    return jax.lax.cond(
        state.step % rules.BALANCE_INTERVAL == 0,
        balance.balance,
        lambda state, key: state,
        state,
        key,
    )


@balance_if_due.def_vmap
def _balance_if_due_vmap(axis_size, in_batched, state, key):
    def broadcast(leaf, batched):
        return leaf if batched else jnp.broadcast_to(leaf, (axis_size, *leaf.shape))

    state, key = jax.tree.map(broadcast, (state, key), tuple(in_batched))
    states = balance_due(state, key)
    return states, jax.tree.map(lambda _: True, states)


class CrafterOO:
    """Crafter 1.8.3 as a functional environment (see
    :class:`symworld.functional.FunctionalEnv`).

    **Arguments:**

    - ``capacity``: slots of the object table (static; 256 by default).

    Actions are the original's 17 (``rules.ACTIONS``). ``step`` returns
    ``(state, info)`` with ``info`` holding ``reward`` (float32), ``terminated``
    (health <= 0), ``truncated`` (step >= episode length), ``discount``,
    ``unlocked`` (bool[22], achievements unlocked for the first time this step),
    ``inventory`` (int32[16]), ``achievements`` (int32[22]) and ``overflow``
    (int32, objects ever dropped because the table was full).

    Example::

        env = CrafterOO()
        state = jax.jit(env.reset)(jax.random.key(0))
        state, info = jax.jit(env.step)(state, 5, jax.random.key(1))
    """

    num_actions = rules.NUM_ACTIONS
    default_params = default_params()

    def __init__(self, capacity: int = rules.OBJECT_CAPACITY):
        self.capacity = capacity

    def reset(
        self, key: jax.Array, params: CrafterParams | None = None
    ) -> CrafterState:
        """A fresh world drawn from ``key``."""
        return worldgen.generate(key, self.capacity)

    def step(
        self,
        state: CrafterState,
        action: jax.Array,
        key: jax.Array,
        params: CrafterParams | None = None,
    ) -> tuple[CrafterState, dict[str, jax.Array]]:
        """Advance one step with ``action`` (int in [0, 17)) and randomness ``key``."""
        params = self.default_params if params is None else params
        return advance(state, action, key, params)

    def observation(
        self,
        state: CrafterState,
        params: CrafterParams | None = None,
        full: bool = False,
    ) -> dict[str, jax.Array]:
        """The symbolic observation (see :mod:`observation`)."""
        return observation.observe(state, full=full)
