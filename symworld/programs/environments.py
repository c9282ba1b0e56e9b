"""Environments a law model can be fitted to: the functional env, its attribute
schema and its default law library, looked up by gymnasium id."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any

from symworld.programs.attributes import Schema


@dataclasses.dataclass(frozen=True)
class LawEnvironment:
    """How to fit laws to one environment.

    - ``env_id``: the gymnasium id (``"symworld/Switches-v0"``).
    - ``make_env``: ``"module:callable"`` returning the FunctionalEnv.
    - ``make_schema``: ``"module:callable"`` taking the env, returning a Schema.
    - ``laws``: the default law library (a module name under ``symworld.laws``).
    - ``scenarios``: the default scenario suite name.
    - ``original``: ``"module:callable"`` returning the original game the env
      re-implements as a step function over the env's states (``None``: none).
    """

    env_id: str
    make_env: str
    make_schema: str
    laws: str
    scenarios: str
    original: str | None = None

    def env(self) -> Any:
        return _resolve(self.make_env)()

    def schema(self, env: Any | None = None) -> Schema:
        return _resolve(self.make_schema)(env if env is not None else self.env())

    def original_game(self) -> Any:
        """The original game's step function over this env's states; ``ValueError``
        if the env re-implements none."""
        if self.original is None:
            raise ValueError(
                f"{self.env_id} has no original game to take true next states from"
            )
        return _resolve(self.original)()


def _resolve(target: str) -> Callable[..., Any]:
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


ENVIRONMENTS: dict[str, LawEnvironment] = {
    "symworld/Switches-v0": LawEnvironment(
        "symworld/Switches-v0",
        "symworld.envs.switches:Switches",
        "symworld.laws.switches:schema",
        "switches",
        "switches",
    ),
    "symworld/CrafterOO-v0": LawEnvironment(
        "symworld/CrafterOO-v0",
        "symworld.envs.crafter_oo:CrafterOO",
        "symworld.laws.crafter_oo:schema",
        "crafter_oo",
        "crafter_oo",
        original="symworld.envs.crafter_oo.crafter_game:CrafterGame",
    ),
}


def law_environment(env_id: str) -> LawEnvironment:
    """The :class:`LawEnvironment` of ``env_id``; ``ValueError`` if unknown."""
    if env_id not in ENVIRONMENTS:
        raise ValueError(
            f"no law support for environment {env_id!r}; known: {sorted(ENVIRONMENTS)}"
        )
    return ENVIRONMENTS[env_id]
