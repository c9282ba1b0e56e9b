"""Lossless JSON round trip of a Crafter-OO state.

Every leaf is written with its path, dtype, shape and values (integers as JSON
integers, float32 as the exact decimal of the float32 value), so
``state_from_json(state_to_json(state))`` gives back the same bits. The top level
also carries a ``format`` tag and the object capacity. Reading checks that every
field is present, known, of the expected dtype and shape; it raises ``ValueError``
naming the field at fault.
"""

from __future__ import annotations

import json
import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from symworld.atomic import write_atomic
from symworld.envs.crafter_oo.state import CrafterState, ObjectTable, PlayerState

FORMAT = "symworld.crafter_oo.state/1"


def _leaves(state: CrafterState) -> dict[str, np.ndarray]:
    flat, _ = jax.tree_util.tree_flatten_with_path(jax.device_get(state))
    return {
        jax.tree_util.keystr(path, simple=True, separator="."): leaf
        for path, leaf in flat
    }


def state_to_dict(state: CrafterState) -> dict[str, Any]:
    """A JSON-serialisable dict of one (unbatched) state."""
    fields = {}
    for name, leaf in _leaves(state).items():
        array = np.asarray(leaf)
        values = array.tolist()  # float32 -> Python float is exact
        fields[name] = {
            "dtype": str(array.dtype),
            "shape": list(array.shape),
            "data": values,
        }
    return {
        "format": FORMAT,
        "capacity": int(np.shape(state.objects.alive)[-1]),
        "fields": fields,
    }


def state_to_json(state: CrafterState, indent: int | None = None) -> str:
    """The state as a JSON string."""
    return json.dumps(state_to_dict(state), indent=indent)


def _template(capacity: int) -> CrafterState:
    from symworld.envs.crafter_oo.state import (
        daylight_table,
        empty_objects,
        initial_player,
    )

    player = initial_player()
    return CrafterState(
        material=jnp.zeros((64, 64), jnp.uint8),
        occupant=jnp.zeros((64, 64), jnp.int16),
        chunk_seen=jnp.zeros((6, 6), bool),
        player=player,
        objects=empty_objects(capacity),
        step=jnp.int32(0),
        daylight=jnp.float32(daylight_table()[0]),
        last_health=jnp.int32(9),
        next_order=jnp.int32(0),
        overflow=jnp.int32(0),
    )


def state_from_dict(data: dict[str, Any]) -> CrafterState:
    """Inverse of :func:`state_to_dict`, validating every field."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a Crafter-OO state: expected format {FORMAT!r}")
    capacity = data.get("capacity")
    if not isinstance(capacity, int) or capacity < 1:
        raise ValueError(
            f"field 'capacity' must be a positive integer, got {capacity!r}"
        )
    fields = data.get("fields")
    if not isinstance(fields, dict):
        raise ValueError("field 'fields' must be an object")
    template = _template(capacity)
    expected = _leaves(template)
    unknown = sorted(set(fields) - set(expected))
    missing = sorted(set(expected) - set(fields))
    if unknown or missing:
        raise ValueError(f"state fields: unknown {unknown}, missing {missing}")
    leaves = []
    for name, reference in expected.items():
        entry = fields[name]
        reference = np.asarray(reference)
        if entry.get("dtype") != str(reference.dtype):
            raise ValueError(
                f"field {name!r}: dtype {entry.get('dtype')!r}, "
                f"expected {reference.dtype}"
            )
        if list(entry.get("shape", [])) != list(reference.shape):
            raise ValueError(
                f"field {name!r}: shape {entry.get('shape')}, expected "
                f"{list(reference.shape)}"
            )
        try:
            array = np.asarray(entry["data"], dtype=reference.dtype)
        except (TypeError, ValueError, OverflowError) as error:
            raise ValueError(f"field {name!r}: bad data ({error})") from None
        if array.shape != reference.shape:
            raise ValueError(
                f"field {name!r}: data does not have shape {reference.shape}"
            )
        leaves.append(jnp.asarray(array))
    treedef = jax.tree_util.tree_structure(template)
    return jax.tree_util.tree_unflatten(treedef, leaves)


def state_from_json(text: str) -> CrafterState:
    """Inverse of :func:`state_to_json`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON: {error}") from None
    return state_from_dict(data)


def save_state(state: CrafterState, path: str | os.PathLike) -> None:
    """Write the state as JSON to ``path`` atomically (the folder must exist)."""
    write_atomic(path, state_to_json(state), parents=False)


def load_state(path: str | os.PathLike) -> CrafterState:
    """Read a state written by :func:`save_state`."""
    with open(path) as file:
        try:
            return state_from_json(file.read())
        except ValueError as error:
            raise ValueError(f"{os.fspath(path)}: {error}") from None


__all__ = [
    "CrafterState",
    "ObjectTable",
    "PlayerState",
    "load_state",
    "save_state",
    "state_from_dict",
    "state_from_json",
    "state_to_dict",
    "state_to_json",
]
