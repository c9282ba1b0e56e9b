"""Attribute schemas: the named, discrete quantities a law model predicts.

A state is any pytree of arrays (a dataclass such as ``SwitchesState`` or the
Crafter-OO state). Each *leaf* of the pytree is an :class:`Attribute` named by its
dotted path (``"toggle"``, ``"player.inventory.wood"``, ``"objects.x"``,
``"materials"``). An attribute of shape ``(n, m)`` has ``n * m`` *sites* (one per
element): object tables have one site per slot, the map one site per tile. Every
site holds an integer in the attribute's domain ``low..high``; boolean leaves
(such as an object table's ``alive`` mask, which models birth and death) have the
domain ``0..1``, and float leaves that move in fixed steps are stored as
``round(value * scale)``.

:class:`Schema` encodes a state into one flat int32 vector of all sites
(``encode``) and back (``decode``), so that the model's pooled predictions,
scoring and sampling work on plain arrays.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from symworld.trajectory import flatten_tree

PyTree = Any


ROLES: dict[str, str] = {
    "": "no role: a generic attribute",
    "player.health": "the player's health (scalar)",
    "player.position": "one of the player's coordinates (one scalar per axis)",
    "player.facing": "the direction the player faces",
    "inventory": "inventory counts",
    "inventory.material": "counts of materials",
    "inventory.tool": "counts of tools",
    "entity.alive": "the object table's alive mask (birth and death)",
    "entity.health": "the object table's health column",
    "entity.position": "the object table's coordinate columns",
    "entity.kind": "the object table's kind column",
    "entity.timer": "another per-object column (a countdown, a growth stage)",
    "map": "the material map (a grid)",
    "map.occupant": "a grid of which object occupies each tile",
    "switch": "a 0/1 switch",
    "switch.deterministic": "a switch set by the actions",
    "switch.random": "a switch redrawn at random",
    "switch.static": "a switch that never changes",
    "clock": "a step counter",
}
"""The attribute roles that evaluation mutators and induction read, with their
meaning; :meth:`Schema.from_state` refuses any other role (a typo would silently
drop that attribute's distractors), unless passed in ``extra_roles`` for one's own
mutators."""

INT32_RANGE = (-(2**31), 2**31 - 1)
"""Sites are encoded as int32, so every domain lies in this range."""


@dataclasses.dataclass(frozen=True)
class Attribute:
    """One named leaf of the state.

    **Fields:**

    - ``name``: dotted path of the leaf in the state pytree.
    - ``shape``: the leaf's shape (``()`` for a scalar); it has ``prod(shape)`` sites.
    - ``low``, ``high``: inclusive integer domain of every site (after scaling).
    - ``dtype``: the leaf's dtype name (``"int32"``, ``"bool"``, ``"float32"``).
    - ``scale``: float leaves are stored as ``round(value * scale)``; 1 otherwise.
    - ``role``: a free tag used by evaluation mutators (``"player.health"``,
      ``"entity.position"``, ``"inventory"``, ``"map"``, ``"entity.alive"``, ...).
    """

    name: str
    shape: tuple[int, ...]
    low: int
    high: int
    dtype: str = "int32"
    scale: float = 1.0
    role: str = ""

    @property
    def size(self) -> int:
        """Number of sites (elements)."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def domain_size(self) -> int:
        """Number of values a site can take, ``high - low + 1``."""
        return int(self.high - self.low + 1)


@dataclasses.dataclass(frozen=True)
class Schema:
    """The attributes of an environment's state, in the order of its pytree leaves.

    **Fields:**

    - ``env_id``: the environment the schema describes (``"symworld/Switches-v0"``);
      data and models of another environment are rejected.
    - ``attributes``: one :class:`Attribute` per leaf, in ``flatten_tree`` order.
    - ``template``: a state whose structure, shapes and dtypes :meth:`decode` copies.
    - ``num_actions``: the size of the environment's discrete action space (actions
      ``0..num_actions - 1``), or ``None`` when unknown (any non-negative action).
    """

    env_id: str
    attributes: tuple[Attribute, ...]
    template: PyTree = dataclasses.field(compare=False, repr=False)
    num_actions: int | None = None

    @classmethod
    def from_state(
        cls,
        env_id: str,
        state: PyTree,
        domains: Mapping[str, tuple[int, int]],
        *,
        scales: Mapping[str, float] | None = None,
        roles: Mapping[str, str] | None = None,
        num_actions: int | None = None,
        extra_roles: Sequence[str] = (),
    ) -> Schema:
        """Build a schema from an example state.

        ``domains`` maps every leaf name to ``(low, high)`` (integers, in int32
        range); boolean leaves may be omitted (they get ``(0, 1)``). ``roles`` maps
        leaf names to a role of :data:`ROLES` (or of ``extra_roles``, for roles
        one's own mutators read). ``num_actions`` (the env's action count, at
        least 1) lets data checks reject actions outside ``0..num_actions - 1``;
        without it any non-negative action is accepted.

        Raises ``ValueError`` naming the attribute when a leaf has no domain, a
        domain is empty, not whole numbers or beyond int32, the example state
        holds a value outside its domain, a ``domains``/``scales``/``roles`` key
        is not a leaf, a role is unknown, or ``num_actions`` is not a positive
        integer.
        """
        scales = dict(scales or {})
        roles = dict(roles or {})
        leaves = flatten_tree(state)
        context = f"schema for {env_id}"
        for field, given in (
            ("domains", domains),
            ("scales", scales),
            ("roles", roles),
        ):
            unknown = sorted(set(given) - set(leaves))
            if unknown:
                raise ValueError(
                    f"{context}: {field} names {unknown}, not attributes of the "
                    f"state (they are {sorted(leaves)})"
                )
        known_roles = set(ROLES) | set(extra_roles)
        for name, role in roles.items():
            if role not in known_roles:
                raise ValueError(
                    f"{context}: attribute {name!r} has the unknown role {role!r}; "
                    f"known roles: {sorted(r for r in known_roles if r)} (pass "
                    "extra_roles= for a role your own mutators read)"
                )
        attributes = []
        for name, leaf in leaves.items():
            leaf = np.asarray(leaf)
            if name in domains:
                low, high = _domain(context, name, domains[name])
            elif leaf.dtype == np.bool_:
                low, high = 0, 1
            else:
                raise ValueError(
                    f"{context}: attribute {name!r} has no domain (low, high)"
                )
            attribute = Attribute(
                name=name,
                shape=tuple(leaf.shape),
                low=low,
                high=high,
                dtype=str(leaf.dtype),
                scale=float(scales.get(name, 1.0)),
                role=roles.get(name, ""),
            )
            check_domain(
                attribute,
                np.round(leaf.astype(np.float64).reshape(1, -1) * attribute.scale),
                f"{context}, the example state",
            )
            attributes.append(attribute)
        if num_actions is not None and (
            isinstance(num_actions, bool)
            or not isinstance(num_actions, int | np.integer)
            or num_actions < 1
        ):
            raise ValueError(
                f"{context}: num_actions must be a positive integer (the size of the "
                f"discrete action space), got {num_actions!r}"
            )
        return cls(
            env_id=env_id,
            attributes=tuple(attributes),
            template=state,
            num_actions=None if num_actions is None else int(num_actions),
        )

    # -- lookup -----------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Attribute names in order."""
        return tuple(a.name for a in self.attributes)

    def index(self, name: str) -> int:
        """Position of an attribute in :attr:`attributes`; ``KeyError`` if unknown."""
        for position, attribute in enumerate(self.attributes):
            if attribute.name == name:
                return position
        raise KeyError(name)

    def __getitem__(self, name: str) -> Attribute:
        return self.attributes[self.index(name)]

    def __contains__(self, name: object) -> bool:
        return name in self.names

    @property
    def offsets(self) -> np.ndarray:
        """int64 ``(K + 1,)``: start of each attribute's sites in the flat vector."""
        sizes = [a.size for a in self.attributes]
        return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    @property
    def num_sites(self) -> int:
        """Total number of sites in a state."""
        return int(self.offsets[-1])

    def site_attribute(self) -> np.ndarray:
        """int32 ``(num_sites,)``: the attribute index of each site."""
        return np.repeat(
            np.arange(len(self.attributes)), [a.size for a in self.attributes]
        ).astype(np.int32)

    def site_low(self) -> np.ndarray:
        """int32 ``(num_sites,)``: the domain's low end at each site."""
        return np.repeat(
            [a.low for a in self.attributes], [a.size for a in self.attributes]
        ).astype(np.int32)

    def site_domain_size(self) -> np.ndarray:
        """int32 ``(num_sites,)``: the domain size at each site."""
        return np.repeat(
            [a.domain_size for a in self.attributes], [a.size for a in self.attributes]
        ).astype(np.int32)

    # -- encoding ---------------------------------------------------------------
    def encode(self, state: PyTree) -> jax.Array:
        """The flat int32 ``(num_sites,)`` vector of a state (jit/vmap friendly)."""
        leaves = jax.tree_util.tree_leaves(state)
        if len(leaves) != len(self.attributes):
            raise ValueError(
                f"state has {len(leaves)} leaves; schema {self.env_id} expects "
                f"{len(self.attributes)} ({', '.join(self.names)})"
            )
        parts = []
        for attribute, leaf in zip(self.attributes, leaves, strict=True):
            leaf = jnp.asarray(leaf)
            if leaf.shape != attribute.shape:
                raise ValueError(
                    f"attribute {attribute.name!r}: shape {leaf.shape}, schema "
                    f"{self.env_id} expects {attribute.shape}"
                )
            if attribute.scale != 1.0:
                leaf = jnp.round(leaf * attribute.scale)
            parts.append(jnp.reshape(leaf, (-1,)).astype(jnp.int32))
        return jnp.concatenate(parts)

    def decode(self, vector: jax.Array) -> PyTree:
        """Rebuild a state (structure and dtypes of :attr:`template`) from
        :meth:`encode`'s vector."""
        offsets = self.offsets
        template_leaves, treedef = jax.tree_util.tree_flatten(self.template)
        leaves = []
        for position, (attribute, like) in enumerate(
            zip(self.attributes, template_leaves, strict=True)
        ):
            part = vector[offsets[position] : offsets[position + 1]]
            part = jnp.reshape(part, attribute.shape)
            if attribute.scale != 1.0:
                part = part / attribute.scale
            leaves.append(part.astype(jnp.asarray(like).dtype))
        return jax.tree_util.tree_unflatten(treedef, leaves)

    def encode_columns(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """Encode named columns (a trajectory's ``state`` dict, ``(B, *shape)`` each)
        into an int32 ``(B, num_sites)`` matrix.

        Raises ``ValueError`` when a column is missing, has the wrong shape, or a
        value lies outside its attribute's domain (naming the attribute), which is
        how data recorded from another environment is rejected.
        """
        missing = [name for name in self.names if name not in columns]
        if missing:
            raise ValueError(
                f"data does not match environment {self.env_id}: missing attributes "
                f"{missing[:8]}; found {sorted(columns)[:8]}"
            )
        extra = sorted(set(columns) - set(self.names))
        if extra:
            raise ValueError(
                f"data does not match environment {self.env_id}: unknown attributes "
                f"{extra[:8]}"
            )
        parts = []
        batch = None
        for attribute in self.attributes:
            column = np.asarray(columns[attribute.name])
            if batch is None:
                batch = column.shape[0]
            if column.shape[1:] != attribute.shape or column.shape[0] != batch:
                raise ValueError(
                    f"data does not match environment {self.env_id}: attribute "
                    f"{attribute.name!r} has shape {column.shape[1:]}, expected "
                    f"{attribute.shape}"
                )
            context = f"data does not match environment {self.env_id}"
            values = column.astype(np.float64).reshape(batch, -1) * attribute.scale
            if not np.issubdtype(np.dtype(attribute.dtype), np.floating):
                check_whole(attribute, values, context)
            values = np.round(values).astype(np.int64)
            check_domain(attribute, values, context)
            parts.append(values.astype(np.int32))
        return np.concatenate(parts, axis=1)

    def describe(self) -> list[dict[str, Any]]:
        """JSON-serialisable description of every attribute."""
        return [
            {
                "name": a.name,
                "shape": list(a.shape),
                "low": a.low,
                "high": a.high,
                "dtype": a.dtype,
                "scale": a.scale,
                "role": a.role,
            }
            for a in self.attributes
        ]


def _domain(context: str, name: str, domain: Any) -> tuple[int, int]:
    """``(low, high)`` of a ``domains`` entry as ints, or ``ValueError`` naming the
    attribute."""
    try:
        low, high = domain
    except (TypeError, ValueError):
        raise ValueError(
            f"{context}: attribute {name!r}: the domain must be a (low, high) pair, "
            f"got {domain!r}"
        ) from None
    for bound in (low, high):
        whole = isinstance(bound, int | np.integer) or (
            isinstance(bound, float | np.floating) and float(bound).is_integer()
        )
        if isinstance(bound, bool) or not whole:
            raise ValueError(
                f"{context}: attribute {name!r}: the domain bounds must be whole "
                f"numbers (sites hold integer codes; scale a float leaf with "
                f"scales=), got {domain!r}"
            )
    low, high = int(low), int(high)
    if high < low:
        raise ValueError(f"{context}: attribute {name!r}: empty domain {low}..{high}")
    if low < INT32_RANGE[0] or high > INT32_RANGE[1]:
        raise ValueError(
            f"{context}: attribute {name!r}: the domain {low}..{high} leaves the "
            f"int32 range {INT32_RANGE[0]}..{INT32_RANGE[1]}"
        )
    return low, high


def check_domain(attribute: Attribute, values: np.ndarray, context: str) -> None:
    """Raise ``ValueError`` naming the attribute, row and value when a site of
    ``values`` (integers ``(B, sites)``, one row per state) lies outside the
    attribute's domain; ``context`` starts the message."""
    bad = (values < attribute.low) | (values > attribute.high)
    _refuse_first(
        attribute,
        values,
        bad,
        context,
        lambda value: (
            f"{int(value)}, outside its domain {attribute.low}..{attribute.high}"
        ),
    )


def check_whole(attribute: Attribute, values: np.ndarray, context: str) -> None:
    """Raise ``ValueError`` naming the attribute, row and value when a site of
    ``values`` (floats ``(B, sites)``, one row per state) of a discrete (integer or
    boolean) attribute is not a whole number; ``context`` starts the message.

    Scaled float attributes are quantised by rounding instead and are not checked.
    """
    bad = ~np.isfinite(values) | (np.round(values) != values)
    _refuse_first(
        attribute,
        values,
        bad,
        context,
        lambda value: (
            f"{float(value)}, not a whole number (its domain is "
            f"{attribute.low}..{attribute.high})"
        ),
    )


def _refuse_first(
    attribute: Attribute,
    values: np.ndarray,
    bad: np.ndarray,
    context: str,
    describe: Callable[[Any], str],
) -> None:
    """``ValueError`` for the first bad site (row-major) of ``values``: the
    attribute, the row and ``describe(value)``."""
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{context}: attribute {attribute.name!r} row {row} holds "
            f"{describe(values[row, column])}"
        )


def site_names(schema: Schema, sites: Sequence[int]) -> list[str]:
    """Readable names (``"objects.x[3]"``) of flat site indices."""
    offsets = schema.offsets
    names = []
    for site in sites:
        position = int(np.searchsorted(offsets, site, side="right") - 1)
        attribute = schema.attributes[position]
        local = int(site - offsets[position])
        if attribute.shape == ():
            names.append(attribute.name)
        else:
            index = np.unravel_index(local, attribute.shape)
            names.append(f"{attribute.name}[{','.join(str(int(i)) for i in index)}]")
    return names
