"""Load a world model to plan with from a directory, whatever its kind.

``MODEL_DIR`` may hold an equation model (``model.json`` with equations, written by
:func:`symworld.equations.model.save_model`) or a fitted law model (written by
``symworld fit laws``). Two names are special: ``true`` means the true Crafter-OO
dynamics (:class:`~symworld.worldmodel.EnvModel`) and ``null`` the
:class:`NullModel`, in which nothing ever changes (the floor any model must beat).

A law model of Crafter-OO states is wrapped in
:class:`~symworld.planning.crafter.occupancy.DerivedOccupancy` (its imagined
occupant map follows the imagined positions, as in the game) unless
``derive_occupancy=False``; that module says why planning needs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp

from symworld.worldmodel import WorldModel, states_equal

CRAFTER_OO = "symworld/CrafterOO-v0"


class NullModel(WorldModel):
    """The world never changes: ``sample`` returns the state itself, and
    ``log_prob`` is 0 for an unchanged state and ``-inf`` otherwise."""

    def sample(self, key: jax.Array, state, action):
        return state

    def log_prob(self, state, action, next_state) -> jax.Array:
        return jnp.where(states_equal(state, next_state), 0.0, -jnp.inf).astype(
            jnp.float32
        )


# model.json "format" -> the kind of model, in words
MODEL_KINDS = {
    "symworld.law-model": "a law model",
    "symworld.alrnn.model/1": "an AL-RNN model",
    "symworld.EquationModel": "an equation model",
}


def model_file(path: str | Path) -> Path:
    """The ``model.json`` of a model directory (``path`` itself when it is not a
    directory)."""
    path = Path(path)
    return path / "model.json" if path.is_dir() else path


def model_kind(path: str | Path) -> str | None:
    """What ``path`` (a directory or its ``model.json``) holds, in words ("a law
    model of symworld/Switches-v0", "an AL-RNN model"); ``None`` when the file is
    missing, unreadable or of no known format (the loader then says why)."""
    try:
        content = json.loads(model_file(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("format") not in MODEL_KINDS:
        return None
    kind = MODEL_KINDS[content["format"]]
    if content["format"] == "symworld.law-model" and isinstance(
        content.get("env_id"), str
    ):
        kind += f" of {content['env_id']}"
    return kind


def model_folder(path: str | Path) -> Path:
    """``path`` as a model directory (a folder holding ``model.json``); a
    ``ValueError`` saying what it is otherwise (missing, a file, no model.json)."""
    folder = Path(path)
    if not folder.exists():
        raise ValueError(f"model directory {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise ValueError(
            f"{str(folder)!r} is a file; give a model directory (a folder holding "
            "model.json)"
        )
    if not model_file(folder).exists():
        raise ValueError(f"{str(folder)!r} holds no model.json: not a model directory")
    return folder


def load_planning_model(
    path: str | Path, *, derive_occupancy: bool = True, env_id: str | None = None
) -> WorldModel:
    """The world model stored in ``path`` (see the module docstring).

    With ``env_id`` (e.g. ``"symworld/CrafterOO-v0"``), a model of another
    environment (a law model fitted on another env, or an equation model) raises
    ``ValueError`` naming both.
    """
    if str(path) == "null":
        return NullModel()
    if str(path) == "true":
        from symworld.envs.crafter_oo import CrafterOO
        from symworld.worldmodel import EnvModel

        return EnvModel(CrafterOO())
    folder = model_folder(path)
    json_file = model_file(folder)
    kind = model_kind(folder)
    if env_id is not None and kind is not None and kind != f"a law model of {env_id}":
        raise ValueError(
            f"{json_file} holds {kind}, and this task needs a law model of {env_id}"
        )
    if kind == "an equation model":
        from symworld.equations.model import load_model

        return load_model(folder)
    try:
        from symworld.programs.source import load_model as load_law_model
    except ImportError as error:
        raise ValueError(
            f"{str(folder)!r} holds no equation model, and law models are not "
            f"available in this installation ({error})"
        ) from None
    model = load_law_model(folder)
    if derive_occupancy and model.schema.env_id == CRAFTER_OO:
        from symworld.planning.crafter.occupancy import DerivedOccupancy

        return DerivedOccupancy(model)
    return model
