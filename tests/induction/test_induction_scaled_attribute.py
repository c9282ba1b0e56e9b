"""A scaled float attribute (stored as ``round(value * scale)``): the inducer
measures its changes in codes, so the law it writes must read the code too
(``jnp.round(state.light * 4.0)``), not add a change in codes to the raw
float. Toy world of its own: action 1 turns a light up by a quarter."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symworld.induction import InductionSettings, induce, load_module_text
from symworld.programs import Schema

SCALE = 4.0  # light 0.25 is code 1
TOP = 8  # codes 0..8 (light 0..2)


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class LampState:
    light: jax.Array  # float32, a multiple of 0.25 in [0, 2]
    tick: jax.Array  # int32


def _states(codes: np.ndarray, ticks: np.ndarray) -> LampState:
    return LampState(
        jnp.asarray(codes / SCALE, jnp.float32), jnp.asarray(ticks, jnp.int32)
    )


@pytest.fixture(scope="module")
def lamp_induced():
    rng = np.random.default_rng(0)
    count = 300
    codes = rng.integers(0, TOP, count)  # below the top: every turn-up shows
    actions = rng.integers(0, 2, count).astype(np.int32)
    ticks = np.arange(count)
    states = _states(codes, ticks)
    following = _states(codes + (actions == 1), ticks + 1)
    schema = Schema.from_state(
        "toy/Lamp-v0",
        LampState(jnp.float32(0.0), jnp.int32(0)),
        {"light": (0, TOP), "tick": (0, 10_000)},
        scales={"light": SCALE},
        roles={"tick": "clock"},
    )
    return induce(
        schema,
        states,
        actions,
        following,
        num_actions=2,
        seed=0,
        settings=InductionSettings(fit=False),
    )


def test_induction_scaled_attribute_law_predicts_codes(lamp_induced):
    laws = {law.name: law for law in load_module_text(lamp_induced.module).library()}
    light = [law for name, law in laws.items() if name.startswith("light_")]
    assert len(light) == 1, sorted(laws)
    (law,) = light
    state = LampState(jnp.float32(0.5), jnp.int32(3))  # code 2
    assert bool(law.precondition(state, jnp.int32(1)))
    assert not bool(law.precondition(state, jnp.int32(0)))
    # the code after the turn-up: 3 (without reading the code: 0.5 + 1 = 1.5)
    assert float(law.effect(state, jnp.int32(1))["light"].values[0]) == 3.0


def test_scaled_attribute_raw_value_law_is_rejected_with_the_scale_named():
    """A hand-written law that adds to the raw float (the inducer's old mistake)
    is refused at build with the way to predict the code."""
    from symworld.programs import Law, LawError, LawModel, change

    class RawTurnUp(Law):
        name = "raw_turn_up"
        writes = ("light",)

        def precondition(self, state, action):
            return action == 1

        def effect(self, state, action):
            return {"light": change(state.light, 1)}  # 0.25 + 1, not a code

    schema = Schema.from_state(
        "toy/Lamp-v0",
        LampState(jnp.float32(0.0), jnp.int32(0)),
        {"light": (0, TOP), "tick": (0, 10_000)},
        scales={"light": SCALE},
    )
    examples = (_states(np.array([1, 2]), np.array([0, 1])), jnp.array([1, 1]))
    with pytest.raises(LawError, match=r"not a whole number .*round\(value \* 4\)"):
        LawModel.build([RawTurnUp()], schema, examples=examples)
