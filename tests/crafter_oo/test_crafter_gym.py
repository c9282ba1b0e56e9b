"""The gymnasium shells: ``symworld/CrafterOO-v0`` and its vector env."""

from __future__ import annotations

import crafter
import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

import symworld.envs  # noqa: F401  (registers the environments)
from symworld.envs.crafter_oo import rules
from symworld.envs.crafter_oo import scenario as sc


@pytest.fixture(scope="module")
def env():
    env = gymnasium.make("symworld/CrafterOO-v0", render_mode="ansi")
    yield env
    env.close()


def test_check_env_passes(env):
    check_env(env.unwrapped)


def test_info_uses_crafters_keys(env):
    original = crafter.Env(seed=0)
    original.reset()
    _, _, _, theirs = original.step(0)
    env.reset(seed=3)
    _, reward, terminated, truncated, ours = env.step(0)
    assert set(ours["inventory"]) == set(theirs["inventory"])
    assert set(ours["achievements"]) == set(theirs["achievements"])
    assert {"discount", "player_pos", "reward"} <= set(ours)
    assert ours["inventory"]["health"] == 9 and ours["discount"] == 1.0
    assert isinstance(reward, float) and isinstance(terminated, bool)
    obs, *_ = env.step(0)
    assert env.observation_space.contains(obs)


@pytest.mark.parametrize("action", [17, -1, 1.5, "do", [1, 2], True])
def test_invalid_actions_are_rejected(env, action):
    env.reset(seed=0)
    with pytest.raises(ValueError, match="invalid action"):
        env.step(action)


def test_reset_from_a_scenario_state_and_render(env):
    state = sc.paint(sc.blank_state("sand"), "tree", (32, 33))
    obs, info = env.reset(options={"state": state})
    assert obs["material"][4, 4] == rules.TREE  # below the player (dx 0, dy +1)
    assert obs["objects"][4, 3] == rules.PLAYER
    text = env.render()
    assert text.splitlines()[3][4] == "v"  # the player, facing down
    obs, reward, *_ = env.step(rules.DO)
    assert reward == 1.0 and obs["inventory"][rules.WOOD] == 1
    image = gymnasium.make("symworld/CrafterOO-v0", render_mode="rgb_array").unwrapped
    image.reset(options={"state": state})
    frame = image.render()
    assert frame.dtype == np.uint8 and frame.shape == (9 * 8, 9 * 8, 3)


@pytest.mark.slow
def test_make_vec_with_1024_envs():
    envs = gymnasium.make_vec("symworld/CrafterOO-v0", 1024)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    obs, _ = envs.reset(seed=0)
    assert obs["material"].shape == (1024, 9, 7)
    assert envs.observation_space.contains(obs)
    rng = np.random.default_rng(0)
    obs, reward, terminated, truncated, info = envs.step(rng.integers(0, 17, 1024))
    assert reward.shape == (1024,) and terminated.dtype == bool
    assert info["inventory"]["wood"].shape == (1024,)
    assert info["_inventory"].all() and info["achievements"]["_collect_wood"].all()
    with pytest.raises(ValueError, match="invalid actions"):
        envs.step(np.full(1024, 17))
    envs.close()


def test_vector_env_autoresets_on_the_next_step():
    envs = gymnasium.make_vec("symworld/CrafterOO-v0", 3)
    envs.reset(seed=1)
    # Kill game 1 by putting it next to lava; the others keep playing.
    import jax

    from symworld.envs.crafter_oo.state import CrafterState

    lava = sc.paint(sc.blank_state("sand"), "lava", (31, 32))
    states = envs.unwrapped.states
    states = jax.tree.map(lambda batch, one: batch.at[1].set(one), states, lava)
    assert isinstance(states, CrafterState)
    envs.unwrapped.states = states
    _, reward, terminated, truncated, _ = envs.step(np.array([0, rules.MOVE_LEFT, 0]))
    assert terminated.tolist() == [False, True, False]
    obs, reward, terminated, truncated, _ = envs.step(np.array([0, 0, 0]))
    assert reward[1] == 0.0 and not terminated[1]
    assert obs["vitals"][1].tolist() == [9, 9, 9, 9]  # a fresh world
    assert int(envs.unwrapped.states.step[1]) == 0
