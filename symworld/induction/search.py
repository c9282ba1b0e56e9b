"""Searching for laws: sequential covering over the feature grammar.

For one *target* (a site, or the grid cell an action targets) the search

1. proposes effects from the observed changes: a relative change ``+d`` for
   every frequent ``d``, a set value ``v`` for every frequent new value, and the
   complement ``low + high - x`` on two-valued sites;
2. for each effect, grows conjunctions of literals (features or their negations)
   greedily by FOIL gain until the effect holds on at least ``min_precision`` of
   the transitions the conjunction matches, then adds literals that raise its
   precision without losing any change it explains (sequential covering: the
   next rule explains the changes the earlier ones left); literals are then
   traded for cheaper ones (a description length per feature family,
   :data:`~symworld.induction.features.FAMILY_COST`: the action and the targeted
   cell cost least, absolute coordinates most) while the rule explains the same
   changes at no lower precision, and ties between equally good literals go to
   the cheaper family, so a law names what the action targets rather than where
   the player happened to stand;
   A target may *require* literals (the columns of the object on the targeted
   cell exist only where an object stands there): every precondition starts
   with them, and with the action when all the changes it explains came with
   one action (an effect on what the action is aimed at);
3. keeps a minimal, non-conflicting set of these rules by greedy set cover over
   the observed changes, each rule paying its penalty ``penalty`` in
   log-likelihood against the frame default (nothing changes unless a law says
   so);
4. explains the changes still left with one categorical law (relative or
   absolute outcomes, learnable probabilities) under a precondition found the
   same way, scored by its likelihood gain (each added literal must gain more
   than the ``log(2F)`` nats it takes to name it among ``F`` features and their
   negations), and applied where no kept deterministic rule applies (a decision
   list's "otherwise").

Scores are closed-form counts; :mod:`symworld.induction.selection` then fits
the kept laws with the law model.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from symworld.induction.features import Feature, Literal

MAX_OUTCOMES = 8  # outcomes of a categorical law


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """Thresholds of the search.

    - ``min_support``: changes a rule must explain (and an effect must be seen).
    - ``min_precision``: fraction of matched transitions on which a
      deterministic rule's effect must hold.
    - ``max_literals``: conjuncts per precondition.
    - ``max_rules``: rules per effect in sequential covering.
    - ``penalty``: log-likelihood a law must gain per free parameter
      (``None``: BIC, ``0.5 * log T``).
    - ``conflict``: largest fraction of a rule's matched transitions on which it
      may disagree with an already kept rule of the same target.
    """

    min_support: int = 3
    min_precision: float = 0.95
    max_literals: int = 3
    max_rules: int = 6
    penalty: float | None = None
    conflict: float = 0.02


@dataclasses.dataclass(frozen=True)
class Target:
    """What a law writes.

    - ``slug``/``label``: name and words (``"toggle"``).
    - ``attribute``: the attribute written; ``site``: the flat site within it
      (``None`` for the grid cell an action targets).
    - ``current``: jnp source of the value before the step.
    - ``low``, ``high``: the domain.
    - ``sites``: jnp source of the flat sites written (``None``: ``site``, or the
      targeted grid cell); e.g. the row of the object on the targeted cell.
    - ``requires``: literals every precondition starts with (they do not count
      against ``max_literals``), e.g. "an object stands on the targeted cell"
      for a target that only exists when it does.
    - ``rows``: the law speaks about every living row of an object table where
      its precondition (over row features) holds
      (:mod:`symworld.induction.rows`).
    - ``steps``: for a row position, the step ``(dx, dy)`` of each step code
      (code 0 stays; a larger code is a rare step); ``enterable``: the grid
      values a row may step onto.
    """

    slug: str
    label: str
    attribute: str
    site: int | None
    current: str
    low: int
    high: int
    sites: str | None = None
    requires: tuple[Literal, ...] = ()
    rows: bool = False
    steps: tuple[tuple[int, int], ...] = ()
    enterable: tuple[int, ...] = ()

    @property
    def domain_size(self) -> int:
        return self.high - self.low + 1


@dataclasses.dataclass(frozen=True)
class Effect:
    """A predicted outcome.

    - ``kind``: ``"change"`` (``x + value``), ``"set"`` (``value``),
      ``"complement"`` (``low + high - x``) or ``"categorical"`` (one of
      ``outcomes``, each ``x + o`` if ``relative`` else ``o``, with learnable
      probabilities).
    """

    kind: str
    value: int = 0
    outcomes: tuple[int, ...] = ()
    relative: bool = False

    def predict(self, target: Target, current: np.ndarray) -> np.ndarray:
        """int ``(T,)``: the deterministic prediction (not for categoricals)."""
        if self.kind == "change":
            return np.clip(current + self.value, target.low, target.high)
        if self.kind == "set":
            return np.full_like(current, self.value)
        if self.kind == "complement":
            return target.low + target.high - current
        raise ValueError("a categorical effect has no single prediction")

    def slug(self) -> str:
        if self.kind == "change":
            return f"{'plus' if self.value >= 0 else 'minus'}_{abs(self.value)}"
        if self.kind == "set":
            return f"set_{self.value}"
        if self.kind == "complement":
            return "flips"
        return "varies"

    @property
    def free_parameters(self) -> int:
        """Learnable parameters besides the weight."""
        return len(self.outcomes) - 1 if self.kind == "categorical" else 0


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A candidate law and the evidence for it.

    - ``literals``: the precondition's conjunction; ``exceptions``: conjunctions
      of kept rules under which it does not apply.
    - ``matched``: transitions where the precondition holds; ``held``: of them,
      where the effect's predicted value (or, for a categorical, one of its
      outcomes) was observed; ``explained``: observed changes it accounts for.
    - ``gain``: log-likelihood gained over the frame default (nats), before the
      penalty; ``probabilities``: empirical outcome frequencies of a categorical.
    - ``origin``: ``"search"`` or the proposer's name.
    - ``focus``: for a law that moves rows, how many rows it computes over.
    """

    target: Target
    effect: Effect
    literals: tuple[Literal, ...]
    exceptions: tuple[tuple[Literal, ...], ...] = ()
    matched: int = 0
    held: int = 0
    explained: int = 0
    gain: float = 0.0
    probabilities: tuple[float, ...] = ()
    origin: str = "search"
    focus: int = 0

    @property
    def precision(self) -> float:
        return self.held / self.matched if self.matched else 0.0


def most_common(values: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """``Counter(values.tolist()).most_common(limit)`` with numpy: ``(value,
    count)`` pairs, most frequent first, ties in order of first occurrence."""
    seen, first, counts = np.unique(values, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))[:limit]
    return [(int(seen[i]), int(counts[i])) for i in order]


def _mask(
    features: np.ndarray, literals: Sequence[Literal], index: dict[str, int]
) -> np.ndarray:
    mask = np.ones(features.shape[0], bool)
    for literal in literals:
        column = features[:, index[literal.feature.name]]
        mask &= column if literal.positive else ~column
    return mask


def frame_log_likelihood(changed: np.ndarray, domain: int, rate: float) -> float:
    """Log-likelihood of a site's values under the frame default: kept with
    probability ``1 - rate``, else any other value uniformly."""
    n_changed = float(np.sum(changed))
    n_kept = float(changed.size - n_changed)
    return n_kept * math.log1p(-rate) + n_changed * (
        math.log(rate) - math.log(max(domain - 1, 1))
    )


def deterministic_gain(held: int, matched: int, domain: int, frame: float) -> float:
    p = min(max(held / matched, 1e-3), 1 - 1e-3) if matched else 0.5
    missed = matched - held
    log_likelihood = held * math.log(p) + missed * (
        math.log1p(-p) - math.log(max(domain - 1, 1))
    )
    return log_likelihood - frame


class RuleSearch:
    """Rule search over one feature matrix (see the module docstring).

    **Arguments:**

    - ``features``: the :class:`Feature` list; ``matrix``: bool ``(T, F)`` their
      values on the transitions.
    - ``spent``: bool ``(T, F)``, where a threshold feature's site fell by its
      threshold (:func:`~symworld.induction.features.spent`).
    - ``stations``: indices of the features that say a thing the player made
      stands near it (:meth:`stationed`).
    """

    def __init__(
        self,
        features: Sequence[Feature],
        matrix: np.ndarray,
        settings: SearchSettings,
        spent: np.ndarray | None = None,
        stations: Sequence[int] = (),
    ):
        self.features = list(features)
        self.stations = list(stations)
        self.matrix = np.asarray(matrix).astype(bool)
        self.spent = (
            np.zeros_like(self.matrix) if spent is None else np.asarray(spent, bool)
        )
        self.action_columns = [
            i for i, f in enumerate(self.features) if f.family == "action"
        ]
        self.settings = settings
        self.index = {f.name: i for i, f in enumerate(self.features)}
        self.costs = np.asarray([f.cost for f in self.features], float)
        self.num_transitions = int(self.matrix.shape[0])
        self.rate = 1.0 / (self.num_transitions + 1.0)
        self.penalty = (
            settings.penalty
            if settings.penalty is not None
            else 0.5 * math.log(max(self.num_transitions, 2))
        )

    def mask(self, literals: Sequence[Literal]) -> np.ndarray:
        return _mask(self.matrix, literals, self.index)

    def precondition_mask(self, candidate: Candidate) -> np.ndarray:
        mask = self.mask(candidate.literals)
        for exception in candidate.exceptions:
            mask &= ~self.mask(exception)
        return mask

    # -- step 1: effects ------------------------------------------------------------
    def effects(
        self, target: Target, current: np.ndarray, following: np.ndarray
    ) -> list[Effect]:
        changed = current != following
        least = self.settings.min_support
        effects = []
        if target.domain_size == 2 and changed.sum() >= least:
            effects.append(Effect("complement"))
        for value, count in sorted(Counter(following[changed].tolist()).items()):
            if count >= least:
                effects.append(Effect("set", int(value)))
        for delta, count in sorted(
            Counter((following - current)[changed].tolist()).items()
        ):
            if count >= least:
                effects.append(Effect("change", int(delta)))
        return effects

    # -- step 2: sequential covering --------------------------------------------------
    def spending(self, positives: np.ndarray) -> list[Literal]:
        """Thresholds ``site >= v`` that one action's changes all spent: on
        every positive transition (at least ``min_support``, all with the same
        action) the site fell by exactly ``v``. An action cannot spend what is
        not held, so such a literal is part of the precondition (at most
        ``max_literals - 1`` of them, leaving room for the action)."""
        if int(positives.sum()) < self.settings.min_support:
            return []
        rows = self.matrix[positives]
        if not rows[:, self.action_columns].all(axis=0).any():
            return []
        columns = np.flatnonzero(self.spent[positives].all(axis=0))
        return [
            Literal(self.features[j])
            for j in columns[: max(self.settings.max_literals - 1, 0)]
        ]

    def stationed(self, positives: np.ndarray, room: int) -> list[Literal]:
        """Up to ``room`` station literals (a thing the player made stands near
        it) that held on every positive transition (at least ``min_support``,
        all with the same action) and not on every transition. Every cell of a
        made thing came from the player's own actions, so the data cannot show
        the change without it; a law that left it out would claim the change
        wherever the action is taken (a pickaxe made anywhere, not beside the
        table). Like spent items, such a literal is part of the precondition."""
        if room < 1 or int(positives.sum()) < self.settings.min_support:
            return []
        rows = self.matrix[positives]
        if not rows[:, self.action_columns].all(axis=0).any():
            return []
        columns = [
            j for j in self.stations if rows[:, j].all() and not self.matrix[:, j].all()
        ]
        return [Literal(self.features[j]) for j in columns[:room]]

    def acting(self, positives: np.ndarray) -> list[Literal]:
        """The action literal when every positive transition (at least
        ``min_support``) took the same action: a target with required literals
        is what the action is aimed at (the object on the targeted cell), and an
        effect on it that only ever followed one action is that action's."""
        if int(positives.sum()) < self.settings.min_support:
            return []
        rows = self.matrix[positives][:, self.action_columns]
        shared = np.flatnonzero(rows.all(axis=0))
        return [Literal(self.features[self.action_columns[j]]) for j in shared[:1]]

    def _grow(
        self,
        holds: np.ndarray,
        remaining: np.ndarray,
        base: np.ndarray,
        start: Sequence[Literal] = (),
        limit: int | None = None,
    ) -> tuple[list[Literal], np.ndarray] | None:
        least = self.settings.min_support
        limit = self.settings.max_literals if limit is None else limit
        literals: list[Literal] = list(start)
        cond = base & self.mask(literals)
        for _ in range(limit + 1):
            matched = int(cond.sum())
            positive = int((holds & cond).sum())
            if matched and positive / matched >= self.settings.min_precision:
                return self._refine(holds, remaining, literals, cond, limit)
            if len(literals) >= limit or positive == 0:
                return None
            sub = self.matrix[cond]
            h = holds[cond]
            r = remaining[cond]
            pos_f = (sub & h[:, None]).sum(0).astype(float)
            tot_f = sub.sum(0).astype(float)
            rem_f = (sub & r[:, None]).sum(0).astype(float)
            pos = np.concatenate([pos_f, positive - pos_f])
            tot = np.concatenate([tot_f, matched - tot_f])
            rem = np.concatenate([rem_f, r.sum() - rem_f])
            old = math.log(positive / matched)
            with np.errstate(divide="ignore", invalid="ignore"):
                gain = rem * (np.log(np.maximum(pos, 1e-12) / np.maximum(tot, 1)) - old)
            gain[(rem < least) | (tot == matched)] = -np.inf
            if not np.isfinite(gain).any() or gain.max() <= 0:
                return None
            best = self._cheapest_best(gain)
            count = len(self.features)
            literal = Literal(self.features[best % count], positive=best < count)
            literals.append(literal)
            cond &= (
                self.matrix[:, best % count]
                if best < count
                else ~self.matrix[:, best % count]
            )
        return None

    def _cheapest_best(self, score: np.ndarray) -> int:
        """Index of the best of ``2F`` literal scores (features, then negations);
        ties (within ``1e-9`` relative) go to the cheapest feature family, then
        to the first index (deterministic)."""
        top = float(np.max(score))
        tied = np.flatnonzero(score >= top - 1e-9 * max(abs(top), 1.0))
        return int(min(tied, key=lambda i: (self.costs[i % len(self.features)], i)))

    def _cheapen(
        self,
        holds: np.ndarray,
        remaining: np.ndarray,
        literals: list[Literal],
        fixed: int = 0,
        limit: int | None = None,
    ) -> list[Literal]:
        """Trade literals for cheaper ones (:data:`FAMILY_COST`) while the rule
        still explains every remaining change it explained, at no lower precision:
        drop a literal, or replace it by a cheaper feature or negation. The most
        expensive literals are tried first; the cheapest valid choice wins. The
        first ``fixed`` literals (required ones and spent items,
        :meth:`spending`) are kept; a rule has at most ``limit`` literals."""
        limit = self.settings.max_literals if limit is None else limit
        count = len(self.features)
        costs = np.concatenate([self.costs, self.costs])

        def quality(cond: np.ndarray) -> tuple[int, float]:
            matched = int(cond.sum())
            return int((remaining & cond).sum()), (
                int((holds & cond).sum()) / matched if matched else 0.0
            )

        covered, precision = quality(self.mask(literals))
        changed = True
        while changed:
            changed = False
            order = sorted(
                range(fixed, len(literals)),
                key=lambda i: (-literals[i].feature.cost, i),
            )
            for i in order:
                rest = literals[:i] + literals[i + 1 :]
                base = self.mask(rest)
                if quality(base)[0] >= covered and quality(base)[1] >= precision:
                    literals, changed = rest, True
                    break
                sub = self.matrix[base]
                both = np.concatenate([sub, ~sub], axis=1)
                kept = (both & remaining[base][:, None]).sum(0)
                matched = both.sum(0)
                held = (both & holds[base][:, None]).sum(0)
                valid = (
                    (kept >= covered)
                    & (matched > 0)
                    & (held >= precision * matched - 1e-9)
                    & (costs < literals[i].feature.cost)
                )
                if valid.any():
                    pick = int(
                        min(
                            np.flatnonzero(valid), key=lambda j: (costs[j], -held[j], j)
                        )
                    )
                    chosen = [Literal(self.features[pick % count], pick < count)]
                elif len(literals) < limit:
                    chosen = self._cheaper_pair(
                        both, base, holds, remaining, covered, precision, literals[i]
                    )
                    if chosen is None:
                        continue
                else:
                    continue
                literals = [*rest[:i], *chosen, *rest[i:]]
                changed = True
                break
        return literals

    def _cheaper_pair(
        self,
        both: np.ndarray,
        base: np.ndarray,
        holds: np.ndarray,
        remaining: np.ndarray,
        covered: int,
        precision: float,
        literal: Literal,
    ) -> list[Literal] | None:
        """Two literals, together cheaper than ``literal``, that keep the
        rule's covered changes and precision (the cheapest pair, or ``None``)."""
        count = len(self.features)
        costs = np.concatenate([self.costs, self.costs])
        positives = remaining[base]
        hold = holds[base]
        firsts = np.flatnonzero(
            ((both & positives[:, None]).sum(0) >= covered)
            & (costs + self.costs.min() < literal.feature.cost)
        )
        best = None
        for first in firsts:
            pair = both & both[:, first : first + 1]
            kept = (pair & positives[:, None]).sum(0)
            matched = pair.sum(0)
            held = (pair & hold[:, None]).sum(0)
            valid = (
                (kept >= covered)
                & (matched > 0)
                & (held >= precision * matched - 1e-9)
                & (costs + costs[first] < literal.feature.cost)
            )
            valid[first] = False
            for second in np.flatnonzero(valid):
                key = (costs[first] + costs[second], -held[second], first, second)
                if best is None or key < best:
                    best = key
        if best is None:
            return None
        return [Literal(self.features[j % count], j < count) for j in sorted(best[2:])]

    def _refine(
        self,
        holds: np.ndarray,
        remaining: np.ndarray,
        literals: list[Literal],
        cond: np.ndarray,
        limit: int | None = None,
    ) -> tuple[list[Literal], np.ndarray]:
        """Add literals that keep every remaining positive and raise precision
        (free refinements: a precise enough rule is made exact where the data
        allow it at no loss of coverage)."""
        count = len(self.features)
        limit = self.settings.max_literals if limit is None else limit
        while len(literals) < limit:
            matched = int(cond.sum())
            positive = int((holds & cond).sum())
            if positive == matched:
                break
            covered = int((remaining & cond).sum())
            sub = self.matrix[cond]
            both = np.concatenate([sub, ~sub], axis=1)
            keeps = (both & remaining[cond][:, None]).sum(0) == covered
            precision = (both & holds[cond][:, None]).sum(0) / np.maximum(
                both.sum(0), 1
            )
            precision[~keeps] = -1.0
            best = self._cheapest_best(precision)
            if precision[best] <= positive / matched:
                break
            literals = [*literals, Literal(self.features[best % count], best < count)]
            column = self.matrix[:, best % count]
            cond = cond & (column if best < count else ~column)
        return literals, cond

    def rules(
        self, target: Target, current: np.ndarray, following: np.ndarray
    ) -> list[Candidate]:
        """Deterministic rules for every effect of the target (step 2)."""
        changed = current != following
        frame_site = lambda mask: frame_log_likelihood(  # noqa: E731
            changed[mask], target.domain_size, self.rate
        )
        candidates = []
        required = list(target.requires)
        limit = self.settings.max_literals + len(required)
        for effect in self.effects(target, current, following):
            holds = effect.predict(target, current) == following
            remaining = holds & changed
            for _ in range(self.settings.max_rules):
                if remaining.sum() < self.settings.min_support:
                    break
                acted = self.acting(remaining) if required else []
                spending = self.spending(remaining)
                room = self.settings.max_literals - 1 - len(spending)
                seeds = required + acted + spending + self.stationed(remaining, room)
                grown = self._grow(holds, remaining, np.ones_like(holds), seeds, limit)
                if grown is None:
                    break
                literals = self._cheapen(holds, remaining, grown[0], len(seeds), limit)
                cond = self.mask(literals)
                matched = int(cond.sum())
                held = int((holds & cond).sum())
                explained = int((holds & changed & cond).sum())
                gain = deterministic_gain(
                    held, matched, target.domain_size, frame_site(cond)
                )
                candidates.append(
                    Candidate(
                        target,
                        effect,
                        tuple(literals),
                        (),
                        matched,
                        held,
                        explained,
                        gain,
                    )
                )
                remaining &= ~cond
        return candidates

    # -- step 3: set cover ------------------------------------------------------------
    def select(
        self,
        target: Target,
        current: np.ndarray,
        following: np.ndarray,
        candidates: Sequence[Candidate],
    ) -> list[Candidate]:
        changed = current != following
        order = sorted(
            range(len(candidates)),
            key=lambda i: (
                -candidates[i].explained,
                len(candidates[i].literals),
                -candidates[i].gain,
                i,
            ),
        )
        explained = np.zeros_like(changed)
        kept: list[tuple[Candidate, np.ndarray, np.ndarray]] = []
        for i in order:
            candidate = candidates[i]
            cond = self.mask(candidate.literals)
            prediction = candidate.effect.predict(target, current)
            holds = prediction == following
            new = int((holds & changed & cond & ~explained).sum())
            if new < self.settings.min_support or candidate.gain <= self.penalty:
                continue
            clash = 0
            for _, other_cond, other_prediction in kept:
                clash += int(
                    (cond & other_cond & (other_prediction != prediction)).sum()
                )
            if clash > self.settings.conflict * max(int(cond.sum()), 1):
                continue
            kept.append((candidate, cond, prediction))
            explained |= holds & changed & cond
        return [k[0] for k in kept]

    # -- step 4: the categorical "otherwise" ------------------------------------
    def categorical(
        self,
        target: Target,
        current: np.ndarray,
        following: np.ndarray,
        kept: Sequence[Candidate],
    ) -> Candidate | None:
        changed = current != following
        base = np.ones_like(changed)
        for rule in kept:
            base &= ~self.mask(rule.literals)
        left = changed & base
        if left.sum() < self.settings.min_support:
            return None
        deltas = following - current
        relative = len(set(deltas[left].tolist()) | {0}) <= len(
            set(following[left].tolist())
        )
        outcome = deltas if relative else following

        def score(cond: np.ndarray) -> tuple[float, tuple[int, ...], tuple[float, ...]]:
            counts = most_common(outcome[cond], MAX_OUTCOMES)
            values = tuple(sorted(int(v) for v, _ in counts))
            total = int(cond.sum())
            if total == 0 or len(values) < 2:
                return -math.inf, values, ()
            frequency = dict(counts)
            covered = sum(frequency.values())
            ll = sum(n * math.log(n / total) for n in frequency.values())
            ll += (total - covered) * (
                math.log(1e-3) - math.log(max(target.domain_size, 2))
            )
            gain = ll - frame_log_likelihood(
                changed[cond], target.domain_size, self.rate
            )
            gain -= self.penalty * len(values)
            return gain, values, tuple(frequency[v] / total for v in values)

        literals: list[Literal] = list(target.requires)
        cond = base & self.mask(literals)
        best = score(cond)
        count = len(self.features)
        literal_cost = math.log(2 * max(count, 1))  # nats to name one literal
        for _ in range(self.settings.max_literals):
            trials = []
            for column in range(2 * count):
                feature = self.matrix[:, column % count]
                new = cond & (feature if column < count else ~feature)
                if (
                    new & left
                ).sum() < self.settings.min_support or new.sum() == cond.sum():
                    continue
                cost = float(self.costs[column % count])
                trials.append((score(new)[0], -cost, -column, column, new))
            if not trials:
                break
            value, _, _, column, new = max(trials, key=lambda t: t[:3])
            if value <= best[0] + literal_cost:
                break
            literals.append(Literal(self.features[column % count], column < count))
            cond = new
            best = score(cond)
        gain, values, probabilities = best
        if not math.isfinite(gain) or gain <= 0:
            return None
        held = int(np.isin(outcome[cond], values).sum())
        exceptions = tuple(rule.literals for rule in kept)
        return Candidate(
            target,
            Effect("categorical", outcomes=values, relative=relative),
            tuple(literals),
            exceptions,
            matched=int(cond.sum()),
            held=held,
            explained=int((changed & cond).sum()),
            gain=gain + self.penalty * len(values),
            probabilities=probabilities,
        )

    def laws_for(
        self, target: Target, current: np.ndarray, following: np.ndarray
    ) -> list[Candidate]:
        """Steps 2-4 for one target: the kept rules, then the categorical."""
        current = np.asarray(current).astype(np.int64)
        following = np.asarray(following).astype(np.int64)
        rules = self.rules(target, current, following)
        kept = self.select(target, current, following, rules)
        other = self.categorical(target, current, following, kept)
        return kept + ([other] if other is not None else [])
