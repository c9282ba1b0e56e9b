"""The static layout of a law set: which (law, attribute) blocks exist and where
their predictions go, plus the checks that reject bad laws when a model is built.

Running every law on one transition gives a fixed list of *pairs*: one pair per
(law, attribute, site) the law may speak about. A pair carries the law's support
values and log-probability pieces at that site and an ``active`` flag
(precondition and ``where`` mask). The number of pairs ``P`` is static, so
:func:`evaluate_pairs` compiles once and vmaps over transitions; fitting then keeps
only the active pairs (see :mod:`symworld.programs.fitting`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from symworld.programs.attributes import Schema
from symworld.programs.effects import MAX_COMPONENTS, Distribution
from symworld.programs.law import Law, Probability, Simplex

PyTree = Any


# a predicted value may miss a whole number by float noise, not by more
ROUNDING_TOLERANCE = 1e-3


class LawError(ValueError):
    """A law that cannot be used; the message names the law (and attribute)."""

    def __init__(self, law: str, message: str, attribute: str | None = None):
        self.law = law
        self.attribute = attribute
        where = f"law {law!r}" + (f", attribute {attribute!r}" if attribute else "")
        super().__init__(f"{where}: {message}")


@dataclasses.dataclass(frozen=True)
class Block:
    """One (law, attribute) prediction block of ``sites`` pairs and ``support``
    entries; ``components`` are global component indices ``(support, C)``;
    ``identity``: the block covers every site of its attribute once, in order
    (``sites=None``)."""

    law: int
    attribute: int
    sites: int
    support: int
    components: np.ndarray
    identity: bool = False


class Layout:
    """Static structure of a law set over a schema.

    Layouts compare (and hash) by value, so that models built separately from the
    same laws and schema share compiled functions (a layout is a static field of
    :class:`~symworld.programs.model.LawModel`, and ``jax.jit`` caches key on the
    static fields' hash and equality): two layouts are equal when their laws are,
    one by one, of the same class with equal instance attributes (numbers,
    strings, tuples and arrays by value, any other object by identity), their
    schemas are equal (``env_id``, attributes, ``num_actions``) with templates of
    the same structure, shapes and dtypes, and they stand in for equal
    :attr:`reference` layouts. What a layout derives from its laws (blocks,
    pairs, components) follows from these, so equal layouts compile alike.
    """

    def __init__(self, laws: Sequence[Law], schema: Schema):
        self.laws = tuple(laws)
        self.schema = schema
        # The unfocused layout this one stands in for (symworld.programs.focus).
        self.reference = None
        for position, law in enumerate(self.laws):
            _check_law_object(position, law)
        names = [law.name for law in self.laws]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise LawError(duplicates[0], "the name is used by more than one law")

        # Learnable parameters and their log-probability components.
        self.parameters: list[tuple[int, Probability | Simplex]] = []
        component_names: list[str] = []
        for index, law in enumerate(self.laws):
            for parameter in law.parameters:
                _check_parameter(law, parameter)
                self.parameters.append((index, parameter))
                component_names.extend(parameter.component_names(law.name))
        self.component_names = tuple(component_names)
        self.component_index = {n: i for i, n in enumerate(component_names)}

        for law in self.laws:
            if isinstance(law.writes, str) or not law.writes:
                raise LawError(
                    law.name,
                    "writes must be a non-empty tuple of attribute names, got "
                    f"{law.writes!r}"
                    + (
                        f" (write ({law.writes!r},))"
                        if isinstance(law.writes, str)
                        else ""
                    ),
                )
            for attribute in law.writes:
                if attribute not in schema:
                    raise LawError(
                        law.name,
                        f"writes an unknown attribute (schema {schema.env_id})",
                        attribute,
                    )

        # Trace each law once on the template state for its structure.
        self.blocks = _trace_blocks(self.laws, schema, self.component_index)
        self.support = max([b.support for b in self.blocks], default=1)
        self.num_pairs = int(sum(b.sites for b in self.blocks))
        pair_law, pair_block = [], []
        for position, block in enumerate(self.blocks):
            pair_law.extend([block.law] * block.sites)
            pair_block.extend([position] * block.sites)
        self.pair_law = np.asarray(pair_law, np.int32)
        self.pair_block = np.asarray(pair_block, np.int32)
        table = np.full((max(len(self.blocks), 1), self.support, MAX_COMPONENTS), -1)
        for position, block in enumerate(self.blocks):
            table[position, : block.support] = block.components
        self.block_components = table.astype(np.int32)
        self.pair_components = (
            self.block_components[self.pair_block]
            if (self.num_pairs)
            else np.zeros((0, self.support, MAX_COMPONENTS), np.int32)
        )
        self.value_span = int(max(a.domain_size for a in schema.attributes))
        if schema.num_sites * self.value_span >= 2**31 - 1:
            raise ValueError(
                f"schema {schema.env_id}: {schema.num_sites} sites x "
                f"{self.value_span} values is too large for int32 cell keys"
            )

    @property
    def reference(self) -> Layout | None:
        """The unfocused layout this (focused) one stands in for, or ``None``."""
        return self.__dict__["_reference"]

    @reference.setter
    def reference(self, layout: Layout | None) -> None:
        self.__dict__["_reference"] = layout
        self.__dict__.pop("_value_key", None)
        self.__dict__.pop("_value_hash", None)

    def _key(self) -> tuple:
        key = self.__dict__.get("_value_key")
        if key is None:
            template = self.schema.template
            leaves, structure = jax.tree_util.tree_flatten(template)
            key = (
                tuple(law_key(law) for law in self.laws),
                self.schema,
                structure,
                tuple((np.shape(x), np.asarray(x).dtype.str) for x in leaves),
                None if self.reference is None else self.reference._key(),
            )
            self.__dict__["_value_key"] = key
        return key

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Layout):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        # Cached: jit hashes its static arguments on every call, and a focused
        # layout's key takes tens of microseconds to hash.
        value = self.__dict__.get("_value_hash")
        if value is None:
            value = self.__dict__["_value_hash"] = hash(self._key())
        return value


class _Identity:
    """Compares and hashes an object by identity (holding it alive)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and self.value is other.value

    def __hash__(self) -> int:
        return id(self.value)


def _value_key(value: Any) -> Any:
    """A hashable stand-in for a law's attribute: equal for equal numbers,
    strings, containers of them and concrete arrays; identity for the rest."""
    if value is None or isinstance(value, bool | int | float | complex | str | bytes):
        return (type(value), value)
    if isinstance(value, tuple | list):
        return (type(value), tuple(_value_key(v) for v in value))
    if isinstance(value, dict):
        return (dict, tuple((_value_key(k), _value_key(v)) for k, v in value.items()))
    if isinstance(value, np.ndarray | np.generic) or (
        isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer)
    ):
        array = np.asarray(value)
        return ("array", array.dtype.str, array.shape, array.tobytes())
    try:
        hash(value)
    except TypeError:
        return _Identity(value)
    if dataclasses.is_dataclass(value) or type(value).__eq__ is not object.__eq__:
        return (type(value), value)  # value equality of its own (Probability)
    return _Identity(value)


def law_key(law: Law) -> tuple:
    """What makes two laws interchangeable in a compiled model: the same class and
    equal instance attributes (see :class:`Layout`)."""
    return (
        type(law),
        tuple((name, _value_key(value)) for name, value in sorted(vars(law).items())),
    )


def _check_law_object(position: int, law: Any) -> None:
    """Reject an entry of a law list that is not a usable :class:`Law` instance:
    a class, another object, a law without a name, ``parameters`` that is not a
    tuple, or two parameters of one name."""
    if isinstance(law, type) and issubclass(law, Law):
        raise LawError(
            getattr(law, "name", "") or law.__name__,
            f"laws[{position}] is the class {law.__name__}, not an instance (write "
            f"{law.__name__}())",
        )
    if not isinstance(law, Law):
        raise LawError(
            str(law)[:40],
            f"laws[{position}] is a {type(law).__name__}, not a "
            "symworld.programs.Law instance",
        )
    if not isinstance(law.name, str) or not law.name:
        raise LawError(type(law).__name__, "has no name")
    if not isinstance(law.parameters, tuple | list):
        raise LawError(
            law.name,
            "parameters must be a tuple of Probability / Simplex, got "
            f"{law.parameters!r} (write ({law.parameters!r},))",
        )
    names = [getattr(parameter, "name", None) for parameter in law.parameters]
    repeated = sorted({n for n in names if names.count(n) > 1}, key=str)
    if repeated:
        raise LawError(
            law.name, f"declares the parameter {repeated[0]!r} more than once"
        )


def _check_parameter(law: Law, parameter: Probability | Simplex) -> None:
    """Reject a parameter whose prior or initial value numpyro cannot use."""
    if isinstance(parameter, Probability):
        a, b = (float(x) for x in parameter.prior)
        if not (np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0):
            raise LawError(
                law.name,
                f"parameter {parameter.name!r}: the Beta prior {parameter.prior} "
                "needs two positive finite numbers",
            )
        if not 0 < float(parameter.init) < 1:
            raise LawError(
                law.name,
                f"parameter {parameter.name!r}: init {parameter.init} is not "
                "strictly between 0 and 1",
            )
    elif isinstance(parameter, Simplex):
        concentration = float(parameter.concentration)
        if parameter.size < 1 or not (np.isfinite(concentration) and concentration > 0):
            raise LawError(
                law.name,
                f"parameter {parameter.name!r}: a Simplex needs size >= 1 and a "
                f"positive concentration, got size {parameter.size}, "
                f"concentration {parameter.concentration}",
            )
    else:
        raise LawError(
            law.name,
            f"parameter {parameter!r} is neither a Probability nor a Simplex",
        )


def _trace_blocks(
    laws: Sequence[Law], schema: Schema, component_index: dict[str, int]
) -> list[Block]:
    """Check every law and read its blocks off one trace on the template state.

    The trace is abstract (``jax.make_jaxpr``), so nothing that reads the state is
    compiled; what a law computes from constants alone (``sites=[3]``, say) is
    evaluated at once (``jax.ensure_compile_time_eval``), so that
    :func:`_check_sites` can read it."""
    blocks: list[Block] = []

    def trace(state: PyTree, action: jax.Array) -> None:
        with jax.ensure_compile_time_eval():
            for index, law in enumerate(laws):
                _check_precondition(law, state, action)
                effect = _call_effect(law, state, action)
                for attribute_name, distribution in effect.items():
                    blocks.append(
                        _block(
                            law,
                            index,
                            schema,
                            attribute_name,
                            distribution,
                            component_index,
                        )
                    )

    jax.make_jaxpr(trace)(schema.template, jnp.int32(0))
    return blocks


def _block(
    law: Law,
    index: int,
    schema: Schema,
    attribute_name: str,
    distribution: Distribution,
    component_index: dict[str, int],
) -> Block:
    """The :class:`Block` of law ``index``'s prediction for one attribute."""
    values, _, sites, _ = normalise(law, schema, attribute_name, distribution)
    _check_sites(law, schema, attribute_name, sites)
    components = np.full((distribution.support_size, MAX_COMPONENTS), -1, np.int32)
    for s, names_s in enumerate(distribution.component_names()):
        for c, component in enumerate(names_s):
            if component not in component_index:
                raise LawError(
                    law.name,
                    f"uses the unknown parameter component {component!r}",
                    attribute_name,
                )
            components[s, c] = component_index[component]
    return Block(
        index,
        schema.index(attribute_name),
        int(values.shape[0]),
        int(values.shape[1]),
        components,
        identity=distribution.sites is None,
    )


def _check_sites(
    law: Law, schema: Schema, attribute_name: str, sites: jax.Array
) -> None:
    """Reject constant ``sites=`` indices outside ``0..size - 1`` (``sites=[5]`` on
    a one-site attribute, ``sites=[-1]``): such a prediction would be inactive on
    every transition. Called inside :func:`_trace_blocks`, where sites computed from
    the state or the action are tracers: those may leave the attribute on some
    transitions (the tile beyond the map's edge), are inactive there and are not
    refused; only sites from constants alone arrive here as values."""
    if isinstance(sites, jax.core.Tracer):
        return
    size = schema[attribute_name].size
    local = np.asarray(sites)
    bad = (local < 0) | (local >= size)
    if not bad.any():
        return
    raise LawError(
        law.name,
        f"sites= holds the index {int(local[bad][0])}, outside 0..{size - 1} (the "
        f"attribute has {size} site{'s' if size != 1 else ''}; sites are flat "
        "indices from 0, a negative one does not count from the end), so the "
        "prediction would never apply",
        attribute_name,
    )


def _check_precondition(law: Law, state: PyTree, action: jax.Array) -> None:
    try:
        result = jnp.asarray(law.precondition(state, action))
    except Exception as error:  # noqa: BLE001 - any failure rejects the law
        raise _raised(law, "precondition", error) from None
    if result.shape != ():
        raise LawError(
            law.name, f"precondition must return a scalar, got shape {result.shape}"
        )
    if result.dtype != jnp.bool_:
        raise LawError(
            law.name,
            f"precondition must return a bool, got {result.dtype} (compare, e.g. "
            "`state.x > 0`, or wrap it in jnp.bool_)",
        )


def _raised(law: Law, part: str, error: Exception) -> LawError:
    """The error that rejects ``law`` whose ``part`` ("precondition" or "effect")
    raised ``error`` on the template state."""
    if isinstance(error, jax.errors.ConcretizationTypeError):
        return LawError(
            law.name,
            f"the {part} uses the value of the state or the action in Python (an "
            f"`if`, `bool`, `int` or a loop bound: {type(error).__name__}); laws "
            "run compiled on batches, so write the choice with jax.numpy "
            "(jnp.where, &, |, ~)",
        )
    return LawError(law.name, f"{part} raised {type(error).__name__}: {error}")


def _call_effect(law: Law, state: PyTree, action: jax.Array) -> dict[str, Distribution]:
    try:
        effect = law.effect(state, action)
    except LawError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure rejects the law
        raise _raised(law, "effect", error) from None
    if not isinstance(effect, dict):
        raise LawError(
            law.name, f"effect must return a dict, got {type(effect).__name__}"
        )
    if not effect:
        raise LawError(
            law.name, "effect returned no prediction (it must predict what it writes)"
        )
    for attribute, distribution in effect.items():
        if attribute not in law.writes:
            raise LawError(
                law.name,
                "the effect writes an attribute not listed in writes",
                attribute,
            )
        if not isinstance(distribution, Distribution):
            raise LawError(
                law.name,
                "effect value must be a Distribution, got "
                f"{type(distribution).__name__}",
                attribute,
            )
    return effect


def normalise(
    law: Law, schema: Schema, attribute_name: str, distribution: Distribution
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    """A distribution as arrays: values int32 ``(M, S)``, log-offsets float32
    ``(M, S)``, local sites int32 ``(M,)`` and the ``where`` mask bool ``(M,)``."""
    attribute = schema[attribute_name]
    try:
        if distribution.sites is None:
            count = attribute.size
            sites = jnp.arange(count, dtype=jnp.int32)

            def fit(x, what):
                x = jnp.asarray(x)
                return jnp.reshape(jnp.broadcast_to(x, attribute.shape), (count,))
        else:
            sites = jnp.reshape(jnp.asarray(distribution.sites, jnp.int32), (-1,))
            count = sites.shape[0]

            def fit(x, what):
                x = jnp.asarray(x)
                if x.ndim > 1:
                    x = jnp.reshape(x, (-1,))
                return jnp.broadcast_to(x, (count,))

        values = jnp.stack(
            [_to_int(fit(v, "values")) for v in distribution.values],
            axis=-1,
        )
        offsets = jnp.stack(
            [
                fit(jnp.asarray(term.log_offset, jnp.float32), "probabilities")
                for term in distribution.probabilities
            ],
            axis=-1,
        )
        where = (
            jnp.ones((count,), bool)
            if distribution.where is None
            else fit(jnp.asarray(distribution.where).astype(bool), "where")
        )
    except (ValueError, TypeError) as error:
        raise LawError(
            law.name,
            f"prediction has the wrong shape for an attribute of shape "
            f"{attribute.shape} ({error})",
            attribute_name,
        ) from None
    return values, offsets, sites, where


def _to_int(values: jax.Array) -> jax.Array:
    """int32 values (floats rounded, booleans as 0/1)."""
    if jnp.issubdtype(values.dtype, jnp.floating):
        values = jnp.round(values)
    return values.astype(jnp.int32)


class Pairs(NamedTuple):
    """Every (law, attribute, site) pair of one transition (``P`` pairs, ``S``
    support entries).

    - ``active``: bool ``(P,)`` precondition and mask.
    - ``site``: int32 ``(P,)`` global site index in the encoded state.
    - ``values``: int32 ``(P, S)`` support values (padding: the domain's low end).
    - ``log_offset``: float32 ``(P, S)`` fixed log-probability parts (padding -inf).
    """

    active: jax.Array
    site: jax.Array
    values: jax.Array
    log_offset: jax.Array


class LawBlock(NamedTuple):
    """One law's prediction for one attribute on one transition (``B`` sites, ``S``
    support entries of its block).

    - ``law``: the law's index; ``block``: the layout :class:`Block`.
    - ``active``: bool ``(B,)`` precondition, the effect's mask and a site on the map.
    - ``site``: int ``(B,)`` the attribute's local site index (clipped).
    - ``values``: ``(B, S)`` support values clipped to the attribute's domain.
    - ``log_offset``: float ``(B, S)`` the fixed log-probability parts.
    """

    law: int
    block: Block
    active: jax.Array
    site: jax.Array
    values: jax.Array
    log_offset: jax.Array


def law_blocks(layout: Layout, state: PyTree, action: jax.Array) -> list[LawBlock]:
    """Run every law once on one transition: one :class:`LawBlock` per layout
    block, in block order (jnp; vmap and jit freely)."""
    schema = layout.schema
    out: list[LawBlock] = []
    for law_index, law in enumerate(layout.laws):
        applies = jnp.asarray(law.precondition(state, action)).astype(bool)
        effect = law.effect(state, action)
        for attribute_name, distribution in effect.items():
            block = layout.blocks[len(out)]
            value, offset, site, where = normalise(
                law, schema, attribute_name, distribution
            )
            attribute = schema[attribute_name]
            out.append(
                LawBlock(
                    law_index,
                    block,
                    applies & where & (site >= 0) & (site < attribute.size),
                    jnp.clip(site, 0, attribute.size - 1),
                    jnp.clip(value, attribute.low, attribute.high),
                    offset,
                )
            )
    return out


def evaluate_pairs(layout: Layout, state: PyTree, action: jax.Array) -> Pairs:
    """Run every law on one transition (jnp; vmap and jit freely)."""
    schema = layout.schema
    actives, sites, values, log_offsets = [], [], [], []
    for part in law_blocks(layout, state, action):
        attribute = schema.attributes[part.block.attribute]
        pad = ((0, 0), (0, layout.support - part.block.support))
        actives.append(part.active)
        sites.append(part.site + schema.offsets[part.block.attribute])
        values.append(jnp.pad(part.values, pad, constant_values=attribute.low))
        log_offsets.append(jnp.pad(part.log_offset, pad, constant_values=-jnp.inf))
    if not actives:
        return Pairs(
            jnp.zeros((0,), bool),
            jnp.zeros((0,), jnp.int32),
            jnp.zeros((0, layout.support), jnp.int32),
            jnp.zeros((0, layout.support), jnp.float32),
        )
    return Pairs(
        jnp.concatenate(actives),
        jnp.concatenate(sites).astype(jnp.int32),
        jnp.concatenate(values),
        jnp.concatenate(log_offsets).astype(jnp.float32),
    )


def check_domains(
    layout: Layout, states: PyTree, actions: jax.Array, *, chunk: int = 512
) -> None:
    """Reject a law whose active prediction, on any of the example transitions,
    puts probability on a value outside its attribute's domain, or which fails to
    run batched. ``states``/``actions`` have a leading batch axis.

    All laws are compiled together once per layout and run on chunks of
    ``chunk`` examples (the last chunk padded with repeated rows, so every call
    reuses the one compiled program); only when that fails to compile are the
    laws compiled one by one, to name the law at fault."""
    schema = layout.schema
    count = int(np.asarray(actions).shape[0])
    try:
        for start in range(0, count, chunk):
            padded = np.minimum(np.arange(start, start + chunk), count - 1)
            outputs = _every_law(layout)(
                jax.tree_util.tree_map(lambda x, r=padded: x[r], states),
                jnp.asarray(np.asarray(actions)[padded]),
            )
            for law, output in zip(layout.laws, outputs, strict=True):
                _check_outputs(law, schema, output, padded)
        return
    except LawError:
        raise
    except Exception:  # noqa: BLE001 - find the law at fault one by one
        pass
    for law in layout.laws:
        try:
            output = jax.jit(jax.vmap(_checked_run(law, schema)))(states, actions)
        except LawError:
            raise
        except Exception as error:  # noqa: BLE001 - any failure rejects the law
            raise LawError(
                law.name,
                f"failed on a batch of transitions: {type(error).__name__}: "
                f"{str(error).splitlines()[0] if str(error) else ''}",
            ) from None
        _check_outputs(law, schema, output)


@functools.lru_cache(maxsize=4)
def _every_law(layout: Layout) -> Callable:
    """Every law's checked outputs on a batch, compiled once per layout (the few
    most recent layouts are kept: a model is checked when built and when fitted,
    while the inducer checks many short-lived candidate sets)."""
    runs = [_checked_run(law, layout.schema) for law in layout.laws]
    return jax.jit(jax.vmap(lambda s, a: [run(s, a) for run in runs]))


def _checked_run(law: Law, schema: Schema) -> Callable:
    """One transition -> ``{attribute: (active, value, log offset, rounding)}``."""

    def run(state, action):
        applies = jnp.asarray(law.precondition(state, action)).astype(bool)
        out = {}
        for attribute_name, distribution in law.effect(state, action).items():
            value, offset, site, where = normalise(
                law, schema, attribute_name, distribution
            )
            active = applies & where
            out[attribute_name] = (
                active,
                value,
                offset,
                _rounding(schema, attribute_name, distribution, active),
            )
        return out

    return run


def _rounding(
    schema: Schema,
    attribute_name: str,
    distribution: Distribution,
    active: jax.Array,
) -> jax.Array:
    """float32 scalar: the largest distance of an active predicted value from the
    whole number it is rounded to (0 for integer predictions)."""
    count = active.shape[0]
    worst = jnp.zeros((), jnp.float32)
    for value in distribution.values:
        value = jnp.asarray(value)
        if not jnp.issubdtype(value.dtype, jnp.floating):
            continue
        if distribution.sites is None:
            value = jnp.broadcast_to(value, schema[attribute_name].shape)
        value = jnp.broadcast_to(jnp.reshape(value, (-1,)), (count,))
        off = jnp.where(active, jnp.abs(value - jnp.round(value)), 0.0)
        worst = jnp.maximum(worst, jnp.nan_to_num(jnp.max(off), nan=1.0))
    return worst


def _check_outputs(
    law: Law, schema: Schema, outputs: dict, rows: np.ndarray | None = None
) -> None:
    """Raise :class:`LawError` for a non-whole value, a probability outside
    ``[0, 1]`` or a value outside the domain in one law's batched ``outputs``;
    ``rows`` maps the batch positions to the example transitions named in the
    message (default: the positions themselves)."""
    for attribute_name, (active, value, offset, rounding) in outputs.items():
        attribute = schema[attribute_name]
        if float(np.max(rounding)) > ROUNDING_TOLERANCE:
            scaled = (
                f", stored as round(value * {attribute.scale:g}): predict "
                f"jnp.round(state.{attribute_name} * {attribute.scale:g}) + change"
                if attribute.scale != 1.0
                else ""
            )
            raise LawError(
                law.name,
                "predicts a value that is not a whole number (off by "
                f"{float(np.max(rounding)):.3g}); values are the attribute's "
                f"integer codes{scaled}",
                attribute_name,
            )
        active = np.asarray(active)[..., None]
        value = np.asarray(value)
        offset = np.asarray(offset)
        _check_probabilities(law, attribute_name, active, offset, rows)
        used = active & np.isfinite(offset)
        bad = used & ((value < attribute.low) | (value > attribute.high))
        if bad.any():
            raise LawError(
                law.name,
                f"predicts the value {int(value[bad][0])}, outside the domain "
                f"{attribute.low}..{attribute.high}",
                attribute_name,
            )


def _check_probabilities(
    law: Law,
    attribute_name: str,
    active: np.ndarray,
    offset: np.ndarray,
    rows: np.ndarray | None,
) -> None:
    """Refuse a probability above 1 where the law is active, or a NaN one
    anywhere (the log of a negative probability, or ``1 - p`` of a ``p`` above 1
    in :func:`~symworld.programs.effects.bernoulli`), naming the value and the
    example transition. ``active`` bool ``(B, M, 1)``, ``offset`` float
    ``(B, M, S)`` log-probabilities."""

    def transition(position: int) -> int:
        return int(position if rows is None else rows[position])

    above = np.broadcast_to(active, offset.shape) & (offset > 1e-4)
    broken = np.isnan(offset)
    if not (above.any() or broken.any()):
        return
    if above.any():
        row, site, entry = (int(i) for i in np.argwhere(above)[0])
    else:
        row, site = (int(i) for i in np.argwhere(broken.any(axis=-1))[0])
        entries = offset[row, site]
        finite = np.where(np.isfinite(entries), entries, -np.inf)
        if finite.max() <= 1e-4:
            raise LawError(
                law.name,
                f"a probability is NaN on example transition {transition(row)} "
                f"(site {site}): a negative or NaN probability",
                attribute_name,
            )
        entry = int(np.argmax(finite))
    raise LawError(
        law.name,
        f"a probability is {float(np.exp(offset[row, site, entry])):.4g}, outside "
        f"[0, 1], on example transition {transition(row)} (site {site})",
        attribute_name,
    )
