"""Register symworld's environments with gymnasium under the ``symworld/`` namespace."""

import gymnasium

# (id, entry point, vector entry point or None, max_episode_steps or None)
ENVIRONMENTS: list[tuple[str, str, str | None, int | None]] = [
    ("symworld/Switches-v0", "symworld.envs.switches.gym:SwitchesEnv", None, 100),
    (
        "symworld/CrafterOO-v0",
        "symworld.envs.crafter_oo.gym:CrafterOOEnv",
        "symworld.envs.crafter_oo.vector:CrafterOOVectorEnv",
        None,  # the environment truncates at 10 000 steps itself
    ),
]


def register_all() -> None:
    """Register every environment in :data:`ENVIRONMENTS` (idempotent)."""
    for env_id, entry_point, vector_entry_point, max_steps in ENVIRONMENTS:
        if env_id in gymnasium.registry:
            continue
        kwargs = {"max_episode_steps": max_steps}
        if vector_entry_point is not None:
            kwargs["vector_entry_point"] = vector_entry_point
        gymnasium.register(env_id, entry_point=entry_point, **kwargs)
