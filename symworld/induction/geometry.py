"""Spatial conventions of an environment, read from schema roles and inferred from
data: where the player is, which way it faces, the grid it stands on, the object
table, and the step each facing value and each action stands for.

Roles read (any may be absent; the matching features are then left out):

==================  ==========================================================
``player.position`` one attribute of 2 sites, or two scalars (x then y)
``player.facing``   a scalar facing code (if untagged: the scalar attribute
                    that after every one-cell move names the move's step)
``map``             a 2-D grid attribute ``[x, y]`` (the first one is used)
``entity.alive``    an object table's alive mask ``(N,)``
``entity.kind``     the table's kind column ``(N,)`` (if untagged: the small
                    column that (almost) never changes while an object lives,
                    with the most values)
``entity.position`` the table's position ``(N, 2)`` or two ``(N,)`` columns
==================  ==========================================================

A grid of the map's shape that mirrors the table (the cell under each living
object holds the object's row, on at least :data:`MIRROR_AGREEMENT` of the
living object-steps) is found from the data, whatever its role: laws that move
a row keep it in step (``mirror``; ``mirror_empty`` is its most common value,
the code of a cell without an object). Where the player's cell holds one value
on at least :data:`MIRROR_AGREEMENT` of the states (``mirror_player``), laws
that move the player write that value in step too.

The table's other ``(N,)`` columns with at most :data:`OBJECT_COLUMN_DOMAIN`
values (health, timers, flags) are read at the row of the object on the targeted
cell (``object_columns``).

Nothing here knows an environment's names: the facing offsets and the action
offsets are *measured* — the facing value seen after each one-cell move gives
that facing's step, and an action that moves the player by the same step in
most of the transitions where it moves it is a moving action.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from symworld.programs.attributes import Attribute, Schema

PyTree = Any
SMALL_ATTRIBUTE = 32
# object-table columns with at most this many values (vitals, timers, flags; not
# identifiers or clocks) get features and laws about the object on the targeted
# cell
OBJECT_COLUMN_DOMAIN = 64
KIND_SLIP = 0.001  # changes per living object tolerated in an inferred kind column
MIRROR_AGREEMENT = 0.95  # living object-steps whose cell holds the row, in a mirror


def code_expression(source: str, attribute: Attribute) -> str:
    """``source`` (a leaf of ``attribute`` or a part of it) as the integer code
    the schema stores: ``jnp.round(source * scale)`` for a scaled float leaf."""
    if attribute.scale == 1.0:
        return source
    return f"jnp.round({source} * {attribute.scale!r})"


def leaf_expression(template: PyTree, dotted: str, root: str = "state") -> str:
    """Python source reaching the leaf ``dotted`` of a state pytree."""
    node = template
    text = root
    for part in dotted.split("."):
        if isinstance(node, dict):
            text += f"[{part!r}]"
            node = node[part]
        elif isinstance(node, list | tuple) and part.isdigit():
            text += f"[{part}]"
            node = node[int(part)]
        else:
            text += f".{part}"
            node = getattr(node, part)
    return text


def _roles(schema: Schema, role: str) -> list[tuple[int, Attribute]]:
    return [(k, a) for k, a in enumerate(schema.attributes) if a.role == role]


@dataclasses.dataclass(frozen=True)
class Geometry:
    """How to read space from a state (see the module docstring).

    Expressions are Python source over ``state``. ``facing_offsets[f]`` and
    ``action_offsets[a]`` are ``(dx, dy)`` steps (``(0, 0)``: unknown / not a move).
    """

    schema: Schema = dataclasses.field(compare=False, repr=False)
    position: tuple[str, str] | None = None
    position_sites: tuple[int, int] | None = None
    facing: str | None = None
    grid: Attribute | None = None
    grid_expression: str | None = None
    facing_offsets: tuple[tuple[int, int], ...] = ()
    action_offsets: tuple[tuple[int, int], ...] = ()
    alive: str | None = None
    alive_name: str | None = None
    kind: str | None = None
    kind_name: str | None = None
    object_xs: str | None = None
    object_ys: str | None = None
    object_columns: tuple[str, ...] = ()
    mirror: Attribute | None = None
    mirror_expression: str | None = None
    mirror_empty: int | None = None
    mirror_player: int | None = None

    # -- construction ---------------------------------------------------------------
    @classmethod
    def infer(
        cls,
        schema: Schema,
        encoded: np.ndarray,
        next_encoded: np.ndarray,
        actions: np.ndarray,
        num_actions: int,
        *,
        mirror: bool = True,
    ) -> Geometry:
        """Read the roles of ``schema`` and measure the offsets on the encoded
        transitions ``(T, N)``; ``mirror=False`` leaves the mirror grid out
        (no law then moves rows or keeps such a grid in step)."""
        template = schema.template
        offsets = schema.offsets
        fields: dict[str, Any] = {"schema": schema}

        position = _roles(schema, "player.position")
        if len(position) == 1 and position[0][1].size == 2:
            k, attribute = position[0]
            base = leaf_expression(template, attribute.name)
            fields["position"] = (f"{base}[0]", f"{base}[1]")
            fields["position_sites"] = (int(offsets[k]), int(offsets[k] + 1))
        elif len(position) == 2 and all(a.size == 1 for _, a in position):
            fields["position"] = tuple(
                leaf_expression(template, a.name) for _, a in position
            )
            fields["position_sites"] = tuple(int(offsets[k]) for k, _ in position)
        facing = _roles(schema, "player.facing")
        if not facing and "position_sites" in fields:
            facing = _infer_facing(
                schema, encoded, next_encoded, fields["position_sites"]
            )
        if facing and facing[0][1].size == 1:
            fields["facing"] = leaf_expression(template, facing[0][1].name)
            facing_site = int(offsets[facing[0][0]])
        else:
            facing_site = None
        grids = [(k, a) for k, a in _roles(schema, "map") if len(a.shape) == 2]
        if grids:
            fields["grid"] = grids[0][1]
            fields["grid_expression"] = leaf_expression(template, grids[0][1].name)

        alive = _roles(schema, "entity.alive")
        kind = _roles(schema, "entity.kind")
        object_position = _roles(schema, "entity.position")
        if alive and not kind:
            kind = _infer_kind(
                schema,
                encoded,
                next_encoded,
                alive[0],
                object_position[0] if object_position else None,
            )
        if alive and object_position:
            fields["alive"] = leaf_expression(template, alive[0][1].name)
            fields["alive_name"] = alive[0][1].name
            if kind:
                fields["kind"] = leaf_expression(template, kind[0][1].name)
                fields["kind_name"] = kind[0][1].name
            if len(object_position[0][1].shape) == 2:
                base = leaf_expression(template, object_position[0][1].name)
                fields["object_xs"], fields["object_ys"] = (
                    f"{base}[:, 0]",
                    f"{base}[:, 1]",
                )
            elif len(object_position) >= 2:
                fields["object_xs"] = leaf_expression(
                    template, object_position[0][1].name
                )
                fields["object_ys"] = leaf_expression(
                    template, object_position[1][1].name
                )
            if mirror and grids and len(object_position[0][1].shape) == 2:
                mirror = _infer_mirror(
                    schema, encoded, alive[0], object_position[0], grids[0][1]
                )
                if mirror is not None:
                    fields["mirror"] = mirror[0]
                    fields["mirror_expression"] = leaf_expression(
                        template, mirror[0].name
                    )
                    fields["mirror_empty"] = mirror[1]
                    if "position_sites" in fields:
                        player = _mirror_player(
                            schema, encoded, mirror[0], fields["position_sites"]
                        )
                        if player != mirror[1]:
                            fields["mirror_player"] = player
            kind_name = kind[0][1].name if kind else None
            fields["object_columns"] = tuple(
                a.name
                for a in schema.attributes
                if a.shape == alive[0][1].shape
                and a.role != "entity.position"
                and a.name != kind_name
                and 2 <= a.domain_size <= OBJECT_COLUMN_DOMAIN
            )

        if "position_sites" in fields:
            sx, sy = fields["position_sites"]
            step = np.stack(
                [
                    next_encoded[:, sx] - encoded[:, sx],
                    next_encoded[:, sy] - encoded[:, sy],
                ],
                axis=1,
            )
            unit = np.abs(step).sum(axis=1) == 1
            fields["action_offsets"] = _action_offsets(step, unit, actions, num_actions)
            if facing_site is not None:
                fields["facing_offsets"] = _facing_offsets(
                    step,
                    unit,
                    next_encoded[:, facing_site],
                    schema.attributes[facing[0][0]],
                )
        return cls(**fields)

    # -- what is available ----------------------------------------------------------
    @property
    def has_grid(self) -> bool:
        return (
            self.grid is not None
            and self.position is not None
            and (bool(self.facing_offsets) or bool(self.action_offsets))
        )

    @property
    def has_objects(self) -> bool:
        return self.alive is not None and self.position is not None

    @property
    def grid_label(self) -> str:
        return self.grid.name if self.grid is not None else "the grid"

    def is_small_site_attribute(self, attribute: Attribute) -> bool:
        """Attributes whose sites get their own features and laws."""
        if attribute.size > SMALL_ATTRIBUTE or attribute.domain_size < 2:
            return False
        return not (attribute.role == "map" or attribute.role.startswith("entity."))

    # -- sources --------------------------------------------------------------------
    def constants(self) -> dict[str, Any]:
        """Module-level constants the sources use."""
        values: dict[str, Any] = {}
        if self.grid is not None:
            values["GRID_SHAPE"] = tuple(int(s) for s in self.grid.shape)
        values["FACING_OFFSETS"] = self.facing_offsets or ((0, 0),)
        values["ACTION_OFFSETS"] = self.action_offsets or ((0, 0),)
        return values

    def site_expression(self, attribute: Attribute, local: int) -> str:
        """Source of one site's integer code (a scaled float leaf is
        ``round(value * scale)``, as the schema encodes it)."""
        base = leaf_expression(self.schema.template, attribute.name)
        if attribute.shape != ():
            index = np.unravel_index(local, attribute.shape)
            base = f"{base}[{', '.join(str(int(i)) for i in index)}]"
        return code_expression(base, attribute)

    def site_label(self, attribute: Attribute, local: int) -> str:
        if attribute.shape == ():
            return attribute.name
        index = np.unravel_index(local, attribute.shape)
        return f"{attribute.name}[{', '.join(str(int(i)) for i in index)}]"

    def site_slug(self, attribute: Attribute, local: int) -> str:
        slug = attribute.name.replace(".", "_")
        if attribute.shape == ():
            return slug
        index = np.unravel_index(local, attribute.shape)
        return slug + "_" + "_".join(str(int(i)) for i in index)

    def position_source(self) -> str:
        x, y = self.position
        return f"jnp.stack([{x}, {y}])"

    def target_source(self) -> str:
        facing = self.facing if self.facing is not None else "0"
        return (
            f"target_cell({self.position_source()}, {facing}, action, "
            "FACING_OFFSETS, ACTION_OFFSETS)"
        )

    def target_value_source(self, root: str = "state") -> str:
        grid = self.grid_expression
        if root != "state":
            grid = root + grid[len("state") :]
        return f"cell_value({grid}, {self.target_source()})"

    def target_index_source(self) -> str:
        return f"cell_index(GRID_SHAPE, {self.target_source()})"

    def window_source(self, value: int) -> str:
        centre = self.position_source()
        return f"window_contains({self.grid_expression}, {centre}, {value})"

    def window_values_source(self) -> str:
        return self.grid_expression

    def window_values(self, states: PyTree) -> np.ndarray:
        """Every grid value seen in a 3x3 window around the player."""
        from symworld.induction.features import evaluate

        sources = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                x, y = self.position
                sources.append(
                    f"cell_value({self.grid_expression}, jnp.stack([{x} + {dx}, "
                    f"{y} + {dy}]))"
                )
        actions = jnp.zeros(jax.tree_util.tree_leaves(states)[0].shape[0], jnp.int32)
        return evaluate(sources, self, states, actions)

    def distance_source(self, kind: int | None) -> str:
        mask = self.alive if kind is None else f"{self.alive} & ({self.kind} == {kind})"
        return (
            f"nearest_distance({mask}, "
            f"{self.object_xs}, {self.object_ys}, {self.position_source()})"
        )

    def object_on_target_source(self, kind: int | tuple[int, ...] | None) -> str:
        """Source of "an object (of ``kind``, or of one of the kinds listed)
        stands on the targeted cell"."""
        if kind is None:
            mask = self.alive
        elif isinstance(kind, tuple):
            listed = ", ".join(str(k) for k in kind)
            mask = f"{self.alive} & jnp.isin({self.kind}, jnp.asarray([{listed}]))"
        else:
            mask = f"{self.alive} & ({self.kind} == {kind})"
        where = f"{self.object_xs}, {self.object_ys}"
        return f"object_at({mask}, {where}, {self.target_source()})"

    def object_slot_source(self) -> str:
        """Source of the row (int32 ``(1,)``) of the object on the targeted cell."""
        where = f"{self.alive}, {self.object_xs}, {self.object_ys}"
        return f"object_slot({where}, {self.target_source()})"

    def object_value_source(self, column: str, root: str = "state") -> str:
        """Source of ``column`` (an object-table attribute name) at the row of the
        object on the targeted cell of ``state``; ``root="next_state"`` reads the
        same row after the step."""
        expression = leaf_expression(self.schema.template, column, root)
        return f"{expression}[{self.object_slot_source()}[0]]"

    def object_kinds(self, states: PyTree) -> list[int | None]:
        """Kinds of the living objects seen in ``states`` (``[None]``, any
        object, when the table has no kind column)."""
        if self.kind is None:
            return [None]
        alive = np.asarray(_read(states, self.schema, "entity.alive")).astype(bool)
        from symworld.trajectory import flatten_tree

        kind = np.asarray(flatten_tree(states)[self.kind_name])
        return sorted(int(k) for k in np.unique(kind[alive]))


def _read(states: PyTree, schema: Schema, role: str) -> Any:
    from symworld.trajectory import flatten_tree

    name = _roles(schema, role)[0][1].name
    return flatten_tree(states)[name]


def _infer_facing(
    schema: Schema,
    encoded: np.ndarray,
    next_encoded: np.ndarray,
    sites: tuple[int, int],
) -> list[tuple[int, Attribute]]:
    """A scalar attribute that, after every one-cell move, names the move's step
    (at least two steps, 95% consistent): the facing, when no role tags it."""
    offsets = schema.offsets
    step = np.stack([next_encoded[:, s] - encoded[:, s] for s in sites], axis=1)
    unit = np.abs(step).sum(axis=1) == 1
    if unit.sum() < 8:
        return []
    best = None
    for k, attribute in enumerate(schema.attributes):
        if attribute.size != 1 or attribute.domain_size > 16 or attribute.role:
            continue
        values = next_encoded[unit, offsets[k]]
        table: dict[int, Counter] = {}
        for value, move in zip(
            values.tolist(), map(tuple, step[unit].tolist()), strict=True
        ):
            table.setdefault(value, Counter())[move] += 1
        majority = sum(c.most_common(1)[0][1] for c in table.values())
        directions = {c.most_common(1)[0][0] for c in table.values()}
        score = majority / unit.sum()
        if len(directions) >= 2 and len(directions) == len(table) and score >= 0.95:
            if best is None or score > best[0]:
                best = (score, k, attribute)
    return [] if best is None else [(best[1], best[2])]


def _infer_kind(
    schema: Schema,
    encoded: np.ndarray,
    next_encoded: np.ndarray,
    alive: tuple[int, Attribute],
    position: tuple[int, Attribute] | None = None,
) -> list[tuple[int, Attribute]]:
    """An untagged column of the object table that (almost) never changes while
    an object lives and takes at least two values among living objects: the kind
    column, when no role tags it. Among such columns the one whose values spread
    the living objects most evenly wins (the largest entropy of its values over
    living object-steps, then the fewest changes): a timer or cooldown that is
    nonzero on a handful of steps can take more values than the kind column and
    change too rarely to be ruled out, but it tells objects apart on almost no
    step.

    An object "lives on" when its row is alive before and after the step and,
    where an ``(N, 2)`` position column is given, it moved at most one cell (a
    row freed and reused by a new object within one step usually jumps); changes
    on at most :data:`KIND_SLIP` of such rows are tolerated."""
    offsets = schema.offsets
    start = int(offsets[alive[0]])
    count = alive[1].size
    living = (encoded[:, start : start + count] != 0) & (
        next_encoded[:, start : start + count] != 0
    )
    if position is not None and position[1].shape == (count, 2):
        where = slice(int(offsets[position[0]]), int(offsets[position[0]]) + 2 * count)
        before = encoded[:, where].reshape(-1, count, 2).astype(np.int64)
        after = next_encoded[:, where].reshape(-1, count, 2).astype(np.int64)
        living &= np.abs(after - before).sum(axis=2) <= 1
    seen = max(int(living.sum()), 1)
    best = None
    for k, attribute in enumerate(schema.attributes):
        if attribute.shape != alive[1].shape or attribute.role:
            continue
        if not 2 <= attribute.domain_size <= 32:
            continue
        column = slice(int(offsets[k]), int(offsets[k]) + count)
        before = encoded[:, column][living]
        changes = int(np.sum(before != next_encoded[:, column][living]))
        if changes > KIND_SLIP * seen:
            continue
        _, counts = np.unique(before, return_counts=True)
        share = counts / counts.sum() if counts.size else counts
        spread = round(float(-(share * np.log(share)).sum()), 9)
        key = (spread, -changes)
        if counts.size >= 2 and (best is None or key > best[0]):
            best = (key, k, attribute)
    return [] if best is None else [(best[1], best[2])]


def _infer_mirror(
    schema: Schema,
    encoded: np.ndarray,
    alive: tuple[int, Attribute],
    position: tuple[int, Attribute],
    grid: Attribute,
) -> tuple[Attribute, int] | None:
    """A 2-D attribute of ``grid``'s shape whose cell under each living object
    holds the object's row (on at least :data:`MIRROR_AGREEMENT` of the living
    object-steps), with its most common value (the code of an empty cell)."""
    offsets = schema.offsets
    count = alive[1].size
    if position[1].shape != (count, 2):
        return None
    living = encoded[:, offsets[alive[0]] : offsets[alive[0]] + count] != 0
    if not living.any():
        return None
    where = slice(int(offsets[position[0]]), int(offsets[position[0]]) + 2 * count)
    pos = encoded[:, where].reshape(-1, count, 2).astype(np.int64)
    steps, rows = np.nonzero(living)
    for k, attribute in enumerate(schema.attributes):
        if attribute.shape != grid.shape or attribute.name == grid.name:
            continue
        width, height = attribute.shape
        x = np.clip(pos[steps, rows, 0], 0, width - 1)
        y = np.clip(pos[steps, rows, 1], 0, height - 1)
        held = encoded[steps, int(offsets[k]) + x * height + y]
        if np.mean(held == rows) < MIRROR_AGREEMENT:
            continue
        cells = encoded[:, int(offsets[k]) : int(offsets[k]) + attribute.size]
        values, counts = np.unique(cells, return_counts=True)
        return attribute, int(values[np.argmax(counts)])
    return None


def _mirror_player(
    schema: Schema,
    encoded: np.ndarray,
    mirror: Attribute,
    position_sites: tuple[int, int],
) -> int | None:
    """The value the ``mirror`` grid holds under the player on at least
    :data:`MIRROR_AGREEMENT` of the states (``None`` if no value does)."""
    width, height = mirror.shape
    x = np.clip(encoded[:, position_sites[0]].astype(np.int64), 0, width - 1)
    y = np.clip(encoded[:, position_sites[1]].astype(np.int64), 0, height - 1)
    start = int(schema.offsets[schema.index(mirror.name)])
    held = encoded[np.arange(encoded.shape[0]), start + x * height + y]
    values, counts = np.unique(held, return_counts=True)
    if counts.size == 0 or counts.max() < MIRROR_AGREEMENT * held.size:
        return None
    return int(values[np.argmax(counts)])


def _action_offsets(
    step: np.ndarray, unit: np.ndarray, actions: np.ndarray, num_actions: int
) -> tuple[tuple[int, int], ...]:
    table = []
    for action in range(num_actions):
        moved = step[(actions == action) & unit]
        taken = int(np.sum(actions == action))
        if moved.shape[0] < 3 or moved.shape[0] < 0.02 * taken:
            table.append((0, 0))
            continue
        ((best, count),) = Counter(map(tuple, moved.tolist())).most_common(1)
        table.append(
            tuple(int(v) for v in best) if count >= 0.9 * moved.shape[0] else (0, 0)
        )
    return tuple(table)


def _facing_offsets(
    step: np.ndarray, unit: np.ndarray, facing: np.ndarray, attribute: Attribute
) -> tuple[tuple[int, int], ...]:
    table = []
    for value in range(attribute.low, attribute.high + 1):
        moved = step[unit & (facing == value)]
        if moved.shape[0] == 0:
            table.append((0, 0))
            continue
        ((best, _),) = Counter(map(tuple, moved.tolist())).most_common(1)
        table.append(tuple(int(v) for v in best))
    if attribute.low != 0:
        return ()
    return tuple(table)
