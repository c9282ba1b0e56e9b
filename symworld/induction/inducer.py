"""Law induction end to end: changes, features, search, selection, law module.

::

    result = induce(schema, states, actions, next_states, seed=0)
    Path("my_laws.py").write_text(result.module)

The inducer knows nothing about any particular environment: targets, features
and effects come from the attribute schema and the data (see
:mod:`symworld.induction.features` and :mod:`symworld.induction.geometry`).
"""

from __future__ import annotations

import ast
import dataclasses
import logging
import types
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

from symworld.induction.changes import ChangeSet, detect_changes
from symworld.induction.features import (
    Feature,
    Literal,
    build_features,
    evaluate,
    made_values,
    namespace,
    near_name,
    spent,
)
from symworld.induction.geometry import Geometry, code_expression, leaf_expression
from symworld.induction.proposer import (
    Proposal,
    ProposalContext,
    Proposer,
    RejectedProposal,
)
from symworld.induction.rows import row_laws
from symworld.induction.search import Candidate, RuleSearch, SearchSettings, Target
from symworld.induction.selection import FittedSet, fit_set, held_out_defaults
from symworld.induction.writer import StaticLaw, law_names, render_module
from symworld.programs import Law
from symworld.programs.attributes import Schema
from symworld.programs.transition_inputs import checked_transitions

logger = logging.getLogger(__name__)

PyTree = Any


@dataclasses.dataclass(frozen=True)
class InductionSettings:
    """- ``search``: thresholds of the rule search.
    - ``fit_steps``: Adam steps of each law-model fit.
    - ``static_law``: state the never-changing small attributes as one law.
    - ``fit``: fit the induced library with the law model (weights, report).
    - ``object_moves``: search laws that move every row of an object table (and
      the player's and the rows' cells in a grid that mirrors them); off by
      default: on five Crafter-OO lives they cost accuracy (docs/induction.md,
      branch inducer3). Laws for the rows' other columns (timers) are always
      searched.
    """

    search: SearchSettings = SearchSettings()
    fit_steps: int = 500
    static_law: bool = True
    fit: bool = True
    object_moves: bool = False


class LawSummary(NamedTuple):
    """One induced law: ``name``, ``summary`` (first docstring line), ``origin``,
    ``matched``/``held``/``explained`` transition counts (support), ``gain``
    (closed-form log-likelihood gain, nats) and the fitted ``weight``."""

    name: str
    summary: str
    origin: str
    matched: int
    held: int
    explained: int
    gain: float
    weight: float | None


@dataclasses.dataclass
class InductionResult:
    """- ``module``: the law module's text.
    - ``laws``: one :class:`LawSummary` per law, in module order.
    - ``fitted``: the law-model fit of the library (``None`` without ``fit``).
    - ``changes``: the detected changes; ``geometry``: the spatial conventions.
    - ``num_features``, ``num_candidates``: sizes of the search.
    - ``rejected_proposals``: one :class:`RejectedProposal` (law name, reason)
      per proposal that was broken or did not pay for itself.
    """

    module: str
    laws: list[LawSummary]
    fitted: FittedSet | None
    changes: ChangeSet
    geometry: Geometry
    num_features: int
    num_candidates: int
    rejected_proposals: list[RejectedProposal]


def load_module_text(
    text: str, name: str = "symworld_induced_laws"
) -> types.ModuleType:
    """Execute an induced law module's text (our own output) as a module."""
    module = types.ModuleType(name)
    exec(compile(text, f"<{name}>", "exec"), module.__dict__)  # noqa: S102
    return module


def _targets(
    schema: Schema,
    geometry: Geometry,
    encoded: np.ndarray,
    changes: ChangeSet,
    least: int,
) -> list[tuple[Target, int]]:
    counts = changes.counts_by_site()
    offsets = schema.offsets
    targets = []
    for k, attribute in enumerate(schema.attributes):
        if not geometry.is_small_site_attribute(attribute):
            continue
        for local in range(attribute.size):
            site = int(offsets[k] + local)
            if counts.get(site, 0) < least:
                continue
            target = Target(
                slug=geometry.site_slug(attribute, local),
                label=geometry.site_label(attribute, local),
                attribute=attribute.name,
                site=None if attribute.shape == () else local,
                current=geometry.site_expression(attribute, local),
                low=attribute.low,
                high=attribute.high,
            )
            if attribute.shape == ():
                target = dataclasses.replace(target, site=0)
            targets.append((target, site))
    return targets


def _object_targets(
    geometry: Geometry,
    states: PyTree,
    actions: np.ndarray,
    next_states: PyTree,
    least: int,
) -> list[tuple[Target, np.ndarray, np.ndarray]]:
    """The columns of the object on the targeted cell that changed at least
    ``least`` times, each with its values before and after the step (int
    ``(T,)``; equal where no object stands there). Each law of such a target
    starts with "an object of a kind whose column changed stands on the targeted
    cell" (the effect is stated only for the kinds it was seen on) and writes
    that object's row."""
    columns = geometry.object_columns
    kind = [] if geometry.kind is None else [geometry.kind_name]
    values = evaluate(
        [
            geometry.object_on_target_source(None),
            *(geometry.object_value_source(c) for c in (*kind, *columns)),
            *(geometry.object_value_source(c, "next_state") for c in columns),
        ],
        geometry,
        states,
        actions,
        next_states=next_states,
    )
    on_target = values[:, 0].astype(bool)
    kinds = values[:, 1] if kind else None
    before = values[:, 1 + len(kind) : 1 + len(kind) + len(columns)]
    after = values[:, 1 + len(kind) + len(columns) :]
    out = []
    for j, column in enumerate(columns):
        current = before[:, j]
        following = np.where(on_target, after[:, j], current)
        changed = current != following
        if int(np.sum(changed)) < least:
            continue
        guard = _kind_guard(
            geometry, None if kinds is None else np.unique(kinds[changed])
        )
        attribute = geometry.schema[column]
        target = Target(
            slug="target_" + column.replace(".", "_"),
            label=f"{column} of the object on the targeted cell",
            attribute=column,
            site=None,
            current=geometry.object_value_source(column),
            low=attribute.low,
            high=attribute.high,
            sites=geometry.object_slot_source(),
            requires=(Literal(guard),),
        )
        out.append((target, current, following))
    return out


def _kind_guard(geometry: Geometry, kinds: np.ndarray | None) -> Feature:
    """The feature "an object (of these kinds) stands on the targeted cell"."""
    if kinds is None:
        return Feature(
            "object_on_target",
            "an object stands on the targeted cell",
            geometry.object_on_target_source(None),
            "target",
        )
    if kinds.size == 1:
        kind = int(kinds[0])
        return Feature(
            f"kind_{kind}_on_target",
            f"an object of kind {kind} stands on the targeted cell",
            geometry.object_on_target_source(kind),
            "target",
        )
    listed = tuple(int(k) for k in kinds)
    return Feature(
        "kind_" + "_".join(str(k) for k in listed) + "_on_target",
        f"an object of kind {' or '.join(str(k) for k in listed)} stands on the "
        "targeted cell",
        geometry.object_on_target_source(listed),
        "target",
    )


def induce(
    schema: Schema,
    states: PyTree,
    actions: Any,
    next_states: PyTree,
    *,
    num_actions: int | None = None,
    seed: int = 0,
    settings: InductionSettings = InductionSettings(),
    proposers: Sequence[Proposer] = (),
    source: str = "recorded transitions",
) -> InductionResult:
    """Induce a law library from ``T`` transitions.

    **Arguments:**

    - ``states``, ``next_states``: state pytrees with a leading axis ``T``.
    - ``actions``: int ``(T,)``; ``num_actions`` defaults to ``max + 1``.
    - ``proposers``: optional :class:`~symworld.induction.proposer.Proposer`
      objects whose laws go through the same selection.
    - ``source``: words for the module docstring (where the data came from).

    **Returns:** an :class:`InductionResult`; its ``module`` is deterministic
    for the same data and settings.
    """
    if isinstance(next_states, np.ndarray | jax.Array):
        raise ValueError(
            "next_states: induce takes a state pytree with leading axis T, not "
            "encoded next states"
        )
    states, actions, next_states = checked_transitions(
        schema, states, actions, next_states
    )
    total = int(actions.shape[0])
    num_actions = int(num_actions if num_actions is not None else actions.max() + 1)
    encode = jax.jit(jax.vmap(schema.encode))
    encoded = np.asarray(encode(states))
    next_encoded = np.asarray(encode(next_states))
    changes = detect_changes(schema, encoded, next_encoded)
    geometry = Geometry.infer(
        schema,
        encoded,
        next_encoded,
        actions,
        num_actions,
        mirror=settings.object_moves,
    )
    features = build_features(schema, geometry, states, actions, encoded, num_actions)
    least = settings.search.min_support
    object_targets = []
    if geometry.has_grid and geometry.has_objects:
        object_targets = _object_targets(geometry, states, actions, next_states, least)
        known = {f.name for f in features}
        for target, _, _ in object_targets:
            guard = target.requires[0].feature
            if guard.name not in known:
                features.append(guard)
                known.add(guard.name)
    matrix = evaluate([f.source for f in features], geometry, states, actions).astype(
        bool
    )
    logger.info(
        "%d transitions, %d changed sites, %d features",
        total,
        changes.site.shape[0],
        len(features),
    )

    made = {near_name(v) for v in made_values(schema, geometry, encoded, next_encoded)}
    search = RuleSearch(
        features,
        matrix,
        settings.search,
        spent(features, encoded, next_encoded),
        stations=[j for j, f in enumerate(features) if f.name in made],
    )
    candidates: list[Candidate] = []
    for target, site in _targets(schema, geometry, encoded, changes, least):
        found = search.laws_for(target, encoded[:, site], next_encoded[:, site])
        logger.info("target %s: %d laws", target.label, len(found))
        candidates += found
    if geometry.has_grid:
        grid = geometry.grid
        values = evaluate(
            [
                geometry.target_value_source(),
                geometry.target_value_source("next_state"),
            ],
            geometry,
            states,
            actions,
            next_states=next_states,
        )
        cell = Target(
            slug=f"{grid.name.replace('.', '_')}_target",
            label=f"the targeted cell of {grid.name}",
            attribute=grid.name,
            site=None,
            current=geometry.target_value_source(),
            low=grid.low,
            high=grid.high,
        )
        found = search.laws_for(cell, values[:, 0], values[:, 1])
        logger.info("target %s: %d laws", cell.label, len(found))
        candidates += found
    for target, current, following in object_targets:
        found = search.laws_for(target, current, following)
        logger.info("target %s: %d laws", target.label, len(found))
        candidates += found
    if geometry.has_objects and geometry.object_xs is not None:
        found = row_laws(
            geometry, states, actions, encoded, next_encoded, settings.search
        )
        logger.info("object rows: %d laws", len(found))
        candidates += found

    static = None
    if settings.static_law:
        changed_attributes = set(
            schema.site_attribute()[changes.changed_sites()].tolist()
        )
        kept = tuple(
            (a.name, code_expression(leaf_expression(schema.template, a.name), a))
            for k, a in enumerate(schema.attributes)
            if geometry.is_small_site_attribute(a) and k not in changed_attributes
        )
        static = StaticLaw(kept, total) if kept else None

    module = render_module(
        candidates,
        geometry,
        env_id=schema.env_id,
        num_transitions=total,
        source=source,
        static=static,
    )
    names = law_names(candidates) + (["static_attributes"] if static else [])

    def fit_laws(laws: Sequence[Law]) -> FittedSet:
        return fit_set(
            laws,
            schema,
            states,
            actions,
            next_encoded,
            seed=seed,
            steps=settings.fit_steps,
        )

    fitted = None
    rejected: list[RejectedProposal] = []
    extra: list[tuple[str, str]] = []
    if proposers:
        loaded = load_module_text(module)
        base = fit_laws(loaded.library())
        taken = {name for name in vars(loaded) if not name.startswith("__")}
        context = ProposalContext(
            schema=schema,
            env_id=schema.env_id,
            changes=changes,
            change_summary=changes.summary(schema),
            law_module=module,
            constants=geometry.constants(),
            transitions=(states, actions, next_states),
        )
        for proposer in proposers:
            for label, proposal in _proposals(proposer, context, rejected):
                try:
                    law, class_name = _proposed_law(proposal, geometry)
                    label = law.name or label
                    if law.name in names:
                        raise ValueError(
                            f"law name {law.name!r} is already in the library"
                        )
                    if class_name in taken:
                        raise ValueError(
                            f"class name {class_name!r} is already used in the law "
                            "module"
                        )
                    trial = fit_laws(
                        [
                            *load_module_text(module).library(),
                            *_laws(extra, geometry),
                            law,
                        ]
                    )
                except KeyboardInterrupt:
                    raise
                except BaseException as error:  # noqa: BLE001 - untrusted code;
                    # even its SystemExit rejects only this proposal
                    reason = f"{type(error).__name__}: {error}"
                    logger.warning("rejected proposal %s: %s", label, reason)
                    rejected.append(RejectedProposal(label, reason))
                    continue
                if trial.score > base.score:
                    logger.info(
                        "kept proposed law %s (%.1f > %.1f)",
                        law.name,
                        trial.score,
                        base.score,
                    )
                    extra.append((class_name, proposal.source))
                    names.append(law.name)
                    taken.add(class_name)
                    base = trial
                else:
                    reason = (
                        "did not improve the penalised likelihood "
                        f"({trial.score:.1f} <= {base.score:.1f})"
                    )
                    logger.info("rejected proposed law %s: %s", law.name, reason)
                    rejected.append(RejectedProposal(law.name, reason))
        module = render_module(
            candidates,
            geometry,
            env_id=schema.env_id,
            num_transitions=total,
            source=source,
            static=static,
            extra=extra,
        )
        fitted = base
    if settings.fit and fitted is None:
        fitted = fit_laws(load_module_text(module).library())
    if fitted is not None:
        fitted = held_out_defaults(fitted, _held_out_changes(schema, candidates, least))
    weights = fitted.model.weight_table() if fitted is not None else {}
    laws = load_module_text(module).library()
    summaries = []
    for law in laws:
        match = [c for c, n in zip(candidates, names, strict=False) if n == law.name]
        if match:
            c = match[0]
            summaries.append(
                LawSummary(
                    law.name,
                    law.describe(),
                    c.origin,
                    c.matched,
                    c.held,
                    c.explained,
                    round(c.gain, 3),
                    weights.get(law.name),
                )
            )
        else:
            origin = "static" if law.name == "static_attributes" else "proposer"
            summaries.append(
                LawSummary(
                    law.name,
                    law.describe(),
                    origin,
                    total if origin == "static" else 0,
                    total if origin == "static" else 0,
                    0,
                    0.0,
                    weights.get(law.name),
                )
            )
    return InductionResult(
        module,
        summaries,
        fitted,
        changes,
        geometry,
        len(features),
        len(candidates),
        rejected,
    )


def _held_out_changes(
    schema: Schema, candidates: Sequence[Candidate], least: int
) -> np.ndarray:
    """float ``(K,)``: per attribute, ``least`` (the search's minimum support)
    changes for every searched law, or all it explains if fewer. Read in the
    order of the data (prequentially), the first ``least`` changes of a mechanic
    came before its law could be found: they went unexplained, and the frame
    default must expect changes of mechanics not yet seen at that rate."""
    counts = np.zeros(len(schema.attributes), np.float64)
    for candidate in candidates:
        if candidate.origin == "search":
            counts[schema.index(candidate.target.attribute)] += min(
                candidate.explained, least
            )
    return counts


def _proposals(
    proposer: Proposer,
    context: ProposalContext,
    rejected: list[RejectedProposal],
) -> list[tuple[str, Proposal]]:
    """The proposer's well-formed proposals, each with a label for reports
    (``"<proposer name> #<index>"``); a proposer that raises (even
    ``SystemExit``) or returns no iterable of proposals (``None``, a string),
    or an item that is not a :class:`Proposal`, goes to ``rejected`` with its
    reason."""
    name = getattr(proposer, "name", type(proposer).__name__)
    try:
        returned = proposer.propose(context)
        if isinstance(returned, str | bytes) or not isinstance(returned, Iterable):
            reason = (
                f"propose() returned {type(returned).__name__}, not a sequence of "
                "Proposal"
            )
            logger.warning("rejected proposer %s: %s", name, reason)
            rejected.append(RejectedProposal(str(name), reason))
            return []
        proposals = list(returned)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - a proposer is untrusted code
        reason = f"propose() raised {type(error).__name__}: {error}"
        logger.warning("rejected proposer %s: %s", name, reason)
        rejected.append(RejectedProposal(str(name), reason))
        return []
    good = []
    for index, proposal in enumerate(proposals):
        label = f"{name} #{index}"
        if isinstance(proposal, Proposal):
            good.append((label, proposal))
            continue
        reason = f"expected a Proposal, got {type(proposal).__name__}"
        logger.warning("rejected proposal %s: %s", label, reason)
        rejected.append(RejectedProposal(label, reason))
    return good


def _proposed_law(proposal: Proposal, geometry: Geometry) -> tuple[Law, str]:
    source = proposal.source
    tree = ast.parse(source, "<proposed law>")
    classes = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    if len(classes) != 1:
        raise ValueError(f"a proposal must define exactly one class; got {classes}")
    scope = _law_scope(geometry)
    exec(compile(tree, "<proposed law>", "exec"), scope)  # noqa: S102 - see proposer.py
    law = scope[classes[0]]()
    if not isinstance(law, Law):
        raise ValueError(f"proposed class {classes[0]} is not a Law")
    return law, classes[0]


def _laws(extra: Sequence[tuple[str, str]], geometry: Geometry) -> list[Law]:
    return [_proposed_law(Proposal(text), geometry)[0] for _, text in extra]


def _law_scope(geometry: Geometry) -> dict[str, Any]:
    from symworld import programs

    scope = namespace(geometry)
    for name in ("Law", "Probability", "Simplex", "categorical", "change", "point"):
        scope[name] = getattr(programs, name)
    return scope
