"""Writing induced laws as a readable law module in the ``laws/`` format.

Each law becomes a :class:`~symworld.programs.Law` subclass whose docstring
states its precondition and effect in words and the evidence for it; the module
ends with ``library()``. The text depends only on the candidates and the data
counts (no clocks, no paths), so the same seed gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from symworld.induction.features import conjunction_source, conjunction_words
from symworld.induction.geometry import Geometry
from symworld.induction.search import Candidate, Target

MAX_NAME = 60


@dataclasses.dataclass(frozen=True)
class StaticLaw:
    """Attributes that never changed in the data, stated as one law that keeps
    them (``attributes``: ``(name, source)`` pairs)."""

    attributes: tuple[tuple[str, str], ...]
    transitions: int


def _identifier(text: str) -> str:
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return text or "law"


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) or "Law"


def law_names(candidates: Sequence[Candidate]) -> list[str]:
    """Unique law names: target, effect and the first conjunct."""
    names = []
    for candidate in candidates:
        base = f"{candidate.target.slug}_{_effect_slug(candidate)}"
        if candidate.literals:
            base += "_when_" + "_and_".join(l.name for l in candidate.literals)
        elif candidate.exceptions:
            base += "_otherwise"
        base = _identifier(base)[:MAX_NAME].rstrip("_")
        name, suffix = base, 2
        while name in names:
            name = f"{base}_{suffix}"
            suffix += 1
        names.append(name)
    return names


def _effect_slug(candidate: Candidate) -> str:
    target, effect = candidate.target, candidate.effect
    if target.steps and effect.kind in ("set", "change"):
        dx, dy = _step(target, effect.value)
        return f"steps_{dx}_{dy}".replace("-", "m")
    return effect.slug()


def _step(target: Target, code: int) -> tuple[int, int]:
    """The step of a step code (a rare step's code stays)."""
    return target.steps[code] if 0 <= code < len(target.steps) else (0, 0)


def effect_words(candidate: Candidate) -> str:
    target, effect = candidate.target, candidate.effect
    if target.steps:
        return _step_words(candidate)
    if effect.kind == "change":
        within = f"{target.low}..{target.high}"
        return f"{target.label} changes by {effect.value:+d} (kept within {within})"
    if effect.kind == "set":
        return f"{target.label} becomes {effect.value}"
    if effect.kind == "complement":
        total = target.low + target.high
        return f"{target.label} takes its other value ({total} - {target.label})"
    shown = ", ".join(
        f"{f'x{o:+d}' if effect.relative else o}: {p:.2f}"
        for o, p in zip(effect.outcomes, candidate.probabilities, strict=True)
    )
    kind = "its value plus one of" if effect.relative else "one of"
    return (
        f"{target.label} becomes {kind} {list(effect.outcomes)} with learnable "
        f"probabilities (observed frequencies {shown})"
    )


def _step_words(candidate: Candidate) -> str:
    target, effect = candidate.target, candidate.effect
    onto = (
        f"; a step off the grid, onto a taken cell or onto a value other than "
        f"{', '.join(str(v) for v in target.enterable)} leaves the row in place"
    )
    if effect.kind != "categorical":
        return f"{target.label} steps by {_step(target, effect.value)}{onto}"
    shown = ", ".join(
        f"{_step(target, o)}: {p:.2f}"
        for o, p in zip(effect.outcomes, candidate.probabilities, strict=True)
    )
    return (
        f"{target.label} takes one of the steps {shown} (learnable probabilities, "
        f"observed frequencies){onto}"
    )


def row_mask_source(candidate: Candidate, geometry: Geometry) -> str:
    """bool ``(N,)``: the living rows a row law speaks about."""
    return f"({geometry.alive}) & {precondition_source(candidate)}"


def _step_effect(candidate: Candidate, geometry: Geometry) -> tuple[str, str]:
    """``(parameters line or "", the effect's body)`` of a law that moves rows
    (and writes the mirror grid in step)."""
    target, effect = candidate.target, candidate.effect
    if effect.kind == "categorical":
        outcomes = effect.outcomes
        parameters, probabilities = _probabilities(candidate)
    else:
        outcomes = (effect.value,)
        parameters, probabilities = "", "[1.0]"
    size = len(outcomes)
    steps = tuple(_step(target, o) for o in outcomes)
    mirror = geometry.mirror_expression
    empty = geometry.mirror_empty
    body = [
        f"mask = {row_mask_source(candidate, geometry)}",
        f"rows, valid = focus_rows(mask, {candidate.focus})",
        f"xs = ({geometry.object_xs})[rows]",
        f"ys = ({geometry.object_ys})[rows]",
        f"ends = row_ends(xs, ys, {steps!r}, {mirror}, {empty}, "
        f"{geometry.grid_expression}, {target.enterable!r})",
        f"p = {probabilities}",
        f"cells, sites, where = mirror_moves({mirror}, xs, ys, rows, ends, valid, "
        f"{empty})",
        "return {",
        f"    {target.attribute!r}: categorical(",
        f"        [ends[k].reshape(-1) for k in range({size})],",
        "        p,",
        "        sites=(rows[:, None] * 2 + jnp.arange(2)).reshape(-1),",
        "        where=jnp.repeat(valid, 2),",
        "    ),",
        f"    {geometry.mirror.name!r}: categorical(",
        f"        [cells[k] for k in range({size})], p, sites=sites, where=where",
        "    ),",
        "}",
    ]
    return parameters, "\n".join(body)


def _sites(target: Target, geometry: Geometry) -> str:
    if target.rows:
        return ""
    if target.sites is not None:
        return f", sites={target.sites}"
    if target.site is None:
        return f", sites={geometry.target_index_source()}"
    attribute = geometry.schema[target.attribute]
    if attribute.shape == ():
        return ""
    return f", sites=[{target.site}]"


def effect_source(candidate: Candidate, geometry: Geometry) -> tuple[str, str]:
    """``(parameters line or "", the effect's return expression)``."""
    target, effect = candidate.target, candidate.effect
    sites = _sites(target, geometry)
    if target.rows:
        sites = f", where={row_mask_source(candidate, geometry)}"
    current = target.current
    if effect.kind == "change":
        bounds = f"low={target.low}, high={target.high}"
        value = f"change({current}, {effect.value}, {bounds}{sites})"
    elif effect.kind == "set":
        value = f"point({effect.value}{sites})"
    elif effect.kind == "complement":
        value = f"point({target.low + target.high} - {current}{sites})"
    else:
        if effect.relative:
            support = ", ".join(
                f"jnp.clip({current} + {o}, {target.low}, {target.high})"
                for o in effect.outcomes
            )
        else:
            support = ", ".join(str(o) for o in effect.outcomes)
        parameters, probabilities = _probabilities(candidate)
        value = f"categorical([{support}], {probabilities}{sites})"
        return parameters, value
    return "", value


def _probabilities(candidate: Candidate) -> tuple[str, str]:
    """``(parameters line, probabilities source)`` of a categorical effect."""
    effect = candidate.effect
    if len(effect.outcomes) == 2:
        init = round(float(candidate.probabilities[1]), 3)
        parameters = f'    parameters = (Probability("p", init={init}),)\n'
        probabilities = 'self.param("p")'
        return parameters, f"[1 - {probabilities}, {probabilities}]"
    parameters = f'    parameters = (Simplex("p", size={len(effect.outcomes)}),)\n'
    return parameters, (
        f'list(self.param("p")[k] for k in range({len(effect.outcomes)}))'
    )


def _player_steps(
    candidate: Candidate, geometry: Geometry
) -> tuple[tuple[int, int], ...] | None:
    """The player's steps a law on one of its position sites predicts (one per
    outcome), when the mirror grid marks the player's cell; else ``None``."""
    target, effect = candidate.target, candidate.effect
    if geometry.mirror_player is None or target.rows or target.site is None:
        return None
    schema = geometry.schema
    site = int(schema.offsets[schema.index(target.attribute)]) + target.site
    if site not in geometry.position_sites:
        return None
    axis = geometry.position_sites.index(site)
    if effect.kind == "change" and effect.value != 0:
        moves = (effect.value,)
    elif effect.kind == "categorical" and effect.relative:
        moves = effect.outcomes
    else:
        return None
    return tuple((m, 0) if axis == 0 else (0, m) for m in moves)


def _player_mirror(
    candidate: Candidate, geometry: Geometry, steps: tuple[tuple[int, int], ...]
) -> tuple[str, str]:
    """``(the lines before the return, the mirror grid's entry)``: the player's
    value in the mirror grid moves with the player's predicted step."""
    x, y = geometry.position
    mirror = geometry.mirror_expression
    empty = geometry.mirror_empty
    if candidate.effect.kind == "categorical":
        probabilities = _probabilities(candidate)[1]
    else:
        probabilities = "[1.0]"
    lines = [
        f"xs = jnp.reshape({x}, (1,))",
        f"ys = jnp.reshape({y}, (1,))",
        f"ends = row_ends(xs, ys, {steps!r}, {mirror}, {empty})",
        f"cells, sites, where = mirror_moves({mirror}, xs, ys, "
        f"jnp.asarray([{geometry.mirror_player}]), ends, jnp.asarray([True]), "
        f"{empty})",
    ]
    entry = (
        f"{geometry.mirror.name!r}: categorical([cells[k] for k in "
        f"range({len(steps)})], {probabilities}, sites=sites, where=where)"
    )
    return "\n".join(lines), entry


def precondition_source(candidate: Candidate) -> str:
    text = conjunction_source(candidate.literals)
    for exception in candidate.exceptions:
        text += f" & ~({conjunction_source(exception)})"
    return text


def precondition_words(candidate: Candidate) -> str:
    words = conjunction_words(candidate.literals)
    if candidate.exceptions:
        unless = "; or ".join(conjunction_words(e) for e in candidate.exceptions)
        words += f", unless {unless}"
    return words


def render_module(
    candidates: Sequence[Candidate],
    geometry: Geometry,
    *,
    env_id: str,
    num_transitions: int,
    source: str,
    static: StaticLaw | None = None,
    extra: Sequence[tuple[str, str]] = (),
) -> str:
    """The law module's text; ``extra`` holds ``(class name, source)`` of laws
    from proposers, appended as written."""
    names = law_names(candidates)
    lines = [
        f'"""Laws of {env_id} induced from {source}.',
        "",
        f"Found by symworld's program search over a typed feature grammar from "
        f"{num_transitions} transitions",
        "(no language model). Each law states its precondition, its effect and the",
        "evidence for it; `symworld fit laws` fits their weights.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import jax.numpy as jnp",
        "",
        "from symworld.induction.vocabulary import (",
        "    cell_index,",
        "    cell_value,",
        "    focus_rows,",
        "    mirror_moves,",
        "    nearest_distance,",
        "    object_at,",
        "    object_slot,",
        "    object_value,",
        "    row_distance,",
        "    row_ends,",
        "    target_cell,",
        "    window_contains,",
        ")",
        "from symworld.programs import (",
        "    Law,",
        "    Probability,",
        "    Simplex,",
        "    categorical,",
        "    change,",
        "    point,",
        ")",
        "",
        f"ENV_ID = {env_id!r}",
    ]
    for name, value in geometry.constants().items():
        lines.append(f"{name} = {value!r}")
    lines += ["", ""]
    classes = []
    for candidate, name in zip(candidates, names, strict=True):
        class_name = _class_name(name)
        classes.append(class_name)
        target = candidate.target
        if target.steps:
            parameters, body = _step_effect(candidate, geometry)
            writes = (target.attribute, geometry.mirror.name)
        else:
            parameters, value = effect_source(candidate, geometry)
            body = f"return {{{target.attribute!r}: {value}}}"
            writes = (target.attribute,)
            player_steps = _player_steps(candidate, geometry)
            if player_steps is not None:
                lines_before, entry = _player_mirror(candidate, geometry, player_steps)
                body = (
                    f"{lines_before}\nreturn {{\n    {target.attribute!r}: {value},\n"
                )
                body += f"    {entry},\n}}"
                writes = (target.attribute, geometry.mirror.name)
        condition = precondition_source(candidate)
        if target.rows:
            condition = f"jnp.any({row_mask_source(candidate, geometry)})"
        when = precondition_words(candidate)
        what = effect_words(candidate)
        cases = f"{num_transitions} transitions"
        if candidate.target.rows:
            cases = f"the living object-steps (rows) of {cases}"
        evidence = (
            f"Support: the precondition held on {candidate.matched} of "
            f"{cases}; the effect held on {candidate.held} "
            f"({candidate.precision:.3f}) and explains {candidate.explained} observed "
            f"changes; log-likelihood gain over the frame default "
            f"{candidate.gain:.1f} nats."
        )
        lines += [
            f"class {class_name}(Law):",
            f'    """{_sentence(what)} {_when(candidate)}.',
            "",
            f"    Precondition: {when}.",
            f"    Effect: {what}.",
            *_wrap(evidence, "    "),
            '    """',
            "",
            f"    name = {name!r}",
            f"    writes = {writes!r}",
        ]
        if parameters:
            lines.append(parameters.rstrip("\n"))
        lines += [
            "",
            "    def precondition(self, state, action):",
            f"        return {condition}",
            "",
            "    def effect(self, state, action):",
            *[f"        {line}" for line in body.split("\n")],
            "",
            "",
        ]
    if static is not None and static.attributes:
        classes.append("StaticAttributes")
        names_text = ", ".join(name for name, _ in static.attributes)
        lines += [
            "class StaticAttributes(Law):",
            f'    """These attributes never change: {names_text}.',
            "",
            "    Precondition: always.",
            "    Effect: each of these attributes keeps its value.",
            f"    Support: none of them changed in any of the {static.transitions} "
            "transitions.",
            '    """',
            "",
            '    name = "static_attributes"',
            f"    writes = {tuple(name for name, _ in static.attributes)!r}",
            "",
            "    def precondition(self, state, action):",
            "        return jnp.bool_(True)",
            "",
            "    def effect(self, state, action):",
            "        return {",
            *[
                f"            {name!r}: point({src}),"
                for name, src in static.attributes
            ],
            "        }",
            "",
            "",
        ]
    for class_name, text in extra:
        classes.append(class_name)
        lines += [text.strip("\n"), "", ""]
    lines += [
        "def library() -> list[Law]:",
        '    """Every induced law."""',
        "    return [",
        *[f"        {c}()," for c in classes],
        "    ]",
        "",
    ]
    return "\n".join(lines)


def _when(candidate: Candidate) -> str:
    if not candidate.literals and not candidate.exceptions:
        return "on every step"
    return f"when {precondition_words(candidate)}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _wrap(text: str, indent: str, width: int = 84) -> list[str]:
    words = text.split()
    lines, line = [], indent
    for word in words:
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += word + " "
    if line.strip():
        lines.append(line.rstrip())
    return lines
