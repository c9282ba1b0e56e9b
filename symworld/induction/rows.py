"""Laws over every row of an object table: each living object's own column.

A creature's step or a timer's countdown changes a column of *every* object row
that satisfies a condition, whatever the player does. For each kind of object
(the table's kind column; the whole table when it has none) and each column
that changed on at least ``min_support`` living object-steps, the rule search of
:mod:`symworld.induction.search` runs over *object-steps* (one row of one
transition, alive before and after it) instead of transitions, with features of
the row:

- its kind (``kind == k``);
- equalities and thresholds of its small columns (``reload >= 1``);
- its Chebyshev distance to the player (``distance >= d`` for each distance seen,
  up to :data:`MAX_DISTANCE`).

A scalar column gets the search's effects (relative change, set value, a
categorical with learnable probabilities) on every row where the precondition
holds. The position column (``entity.position``, ``(N, 2)``) is searched through
its *step code*: each step (offset) seen at least ``min_support`` times is a
code (0: stays), so a deterministic rule is "every such row steps by
``(dx, dy)``" and the categorical is "every such row stays or takes one of these
steps, with learnable probabilities". A step off the grid, onto a cell the
mirror grid marks taken (see :class:`~symworld.induction.geometry.Geometry`)
or onto a grid value no object of that kind was seen standing on leaves the row
in place, and the mirror grid is written in step with the move.

Which of these laws are kept is decided as for every other target: a rule must
gain more than its penalty in log-likelihood over the frame default.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from symworld.induction.features import Feature, Literal, evaluate, value_features
from symworld.induction.geometry import Geometry, code_expression, leaf_expression
from symworld.induction.search import (
    Candidate,
    RuleSearch,
    SearchSettings,
    Target,
    deterministic_gain,
    frame_log_likelihood,
)

PyTree = Any
MAX_DISTANCE = 32  # distance thresholds to the player (cells)
MIN_FOCUS = 8  # rows a moving law computes over, at least
MAX_SPECIFIC = 2  # literals added to a deterministic row law to fit what it explained


@dataclasses.dataclass(frozen=True)
class ObjectSteps:
    """The living object-steps of ``T`` transitions (``R`` in all).

    - ``transition``, ``row``: int64 ``(R,)`` which transition and which row.
    - ``matrix``: bool ``(R, F)`` the row ``features`` on each.
    - ``kinds``: int ``(R,)`` the row's kind (``None`` without a kind column).
    """

    transition: np.ndarray
    row: np.ndarray
    features: list[Feature]
    matrix: np.ndarray
    kinds: np.ndarray | None


def _columns(schema, encoded: np.ndarray, name: str) -> np.ndarray:
    """int64 ``(T, *shape)``: one attribute's encoded values."""
    k = schema.index(name)
    attribute = schema.attributes[k]
    start = int(schema.offsets[k])
    block = encoded[:, start : start + attribute.size]
    return block.reshape(-1, *attribute.shape).astype(np.int64)


def row_features(
    geometry: Geometry, states: PyTree, encoded: np.ndarray, living: np.ndarray
) -> list[Feature]:
    """The features of a row (sources are bool ``(N,)`` expressions over
    ``state``), from the values seen on the ``living`` object-steps (bool
    ``(T, N)``)."""
    schema = geometry.schema
    features = []
    if geometry.kind is not None:
        kinds = np.unique(_columns(schema, encoded, geometry.kind_name)[living])
        for kind in kinds.tolist():
            features.append(
                Feature(
                    f"row_kind_{kind}",
                    f"the row's kind is {kind}",
                    f"{geometry.kind} == {kind}",
                    "row_kind",
                )
            )
    for column in geometry.object_columns:
        if column == geometry.alive_name:
            continue
        attribute = schema[column]
        expression = code_expression(
            leaf_expression(schema.template, column), attribute
        )
        features += value_features(
            np.unique(_columns(schema, encoded, column)[living]),
            expression,
            f"the row's {column}",
            "row_" + column.replace(".", "_"),
            family="row_column",
            two_valued=attribute.domain_size == 2,
        )
    distance = (
        f"row_distance({geometry.object_xs}, {geometry.object_ys}, "
        f"{geometry.position_source()})"
    )
    seen = evaluate(
        [distance],
        geometry,
        states,
        np.zeros(encoded.shape[0], np.int32),
    )[:, 0][living]
    for value in np.unique(seen).tolist():
        if 1 <= value <= MAX_DISTANCE:
            features.append(
                Feature(
                    f"row_distance_ge_{value}",
                    f"the row is at least {value} cells from the player",
                    f"{distance} >= {value}",
                    "row_distance",
                )
            )
    return features


def object_steps(
    geometry: Geometry,
    states: PyTree,
    actions: np.ndarray,
    encoded: np.ndarray,
    next_encoded: np.ndarray,
) -> ObjectSteps:
    """The living object-steps: the row is alive before and after the step and
    keeps its kind (a row freed and reused within one step is not one object),
    and it is not the object on the cell the action targets (what the action
    does to that object is the targeted-object laws' part; counted here, a hit
    on a zombie whose timer happened to run read as "a running timer lowers the
    health")."""
    schema = geometry.schema
    living = (_columns(schema, encoded, geometry.alive_name) != 0) & (
        _columns(schema, next_encoded, geometry.alive_name) != 0
    )
    if geometry.has_grid:
        aimed = evaluate(
            [
                geometry.object_on_target_source(None),
                f"{geometry.object_slot_source()}[0]",
            ],
            geometry,
            states,
            actions,
        )
        hit = np.flatnonzero(aimed[:, 0])
        living[hit, aimed[hit, 1]] = False
    kinds = None
    if geometry.kind is not None:
        kinds = _columns(schema, encoded, geometry.kind_name)
        living &= kinds == _columns(schema, next_encoded, geometry.kind_name)
    features = row_features(geometry, states, encoded, living)
    values = evaluate([f.source for f in features], geometry, states, actions)
    transition, row = np.nonzero(living)
    matrix = values.transpose(0, 2, 1)[transition, row].astype(bool)
    return ObjectSteps(
        transition.astype(np.int64),
        row.astype(np.int64),
        features,
        matrix,
        None if kinds is None else kinds[transition, row],
    )


def specific(
    search: RuleSearch,
    candidate: Candidate,
    current: np.ndarray,
    following: np.ndarray,
) -> Candidate:
    """A deterministic row law narrowed to the rows like those it explained:
    up to :data:`MAX_SPECIFIC` literals that hold on every change it explains
    are added, each the one that leaves the fewest matched object-steps (ties:
    the cheaper family, then the first feature), while one still removes some.
    A row law found from the few rows the life showed changing (a timer that
    only ran next to the player) then claims only rows like them; elsewhere the
    frame default speaks, as it did before the law."""
    if candidate.effect.kind == "categorical":
        return candidate
    target = candidate.target
    holds = candidate.effect.predict(target, current) == following
    changed = current != following
    cond = search.mask(candidate.literals)
    positives = cond & holds & changed
    literals = list(candidate.literals)
    count = len(search.features)
    costs = np.concatenate([search.costs, search.costs])
    for _ in range(MAX_SPECIFIC):
        sub = search.matrix[cond]
        both = np.concatenate([sub, ~sub], axis=1)
        keeps = both[positives[cond]].all(axis=0)
        matched = both.sum(axis=0).astype(float)
        matched[~keeps] = np.inf
        best = int(min(range(2 * count), key=lambda j: (matched[j], costs[j], j)))
        if not matched[best] < cond.sum():
            break
        column = search.matrix[:, best % count]
        literals.append(Literal(search.features[best % count], best < count))
        cond = cond & (column if best < count else ~column)
    if len(literals) == len(candidate.literals):
        return candidate
    matched = int(cond.sum())
    held = int((holds & cond).sum())
    frame = frame_log_likelihood(changed[cond], target.domain_size, search.rate)
    return dataclasses.replace(
        candidate,
        literals=tuple(literals),
        matched=matched,
        held=held,
        explained=int((holds & changed & cond).sum()),
        gain=deterministic_gain(held, matched, target.domain_size, frame),
    )


def _kind_literal(steps: ObjectSteps, kind: int | None) -> tuple[Literal, ...]:
    if kind is None:
        return ()
    (feature,) = [f for f in steps.features if f.name == f"row_kind_{kind}"]
    return (Literal(feature),)


def _focus(steps: ObjectSteps, mask: np.ndarray, total: int, rows: int) -> int:
    """Rows a law computes over: twice the most rows its precondition held on
    in one transition (at least :data:`MIN_FOCUS`, a multiple of it, at most
    the table's ``rows``)."""
    most = int(np.bincount(steps.transition[mask], minlength=total).max(initial=0))
    size = -(-max(2 * most, MIN_FOCUS) // MIN_FOCUS) * MIN_FOCUS
    return min(size, rows)


def enterable_values(
    geometry: Geometry, encoded: np.ndarray, steps: ObjectSteps, kind: int | None
) -> tuple[int, ...]:
    """The grid values that rows (of ``kind``) were seen standing on."""
    schema = geometry.schema
    grid = _columns(schema, encoded, geometry.grid.name)
    pos = _columns(schema, encoded, schema_position(geometry))
    mask = np.ones(steps.row.shape[0], bool) if kind is None else steps.kinds == kind
    t, r = steps.transition[mask], steps.row[mask]
    width, height = geometry.grid.shape
    x = np.clip(pos[t, r, 0], 0, width - 1)
    y = np.clip(pos[t, r, 1], 0, height - 1)
    return tuple(int(v) for v in np.unique(grid[t, x, y]))


def schema_position(geometry: Geometry) -> str:
    """The name of the table's ``(N, 2)`` position attribute."""
    (name,) = [
        a.name
        for a in geometry.schema.attributes
        if a.role == "entity.position" and len(a.shape) == 2
    ]
    return name


def row_laws(
    geometry: Geometry,
    states: PyTree,
    actions: np.ndarray,
    encoded: np.ndarray,
    next_encoded: np.ndarray,
    settings: SearchSettings,
) -> list[Candidate]:
    """The searched laws of every object column, kind by kind (see the module
    docstring)."""
    schema = geometry.schema
    steps = object_steps(geometry, states, actions, encoded, next_encoded)
    if steps.row.size == 0:
        return []
    least = settings.min_support
    search = RuleSearch(steps.features, steps.matrix, settings)
    kinds = [None] if steps.kinds is None else np.unique(steps.kinds).tolist()
    total = int(encoded.shape[0])
    rows = int(schema[geometry.alive_name].size)
    t, r = steps.transition, steps.row
    found: list[Candidate] = []
    columns = [c for c in geometry.object_columns if c != geometry.alive_name]
    position = None
    if geometry.mirror is not None and geometry.grid is not None:
        position = schema_position(geometry)
    for kind in kinds:
        of_kind = (
            np.ones(r.shape[0], bool) if steps.kinds is None else steps.kinds == kind
        )
        words = "every living row" if kind is None else f"every row of kind {kind}"
        slug = "rows" if kind is None else f"kind_{kind}"
        for column in columns:
            attribute = schema[column]
            current = _columns(schema, encoded, column)[t, r]
            following = np.where(
                of_kind, _columns(schema, next_encoded, column)[t, r], current
            )
            if int(np.sum(current != following)) < least:
                continue
            target = Target(
                slug=f"{slug}_{column.replace('.', '_')}",
                label=f"{column} of {words}",
                attribute=column,
                site=None,
                current=code_expression(
                    leaf_expression(schema.template, column), attribute
                ),
                low=attribute.low,
                high=attribute.high,
                requires=_kind_literal(steps, kind),
                rows=True,
            )
            found += [
                specific(search, law, current, following)
                for law in search.laws_for(target, current, following)
            ]
        if position is None:
            continue
        before = _columns(schema, encoded, position)[t, r]
        after = _columns(schema, next_encoded, position)[t, r]
        offset = np.where(of_kind[:, None], after - before, 0)
        moved = np.any(offset != 0, axis=1)
        if int(moved.sum()) < least:
            continue
        seen, counts = np.unique(offset[moved], axis=0, return_counts=True)
        frequent = [
            tuple(int(v) for v in s) for s, c in zip(seen, counts) if c >= least
        ]
        if not frequent:
            continue
        offsets = ((0, 0), *frequent)
        code = np.full(r.shape[0], len(offsets), np.int64)  # a rare step
        for index, step in enumerate(offsets):
            code[np.all(offset == np.asarray(step), axis=1)] = index
        attribute = schema[position]
        target = Target(
            slug=f"{slug}_{position.replace('.', '_')}",
            label=f"{position} of {words}",
            attribute=position,
            site=None,
            current="0",
            low=0,
            high=len(offsets),
            requires=_kind_literal(steps, kind),
            rows=True,
            steps=offsets,
            enterable=enterable_values(geometry, encoded, steps, kind),
        )
        laws = search.laws_for(target, np.zeros_like(code), code)
        found += [
            dataclasses.replace(
                law,
                focus=_focus(steps, search.precondition_mask(law), total, rows),
            )
            for law in laws
        ]
    return found
