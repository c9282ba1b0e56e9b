"""Passing world models into compiled functions, whatever their static fields hold.

``eqx.filter_jit`` hashes the static part of its arguments (the pytree structure,
which includes a module's static fields). A model whose static fields are
unhashable (for example a layout holding arrays) cannot be hashed, so :func:`split`
flattens such a model into its leaves (traced) and a :class:`StaticHandle` holding
the tree structure, hashed and compared by the *identity* of the model's static
field values. The same model object (or copies sharing those values, such as a
model rebuilt with new parameters around the same layout) therefore compiles once;
:func:`join` puts the model back together inside the compiled function.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax


class StaticHandle:
    """A model's tree structure, hashed by identity (see the module docstring)."""

    def __init__(self, model: Any, treedef: Any):
        self.treedef = treedef
        if dataclasses.is_dataclass(model):
            values = [
                getattr(model, f.name)
                for f in dataclasses.fields(model)
                if f.metadata.get("static", False)
            ]
        else:
            values = [model]
        self._key = (type(model), tuple(id(value) for value in values))

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StaticHandle) and self._key == other._key


def split(model: Any) -> tuple[Any, StaticHandle | None]:
    """``(model, None)`` when every static field of the model hashes, else
    ``(leaves, handle)``."""
    if not dataclasses.is_dataclass(model):
        return model, None
    for field in dataclasses.fields(model):
        if field.metadata.get("static", False):
            try:
                hash(getattr(model, field.name))
            except TypeError:
                break
    else:
        return model, None
    leaves, treedef = jax.tree_util.tree_flatten(model)
    return leaves, StaticHandle(model, treedef)


def join(dynamic: Any, handle: StaticHandle | None) -> Any:
    """Inverse of :func:`split` (call inside the compiled function)."""
    if handle is None:
        return dynamic
    return handle.treedef.unflatten(dynamic)
