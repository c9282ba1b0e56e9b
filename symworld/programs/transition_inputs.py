"""Checks of the states, actions and next states a user hands to a law model.

They run once per call at the boundary (``LawModel.fit``/``sample``/``log_prob``,
``induce``), never inside jitted hot paths. Structure and shape checks need only
shapes, so they also run while ``jax.jit``/``jax.vmap`` trace a call; value checks
(domains, integral values) run in NumPy on concrete inputs and are skipped for
traced ones.

- A state must have the pytree structure of the schema's template: a plain dict
  where the template is a dataclass is rejected, never read in its sorted-key
  order.
- ``sample``/``log_prob`` take one state; a batch is rejected with a pointer to
  ``jax.vmap`` and :func:`symworld.worldmodel.batch_sample`.
- ``T`` transitions must have the same ``T`` in ``states``, ``actions`` and
  ``next_states`` (none is cut to another's length), ``T >= 1``, actions int
  ``(T,)``, and every site an integer inside its attribute's domain (naming the
  attribute and row).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from symworld.programs.attributes import Attribute, Schema, check_domain

PyTree = Any


def check_structure(schema: Schema, tree: PyTree, what: str) -> list[Any]:
    """The leaves of ``tree`` after checking its pytree structure against the
    schema's template; ``ValueError`` naming ``what`` and the expected structure
    otherwise."""
    expected = jax.tree_util.tree_structure(schema.template)
    leaves, found = jax.tree_util.tree_flatten(tree)
    if found != expected:
        kind = type(schema.template).__name__
        got = (
            f"a dict with keys {sorted(map(str, tree))}"
            if isinstance(tree, dict)
            else f"{type(tree).__name__} {found}"
        )
        raise ValueError(
            f"{what}: expected a {kind} pytree like the schema's template "
            f"(attributes {', '.join(schema.names)}; {expected}), got {got}; "
            f"leaves are not matched by name, so build a {kind}"
        )
    return leaves


def check_state(schema: Schema, state: PyTree, what: str = "state") -> None:
    """Check that ``state`` is one state of the schema: structure and shapes, and,
    when its values are concrete (not traced under ``jit``/``vmap``), integral
    values inside each attribute's domain."""
    leaves = check_structure(schema, state, what)
    for attribute, leaf in zip(schema.attributes, leaves, strict=True):
        shape = np.shape(leaf)
        if shape == attribute.shape:
            continue
        if shape[1:] == attribute.shape:
            raise ValueError(
                f"{what}: one state expected, got a batch (leading axis of size "
                f"{shape[0]} on attribute {attribute.name!r}, whose shape is "
                f"{attribute.shape}); use jax.vmap or "
                "symworld.worldmodel.batch_sample / batch_log_prob"
            )
        raise ValueError(
            f"{what}: attribute {attribute.name!r} has shape {shape}, schema "
            f"{schema.env_id} expects {attribute.shape}"
        )
    _check_values(schema, jax.tree_util.tree_map(lambda leaf: leaf[None], state), what)


def check_action(
    action: Any, what: str = "action", num_actions: int | None = None
) -> None:
    """Check that ``action`` is one scalar action (not a batch) and, when it is
    concrete, a whole number in ``0..num_actions - 1`` (``num_actions`` ``None``:
    any non-negative whole number)."""
    shape = np.shape(action)
    if shape != ():
        raise ValueError(
            f"{what}: one scalar action expected, got shape {shape}; use jax.vmap "
            "or symworld.worldmodel.batch_sample / batch_log_prob for a batch"
        )
    if not _concrete(action):
        return
    value = np.asarray(action)
    if value.dtype == np.bool_ or not (
        np.issubdtype(value.dtype, np.integer)
        or (np.isfinite(value) and float(value) == np.round(value))
    ):
        raise ValueError(f"{what}: {value.item()!r} is not a whole-number action")
    high = "" if num_actions is None else f"..{num_actions - 1}"
    if value < 0 or (num_actions is not None and value >= num_actions):
        raise ValueError(f"{what}: {int(value)} is outside the actions 0{high}")


def checked_transitions(
    schema: Schema, states: PyTree, actions: Any, next_states: PyTree
) -> tuple[PyTree, np.ndarray, np.ndarray | PyTree]:
    """Check ``T`` transitions and return ``(states, actions, next_states)``
    with ``actions`` as int32 ``(T,)``.

    ``next_states`` is a state pytree with leading axis ``T``, encoded int32
    ``(T, N)`` (returned as given), or ``None`` (not checked). Raises
    ``ValueError`` naming the input and its length, shape, attribute or row.
    """
    lengths = {"states": _batch_length(schema, states, "states")}
    actions_array = np.asarray(actions) if _concrete(actions) else actions
    if np.ndim(actions_array) != 1:
        raise ValueError(
            f"actions: expected one integer action per transition, shape (T,); "
            f"got shape {np.shape(actions_array)}"
        )
    lengths["actions"] = int(np.shape(actions_array)[0])
    encoded = isinstance(next_states, np.ndarray | jax.Array)
    if encoded:
        lengths["next_states"] = _encoded_length(schema, next_states)
    elif next_states is not None:
        lengths["next_states"] = _batch_length(schema, next_states, "next_states")
    if len(set(lengths.values())) != 1:
        raise ValueError(
            "states, actions and next_states must hold the same number of "
            "transitions T; got "
            + ", ".join(f"{name} {length}" for name, length in lengths.items())
        )
    if lengths["actions"] == 0:
        raise ValueError("no transitions: states, actions and next_states are empty")

    if _concrete(actions_array):
        _check_integral(actions_array, "actions", None)
        actions_array = actions_array.astype(np.int32)
        check_action_range(schema, actions_array, "actions")
    _check_values(schema, states, "states")
    if encoded:
        if _concrete(next_states):
            values = np.asarray(next_states)
            offsets = schema.offsets
            for position, attribute in enumerate(schema.attributes):
                part = values[:, offsets[position] : offsets[position + 1]]
                _check_integral(part, "next_states", attribute)
                check_domain(attribute, part.astype(np.int64), "next_states")
    elif next_states is not None:
        _check_values(schema, next_states, "next_states")
    return states, actions_array, next_states


def checked_examples(schema: Schema, examples: Any) -> tuple[PyTree, Any]:
    """Check ``LawModel.build``'s ``examples``, a pair ``(states, actions)`` of
    ``T`` transitions (states a pytree of the schema's structure with leading axis
    ``T``, actions int ``(T,)``), as :func:`checked_transitions` checks its
    inputs; ``ValueError`` starting ``examples:`` otherwise."""
    if not isinstance(examples, tuple | list) or len(examples) != 2:
        raise ValueError(
            "examples: expected a pair (states, actions) of T transitions, got "
            f"{type(examples).__name__}"
            + (
                f" of length {len(examples)}"
                if isinstance(examples, tuple | list)
                else ""
            )
        )
    try:
        states, actions, _ = checked_transitions(schema, *examples, None)
    except ValueError as error:
        raise ValueError(f"examples: {error}") from None
    return states, actions


def check_action_range(schema: Schema, actions: np.ndarray, what: str) -> None:
    """``ValueError`` naming ``what`` and the first row whose action lies outside
    ``0..schema.num_actions - 1`` (below 0 when the action count is unknown)."""
    high = schema.num_actions
    bad = (actions < 0) | (actions >= high if high is not None else False)
    if np.any(bad):
        row = int(np.argmax(bad))
        space = f"0..{high - 1}" if high is not None else "0 or more"
        raise ValueError(
            f"{what}: row {row} holds action {int(actions[row])}, outside the "
            f"action space {space} of {schema.env_id}"
        )


def _concrete(tree: PyTree) -> bool:
    return not any(
        isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(tree)
    )


def _batch_length(schema: Schema, tree: PyTree, what: str) -> int:
    leaves = check_structure(schema, tree, what)
    length = None
    for attribute, leaf in zip(schema.attributes, leaves, strict=True):
        shape = np.shape(leaf)
        if shape[1:] != attribute.shape or not shape:
            raise ValueError(
                f"{what}: attribute {attribute.name!r} has shape {shape}; expected "
                f"(T, *{attribute.shape}) with a leading transition axis T"
            )
        if length is None:
            length = shape[0]
        elif shape[0] != length:
            raise ValueError(
                f"{what}: attribute {attribute.name!r} holds {shape[0]} rows, "
                f"attribute {schema.names[0]!r} {length}"
            )
    return int(length or 0)


def _encoded_length(schema: Schema, encoded: Any) -> int:
    shape = np.shape(encoded)
    if len(shape) != 2 or shape[1] != schema.num_sites:
        raise ValueError(
            f"next_states: encoded next states must have shape (T, "
            f"{schema.num_sites}) (the sites of {schema.env_id}); got {shape}"
        )
    return int(shape[0])


def _check_values(schema: Schema, tree: PyTree, what: str) -> None:
    if not _concrete(tree):
        return
    for attribute, leaf in zip(
        schema.attributes, jax.tree_util.tree_leaves(tree), strict=True
    ):
        values = np.asarray(leaf)
        length = values.shape[0]
        if np.issubdtype(values.dtype, np.floating):
            values = values.astype(np.float64) * attribute.scale
            if not np.issubdtype(np.dtype(attribute.dtype), np.floating):
                _check_integral(values.reshape(length, -1), what, attribute)
            values = np.round(values)
        check_domain(attribute, values.astype(np.int64).reshape(length, -1), what)


def _check_integral(values: np.ndarray, what: str, attribute: Attribute | None):
    if not np.issubdtype(values.dtype, np.floating):
        return
    values = values.reshape(values.shape[0], -1)
    bad = ~np.isfinite(values) | (np.round(values) != values)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        name = "" if attribute is None else f" attribute {attribute.name!r}"
        raise ValueError(
            f"{what}:{name} row {row} holds {values[row, column]}, not an integer"
        )
