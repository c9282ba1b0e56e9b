"""The typed feature grammar: boolean facts about a transition's state and action.

Features are built from the attribute *schema* (names, shapes, domains, roles)
and from what the data show, never from an environment's own names:

- the action (``action == a``);
- every small scalar site (an element of an attribute with at most
  :data:`SMALL_ATTRIBUTE` sites that is not a map or an object-table column):
  equality with each observed value of a small domain, thresholds
  (``site >= v``) on counts, counters and vitals;
- where the schema tags a grid (role ``map``), the player's position
  (``player.position``) and facing (``player.facing``): the material of the
  cell an action targets, and the materials in the 3x3 window around the player;
- where it tags an object table (``entity.alive``, ``entity.kind``,
  ``entity.position``): distance bands to the nearest living object of each kind,
  whether an object stands on the targeted cell, and equalities and thresholds
  of the small columns of that object (``objects.health of the object on the
  targeted cell is at least 2``).

Each :class:`Feature` carries a jnp source expression over ``state`` and
``action``; the inducer evaluates exactly the expressions it later writes into
the law module, so a written law tests what the search measured.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from symworld.induction import vocabulary
from symworld.induction.geometry import Geometry
from symworld.programs.attributes import Schema

MAX_THRESHOLDS = 16  # thresholds per site
MAX_EQUALITIES = 10  # equality tests per site
DISTANCE_BANDS = (1, 2, 4, 8)  # Chebyshev distance bands to objects

# Description length of one literal, by feature family (nats, relative). Among
# conditions that explain the same changes equally well the search prefers the
# cheaper one: what the action does to the cell or object it targets generalises
# to every place, a fact about where the player stands does not.
FAMILY_COST = {
    "action": 1.0,  # the action taken
    "target": 1.0,  # the targeted cell or the object on it
    "window": 2.0,  # values around the player
    "objects": 2.0,  # distance bands to objects
    "target_object": 2.0,  # a column of the object on the targeted cell
    "site": 3.0,  # vitals, counters, flags, inventory counts
    "position": 4.0,  # absolute coordinates (role ``player.position``)
    # features of one row of an object table (laws over every row)
    "row_kind": 1.0,  # the row's kind
    "row_column": 2.0,  # a small column of the row (a timer, a facing)
    "row_distance": 2.0,  # the row's distance to the player
}
POSITION_ROLES = ("player.position",)


@dataclasses.dataclass(frozen=True)
class Feature:
    """A boolean fact about ``(state, action)``.

    - ``name``: a unique identifier (used in law names).
    - ``words``: the fact in words, for docstrings and reports.
    - ``source``: a jnp expression over ``state`` and ``action`` (bool scalar).
    - ``family``: a key of :data:`FAMILY_COST` (what kind of fact it is).
    - ``site``, ``threshold``: for a threshold ``site >= threshold`` on one
      flat site of the encoded state, which site and value (else ``None``).
    """

    name: str
    words: str
    source: str
    family: str = "site"
    site: int | None = None
    threshold: int | None = None

    @property
    def cost(self) -> float:
        """Description length of naming this feature (see :data:`FAMILY_COST`)."""
        return FAMILY_COST[self.family]


@dataclasses.dataclass(frozen=True)
class Literal:
    """A feature or its negation, as one conjunct of a precondition."""

    feature: Feature
    positive: bool = True

    @property
    def source(self) -> str:
        return (
            f"({self.feature.source})" if self.positive else f"~({self.feature.source})"
        )

    @property
    def words(self) -> str:
        return self.feature.words if self.positive else f"not ({self.feature.words})"

    @property
    def name(self) -> str:
        return self.feature.name if self.positive else f"not_{self.feature.name}"


def conjunction_source(literals: Sequence[Literal]) -> str:
    """The jnp source of a conjunction (``jnp.bool_(True)`` when empty)."""
    if not literals:
        return "jnp.bool_(True)"
    return " & ".join(literal.source for literal in literals)


def conjunction_words(literals: Sequence[Literal]) -> str:
    if not literals:
        return "always"
    return " and ".join(literal.words for literal in literals)


def namespace(geometry: Geometry) -> dict[str, Any]:
    """Names that feature and law sources may use."""
    names = {"jnp": jnp}
    names.update(
        {
            name: getattr(vocabulary, name)
            for name in (
                "target_cell",
                "cell_value",
                "cell_index",
                "window_contains",
                "nearest_distance",
                "object_at",
                "object_slot",
                "object_value",
                "row_distance",
                "focus_rows",
                "row_ends",
                "mirror_moves",
            )
        }
    )
    names.update(geometry.constants())
    return names


def compile_expressions(
    sources: Sequence[str], geometry: Geometry, arguments: str = "state, action"
) -> Any:
    """A jnp function of ``arguments`` returning the stacked int32 values of
    ``sources`` (``(len(sources),)``)."""
    body = ",\n        ".join(f"jnp.asarray({s}).astype(jnp.int32)" for s in sources)
    text = (
        f"def _evaluate({arguments}):\n    return jnp.stack([\n        {body}\n    ])\n"
    )
    scope = namespace(geometry)
    exec(compile(text, "<induced features>", "exec"), scope)  # noqa: S102 - our own text
    return scope["_evaluate"]


def evaluate(
    sources: Sequence[str],
    geometry: Geometry,
    states: Any,
    actions: jax.Array,
    *,
    next_states: Any = None,
    chunk: int = 512,
) -> np.ndarray:
    """int32 ``(T, len(sources))``: every expression on every transition
    (``next_state`` is available to the expressions when ``next_states`` is
    given)."""
    if not sources:
        return np.zeros((int(np.asarray(actions).shape[0]), 0), np.int32)
    with_next = next_states is not None
    function = compile_expressions(
        sources, geometry, "state, action, next_state" if with_next else "state, action"
    )
    run = jax.jit(jax.vmap(function))
    total = int(np.asarray(actions).shape[0])
    parts = []
    for start in range(0, total, chunk):
        stop = min(start + chunk, total)

        def take(tree, a=start, b=stop):
            return jax.tree_util.tree_map(lambda x: x[a:b], tree)

        batch_actions = jnp.asarray(actions[start:stop], jnp.int32)
        if with_next:
            parts.append(
                np.asarray(run(take(states), batch_actions, take(next_states)))
            )
        else:
            parts.append(np.asarray(run(take(states), batch_actions)))
    return np.concatenate(parts, axis=0)


def _unique_values(column: np.ndarray) -> np.ndarray:
    return np.unique(column)


def value_features(
    values: np.ndarray,
    expression: str,
    label: str,
    slug: str,
    *,
    family: str = "site",
    two_valued: bool = False,
    site: int | None = None,
) -> list[Feature]:
    """Equality and threshold features of one value (source ``expression``)
    from its observed ``values`` (sorted, unique): ``value == v`` for a small
    set of values (one literal when ``two_valued`` or two values were seen) and
    ``value >= v`` otherwise (``site``: the flat site, for spent items)."""
    if values.size < 2:
        return []
    if two_valued or values.size == 2:
        value = int(values[-1])
        return [
            Feature(
                f"{slug}_is_{value}",
                f"{label} is {value}",
                f"{expression} == {value}",
                family,
            )
        ]
    features = []
    if values.size <= MAX_EQUALITIES:
        for value in values:
            features.append(
                Feature(
                    f"{slug}_is_{int(value)}",
                    f"{label} is {int(value)}",
                    f"{expression} == {int(value)}",
                    family,
                )
            )
    thresholds = values[1:]
    if thresholds.size > MAX_THRESHOLDS:
        keep = set(thresholds[:4].tolist()) | set(thresholds[-4:].tolist())
        picks = np.quantile(thresholds, np.linspace(0, 1, MAX_THRESHOLDS - 8))
        keep |= {int(thresholds[np.argmin(np.abs(thresholds - p))]) for p in picks}
        thresholds = np.asarray(sorted(keep))
    for value in thresholds:
        features.append(
            Feature(
                f"{slug}_ge_{int(value)}",
                f"{label} is at least {int(value)}",
                f"{expression} >= {int(value)}",
                family,
                site=site,
                threshold=None if site is None else int(value),
            )
        )
    return features


def site_features(
    schema: Schema, geometry: Geometry, encoded: np.ndarray
) -> list[Feature]:
    """Equality and threshold features of every small scalar site."""
    features = []
    offsets = schema.offsets
    for k, attribute in enumerate(schema.attributes):
        if not geometry.is_small_site_attribute(attribute):
            continue
        for local in range(attribute.size):
            column = encoded[:, offsets[k] + local]
            features += value_features(
                _unique_values(column),
                geometry.site_expression(attribute, local),
                geometry.site_label(attribute, local),
                geometry.site_slug(attribute, local),
                family="position" if attribute.role in POSITION_ROLES else "site",
                two_valued=attribute.domain_size == 2,
                site=int(offsets[k] + local),
            )
    return features


def target_object_features(
    geometry: Geometry, states: Any, actions: np.ndarray
) -> list[Feature]:
    """Equality and threshold features of the columns of the object on the
    targeted cell (``geometry.object_columns``), each guarded by "an object
    stands on the targeted cell" so that its negation means "no object there,
    or the value is below"."""
    guard = geometry.object_on_target_source(None)
    columns = [c for c in geometry.object_columns if c != geometry.alive_name]
    if not columns:
        return []
    values = evaluate(
        [guard, *(geometry.object_value_source(c) for c in columns)],
        geometry,
        states,
        actions,
    )
    on_target = values[:, 0].astype(bool)
    features = []
    for j, column in enumerate(columns):
        attribute = geometry.schema[column]
        features += [
            dataclasses.replace(f, source=f"{guard} & ({f.source})")
            for f in value_features(
                np.unique(values[on_target, j + 1]),
                geometry.object_value_source(column),
                f"{column} of the object on the targeted cell",
                "target_" + column.replace(".", "_"),
                family="target_object",
                two_valued=attribute.domain_size == 2,
            )
        ]
    return features


def spent(
    features: Sequence[Feature], encoded: np.ndarray, next_encoded: np.ndarray
) -> np.ndarray:
    """bool ``(T, F)``: feature ``site >= v`` (``v >= 1``) holds and its site
    fell by exactly ``v`` on the transition (the step spent ``v`` of it).
    ``encoded``, ``next_encoded``: int ``(T, N)`` encoded states."""
    out = np.zeros((encoded.shape[0], len(features)), bool)
    for j, feature in enumerate(features):
        if feature.site is None or feature.threshold is None or feature.threshold < 1:
            continue
        before = encoded[:, feature.site].astype(np.int64)
        after = next_encoded[:, feature.site].astype(np.int64)
        out[:, j] = (before >= feature.threshold) & (
            before - after == feature.threshold
        )
    return out


def near_name(value: int) -> str:
    """The name of the feature "``value`` is in the 3x3 window around the
    player"."""
    return f"near_{value}"


def made_values(
    schema: Schema, geometry: Geometry, encoded: np.ndarray, next_encoded: np.ndarray
) -> set[int]:
    """Grid values the player made: absent from the first state's grid, present
    in a later one (every cell of such a value came from an action: a table, a
    furnace). ``encoded``, ``next_encoded``: int ``(T, N)`` encoded states."""
    if not geometry.has_grid or encoded.shape[0] == 0:
        return set()
    index = [a.name for a in schema.attributes].index(geometry.grid.name)
    begin, end = schema.offsets[index], schema.offsets[index + 1]
    first = set(np.unique(encoded[0, begin:end]).tolist())
    later = set(np.unique(next_encoded[:, begin:end]).tolist())
    return {int(v) for v in later - first}


def build_features(
    schema: Schema,
    geometry: Geometry,
    states: Any,
    actions: np.ndarray,
    encoded: np.ndarray,
    num_actions: int,
) -> list[Feature]:
    """The feature library of a data set (see the module docstring)."""
    features = [
        Feature(f"action_{a}", f"the action is {a}", f"action == {a}", "action")
        for a in range(num_actions)
    ]
    features += site_features(schema, geometry, encoded)
    if geometry.has_grid:
        values = evaluate([geometry.target_value_source()], geometry, states, actions)[
            :, 0
        ]
        for value in np.unique(values):
            value = int(value)
            features.append(
                Feature(
                    f"target_is_{value}",
                    f"the targeted cell of {geometry.grid_label} holds {value}",
                    f"{geometry.target_value_source()} == {value}",
                    "target",
                )
            )
        # the values the player stood on: a cell it could enter (or build on)
        centre = f"cell_value({geometry.grid_expression}, {geometry.position_source()})"
        stood = [
            int(v)
            for v in np.unique(evaluate([centre], geometry, states, actions)[:, 0])
        ]
        if len(stood) >= 2:
            listed = ", ".join(str(v) for v in stood)
            features.append(
                Feature(
                    "target_stood_on",
                    f"the targeted cell of {geometry.grid_label} holds a value the "
                    f"player stood on ({listed})",
                    f"jnp.isin({geometry.target_value_source()}, "
                    f"jnp.asarray([{listed}]))",
                    "target",
                )
            )
        near = np.unique(np.asarray(geometry.window_values(states)))
        for value in near:
            value = int(value)
            features.append(
                Feature(
                    near_name(value),
                    f"{value} is in the 3x3 window of {geometry.grid_label} "
                    "around the player",
                    geometry.window_source(value),
                    "window",
                )
            )
    if geometry.has_objects:
        kinds = geometry.object_kinds(states)
        if geometry.has_grid:
            features.append(
                Feature(
                    "object_on_target",
                    "an object stands on the targeted cell",
                    geometry.object_on_target_source(None),
                    "target",
                )
            )
        for kind in kinds:
            what = "an object" if kind is None else f"an object of kind {kind}"
            slug = "object" if kind is None else f"kind_{kind}"
            for band in DISTANCE_BANDS:
                features.append(
                    Feature(
                        f"{slug}_within_{band}",
                        f"{what} is within {band} cells",
                        f"{geometry.distance_source(kind)} <= {band}",
                        "objects",
                    )
                )
            if geometry.has_grid and kind is not None:
                features.append(
                    Feature(
                        f"kind_{kind}_on_target",
                        f"an object of kind {kind} stands on the targeted cell",
                        geometry.object_on_target_source(kind),
                        "target",
                    )
                )
        if geometry.has_grid:
            features += target_object_features(geometry, states, actions)
    return features
