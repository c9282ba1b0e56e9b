"""Scenario suites: short scripted situations, each testing one mechanic.

A :class:`Scenario` builds a start state from a key, chooses actions with a
policy, and is rolled out in the *true* environment for ``steps`` steps (or
until ``done``). Every mechanic comes as a ``success`` variant (the mechanic
fires) and a ``failure`` variant (its precondition is unmet), under unique names
``"<mechanic>/<variant>"``. Suites are registered in :data:`SUITES` by name.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

PyTree = Any


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One scripted situation.

    - ``mechanic``: what it tests; ``variant``: ``"success"`` or ``"failure"``
      (or ``"only"`` for mechanics without a failure case, such as wandering).
    - ``setup(key) -> state``: the start state.
    - ``policy(state, t, key) -> action``: the action at step ``t``.
    - ``steps``: the most steps rolled out; ``done(state) -> bool`` stops early.
    - ``ignore``: attributes left out when deciding whether a candidate equals the
      true next state (e.g. an independent coin in a scenario about a toggle);
      scores and fidelity metrics still use the whole state.
    """

    mechanic: str
    variant: str
    setup: Callable[[jax.Array], PyTree]
    policy: Callable[[PyTree, int, jax.Array], Any]
    steps: int = 1
    done: Callable[[PyTree], bool] | None = None
    ignore: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.mechanic}/{self.variant}"


def constant_policy(action: int) -> Callable[[PyTree, int, jax.Array], Any]:
    """A policy that always takes ``action``."""
    return lambda state, t, key: jnp.int32(action)


def sequence_policy(actions: Sequence[int]) -> Callable[[PyTree, int, jax.Array], Any]:
    """A policy that takes ``actions[t]`` (the last one after the end)."""
    return lambda state, t, key: jnp.int32(actions[min(t, len(actions) - 1)])


def check_suite(scenarios: Sequence[Scenario]) -> tuple[Scenario, ...]:
    """Validate a suite: names must be unique."""
    names = [s.name for s in scenarios]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"scenario names must be unique; repeated: {duplicates}")
    return tuple(scenarios)


def run_scenario(
    env: Any, scenario: Scenario, key: jax.Array, params: Any = None
) -> list[tuple[PyTree, jax.Array, PyTree]]:
    """Roll a scenario out in the true environment: ``[(state, action, next)]``."""
    params = env.default_params if params is None else params
    step = _jitted_step(env)
    state = scenario.setup(jax.random.fold_in(key, 0))
    transitions = []
    for t in range(scenario.steps):
        key_t = jax.random.fold_in(key, t + 1)
        action = jnp.asarray(
            scenario.policy(state, t, jax.random.fold_in(key_t, 0)), jnp.int32
        )
        following, _ = step(state, action, jax.random.fold_in(key_t, 1), params)
        transitions.append((state, action, following))
        state = following
        if scenario.done is not None and bool(scenario.done(state)):
            break
    return transitions


_STEPS: dict[int, Any] = {}


def _jitted_step(env: Any) -> Any:
    """``env.step`` compiled once per env (an env with ``jittable = False``, such as
    the original game behind a bridge, steps uncompiled)."""
    if not getattr(env, "jittable", True):
        return env.step
    if id(env) not in _STEPS:
        _STEPS[id(env)] = (env, jax.jit(env.step))
    return _STEPS[id(env)][1]


# name -> "module:function" returning the scenario list
SUITES: dict[str, str] = {
    "switches": "symworld.evaluation.switches_scenarios:scenarios",
    "crafter_oo": "symworld.evaluation.crafter_scenarios:scenarios",
}


# suite name -> the env id its scenarios are built for
SUITE_ENVIRONMENTS: dict[str, str] = {
    "switches": "symworld/Switches-v0",
    "crafter_oo": "symworld/CrafterOO-v0",
}


def check_suite_environment(name: str, env_id: str) -> None:
    """``ValueError`` if suite ``name`` is built for another environment than
    ``env_id`` (its scenarios would step states of the wrong kind)."""
    suite_env = SUITE_ENVIRONMENTS.get(name)
    if suite_env is not None and suite_env != env_id:
        raise ValueError(
            f"scenario suite {name!r} is for environment {suite_env}, but the model "
            f"is for {env_id}; use --scenarios "
            f"{next((s for s, e in SUITE_ENVIRONMENTS.items() if e == env_id), '...')}"
        )


def load_suite(name: str) -> tuple[Scenario, ...]:
    """The scenarios of a registered suite; ``ValueError`` if unknown."""
    if name not in SUITES:
        raise ValueError(f"unknown scenario suite {name!r}; known: {sorted(SUITES)}")
    module, function = SUITES[name].split(":")
    return check_suite(getattr(importlib.import_module(module), function)())


# env id -> "module:function" returning the mutator tuple for that environment
MUTATORS: dict[str, str] = {
    "symworld/Switches-v0": "symworld.evaluation.switches_scenarios:mutators",
    "symworld/CrafterOO-v0": "symworld.evaluation.crafter_scenarios:mutators",
}


def mutators_for(env_id: str) -> Any:
    """The registered distractor set of an environment, or ``None`` (default)."""
    if env_id not in MUTATORS:
        return None
    module, function = MUTATORS[env_id].split(":")
    return getattr(importlib.import_module(module), function)()
