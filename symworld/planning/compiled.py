"""Passing world models into compiled functions, whatever their static fields hold.

``eqx.filter_jit`` hashes the static part of its arguments. A model whose static
fields are unhashable (for example a layout holding arrays) cannot be hashed, so
:func:`split` separates a model into its array leaves (traced) and a
:class:`StaticHandle` that compares and hashes by the *identity* of the model's
static field values. The same model object (or copies sharing those values, such
as models rebuilt with new parameters) therefore compiles once; :func:`join` puts
the model back together inside the compiled function.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import equinox as eqx


class StaticHandle:
    """The non-array part of a model, hashed and compared by identity of its
    top-level field values (see the module docstring)."""

    def __init__(self, static: Any):
        self.static = static
        if dataclasses.is_dataclass(static):
            values = [getattr(static, f.name) for f in dataclasses.fields(static)]
        else:
            values = [static]
        self._key = (type(static), tuple(id(value) for value in values))

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StaticHandle) and self._key == other._key


def split(model: Any) -> tuple[Any, Any]:
    """``(arrays, static)``: the model unchanged when its static part hashes,
    else its array leaves and a :class:`StaticHandle`."""
    dynamic, static = eqx.partition(model, eqx.is_array)
    try:
        hash(static)
    except TypeError:
        return dynamic, StaticHandle(static)
    return model, None


def join(dynamic: Any, handle: Any) -> Any:
    """Inverse of :func:`split` (call inside the compiled function)."""
    if handle is None:
        return dynamic
    return eqx.combine(dynamic, handle.static)
