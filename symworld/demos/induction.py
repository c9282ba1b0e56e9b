"""Demo section: induce the switches laws from one life of 300 steps."""

from __future__ import annotations

from typing import Any


def run(seed: int) -> dict[str, Any]:
    """Explore one life of the switches world, induce its laws (search only, no
    fit, to stay fast) and list them."""
    from symworld.envs.switches.core import Switches
    from symworld.induction import InductionSettings, explore, induce
    from symworld.laws.switches import schema

    env = Switches()
    world = schema(env)
    life = explore(env, world, steps=300, seed=seed)
    result = induce(
        world,
        life.states,
        life.actions,
        life.next_states,
        num_actions=2,
        seed=seed,
        settings=InductionSettings(fit=False),
        source=f"one life of 300 steps (seed {seed})",
    )
    lines = [f"induced {len(result.laws)} laws from {life.num_transitions} steps:"]
    lines += [
        f"  {law.name}: {law.summary} [matched {law.matched}, explained "
        f"{law.explained}]"
        for law in result.laws
    ]
    return {
        "laws": [law.name for law in result.laws],
        "transitions": life.num_transitions,
        "lines": lines,
    }
