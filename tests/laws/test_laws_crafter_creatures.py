"""The Crafter-OO creature and arrow laws against the environment's own step.

Each case builds a scenario state, steps the true environment once and checks that
the law predicts exactly what happened (deterministic mechanics) or that the true
outcome is in the law's support (stochastic ones). No fitting.
"""

import jax
import numpy as np
import pytest

from symworld.envs.crafter_oo import CrafterOO, rules
from symworld.evaluation.crafter_scenarios import scenarios
from symworld.laws import crafter_oo as laws


@pytest.fixture(scope="module")
def step():
    env = CrafterOO()
    jitted = jax.jit(env.step)

    def run(name, action=rules.NOOP, seed=1):
        scenario = {s.name: s for s in scenarios()}[name]
        state = scenario.setup(jax.random.key(0))
        following, _ = jitted(state, action, jax.random.key(seed))
        return state, following

    return run


def _slot(state, kind):
    return int(
        np.nonzero(np.asarray(state.objects.alive & (state.objects.kind == kind)))[0][0]
    )


def test_zombie_bite_awake_and_asleep(step):
    state, following = step("zombie_attack/success")
    assert int(laws.damage_taken(state, rules.NOOP)) == rules.ZOMBIE_DAMAGE
    assert int(laws.health_after(state, rules.NOOP)) == 7
    assert int(following.player.inventory[rules.HEALTH]) == 7
    assert int(following.last_health) == int(laws.health_after(state, rules.NOOP))
    state, following = step("zombie_attack_sleeping/only", rules.SLEEP)
    assert int(laws.damage_taken(state, rules.SLEEP)) == rules.ZOMBIE_SLEEPING_DAMAGE
    assert int(following.player.inventory[rules.HEALTH]) == int(
        laws.health_after(state, rules.SLEEP)
    )


def test_zombie_cooldown_and_no_bite(step):
    state, following = step("zombie_attack/failure")
    assert int(laws.damage_taken(state, rules.NOOP)) == 0
    slot = _slot(state, rules.ZOMBIE)
    effect = laws.ZombiesChase().effect(state, rules.NOOP)["objects.cooldown"]
    # Chasing keeps the zombie next to the player: cooldown 3 -> 2.
    assert int(effect.values[0][slot]) == 2 == int(following.objects.cooldown[slot])


def test_zombie_true_move_is_in_support(step):
    for seed in range(4):
        state, following = step("zombie_chase/only", seed=seed)
        slot = _slot(state, rules.ZOMBIE)
        ends = np.asarray(laws.zombie_options(state, rules.NOOP))[slot]
        assert any(np.array_equal(end, following.objects.pos[slot]) for end in ends)


def test_arrow_hits_player_and_disappears(step):
    state, _ = step("arrow_hits_player/success")
    state, _ = CrafterOO().step(state, rules.NOOP, jax.random.key(2))  # one cell on
    slot = _slot(state, rules.ARROW)
    following, _ = CrafterOO().step(state, rules.NOOP, jax.random.key(3))
    assert int(laws.arrow_hits(state, rules.NOOP)) == rules.ARROW_DAMAGE
    gone = laws.ArrowsDisappear().effect(state, rules.NOOP)["objects.alive"]
    assert bool(np.asarray(gone.where)[slot]) and not bool(
        following.objects.alive[slot]
    )
    assert int(following.player.inventory[rules.HEALTH]) == 9 - rules.ARROW_DAMAGE


def test_arrow_flies_and_breaks_table(step):
    state, following = step("arrow_hits_player/failure")
    slot = _slot(state, rules.ARROW)
    flies = laws.ArrowsFly().effect(state, rules.NOOP)["objects.pos"]
    assert np.array_equal(
        np.asarray(flies.values[0])[slot], following.objects.pos[slot]
    )
    state, following = step("arrow_breaks_table/success")
    assert bool(laws.ArrowsBreak().precondition(state, rules.NOOP))
    assert int(following.material[36, 32]) == rules.PATH
    state, following = step("arrow_breaks_table/failure")
    assert not bool(laws.ArrowsBreak().precondition(state, rules.NOOP))
    assert int(following.material[36, 32]) == rules.STONE


def test_plant_eaten_by_cow(step):
    state, following = step("plant_eaten/success")
    slot = _slot(state, rules.PLANT)
    effect = laws.PlantsEaten().effect(state, rules.NOOP)
    assert bool(np.asarray(effect["objects.alive"].where)[slot])
    assert not bool(np.asarray(effect["objects.alive"].values[0])[slot])
    assert not bool(following.objects.alive[slot])
    state, following = step("plant_eaten/failure")
    effect = laws.PlantsEaten().effect(state, rules.NOOP)
    assert not np.any(np.asarray(effect["objects.alive"].where))
    assert bool(following.objects.alive[_slot(state, rules.PLANT)])


def test_skeleton_plan_probabilities_sum_to_one(step):
    state, _ = step("skeleton_behaviour/only")
    slot = _slot(state, rules.SKELETON)
    _, probabilities, p_shoot = laws.skeleton_plan(state, rules.NOOP)
    # Distance 4: no flee; shoot 0.5; approach 0.5 * 0.3; wander 0.35 * 0.2.
    assert float(p_shoot[slot]) == pytest.approx(0.5)
    assert float(probabilities[slot].sum()) == pytest.approx(1.0, abs=1e-4)
    assert float(probabilities[slot, 2] + probabilities[slot, 3]) == pytest.approx(0.15)
