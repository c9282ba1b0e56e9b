"""The JAX symbolic-regression engine: island-model genetic programming on fixed-size
postfix programs, every generation evaluated (and its constants fitted) in one
compiled call.

The search, per output:

1. **Islands.** `populations` islands of `population_size` programs each, started from
   random trees.
2. **Generations.** Each island makes ``population_size // 2`` children: tournament
   selection (`tournament_size` programs drawn, the best taken with probability
   `tournament_p`, else the next, ...) on a cost that combines the loss with
   **adaptive parsimony** (PySR's idea: the loss is multiplied by
   ``exp(adaptive_parsimony_scaling * frequency[complexity])``, where ``frequency`` is
   the share of recent programs of that complexity, so crowded complexities are
   penalised) and an optional constant `parsimony` per unit of complexity; then
   subtree crossover (probability `crossover_probability`) or one mutation (change a
   constant, an operator or a variable; wrap a subtree in a new operator; insert or
   delete a node; swap operands; replace a subtree; fold constant subtrees; start
   afresh). Children replace the oldest members (regularised evolution).
3. **One compiled call** evaluates all children of all islands and all outputs: a
   stack machine runs each program and a few Levenberg–Marquardt steps fit its
   constants (:func:`~symworld.equations.encoding.make_population_fitter`).
   Constants are inherited, so they keep improving across generations.
4. **Migration.** Every `migration_interval` generations each island receives copies
   of the best programs of the other islands and of the hall of fame.
5. **Hall of fame.** The best program per complexity is kept throughout.
6. **Polish.** At the end every hall-of-fame member is refitted in float64 on all
   samples (Levenberg–Marquardt from SciPy), its constants are snapped to simple values
   (integers, fractions p/q with q <= 12, multiples of pi, sqrt(2), sqrt(pi),
   sqrt(2 pi), e and their square roots) when the loss allows, and negligible terms of
   sums are pruned (same rule). "Allows" means the loss grows by at most a relative
   `snap_tolerance` (plus float64 round-off).
7. **Front.** The polished members form a :class:`~symworld.equations.frontier.
   ParetoFront` with PySR's scores; `model_selection` picks the result.

Budgets: `niterations` generations, `timeout_in_seconds` wall time and
`early_stop_loss` (stop once an output's best loss is at or below it). The same seed
gives the same hall of fame (all randomness comes from one NumPy generator seeded with
`seed`; the compiled calls are deterministic on CPU).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import sympy as sp

from symworld.equations.encoding import (
    CONST,
    FIRST_VARIABLE,
    PAD,
    Language,
    make_population_fitter,
)
from symworld.equations.expression import Expression, subtree_start
from symworld.equations.frontier import (
    MODEL_SELECTIONS,
    Equation,
    HallOfFame,
    ParetoFront,
    compute_scores,
    format_equation,
    pareto_indices,
    select_index,
    sympy_complexity,
)
from symworld.equations.operators import DEFAULT_BINARY, resolve_operators
from symworld.progress import progress

logger = logging.getLogger(__name__)

Program = tuple[tuple[int, float], ...]  # postfix (token code, constant value) pairs


def check_budget(niterations: int, timeout_in_seconds: float | None, seed: int) -> None:
    """Raise ``ValueError`` naming the option unless ``niterations`` is an integer
    >= 1, ``timeout_in_seconds`` is None or >= 0 (0: stop after one generation)
    and ``seed`` is an integer >= 0."""
    if not _is_int(niterations) or niterations < 1:
        raise ValueError(f"niterations must be an integer >= 1, got {niterations!r}")
    if timeout_in_seconds is not None and not timeout_in_seconds >= 0:
        raise ValueError(
            f"timeout_in_seconds must be None or >= 0, got {timeout_in_seconds!r}"
        )
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


@dataclass(frozen=True)
class SearchOptions:
    """Options of :func:`search` (PySR's names where PySR has the option).

    - `binary_operators`, `unary_operators`: operator names from
      :mod:`~symworld.equations.operators` (``"+"``, ``"*"``... accepted).
    - `maxsize`: largest complexity (and program length) searched.
    - `max_constants`: constants per program.
    - `populations`, `population_size`: islands and programs per island.
    - `niterations`: generations; `timeout_in_seconds`: wall-time budget;
      `early_stop_loss`: stop an output once its best loss is <= this;
      `patience`: stop once, for every output, the equation that `model_selection`
      picks from the current hall of fame has kept its complexity and improved its
      loss by less than a relative 1e-3 for this many generations (useful on noisy
      data, where no loss threshold is known).
    - `tournament_size`, `tournament_p`, `crossover_probability`.
    - `adaptive_parsimony_scaling`, `parsimony`: see the module docstring.
    - `migration_interval`, `migration_count`: generations between migrations and
      programs migrated into each island.
    - `optimizer_iterations`: Levenberg–Marquardt steps per optimised child;
      `optimize_probability`: share of children whose constants are fitted (the
      others are only evaluated, with the constants inherited from their parent).
    - `max_samples`: rows used during the search (a fixed random subset when there
      are more; the polish always uses all rows).
    - `polish`, `snap_tolerance`: final float64 polish, snapping and pruning.
    - `model_selection`: ``"best"``, ``"accuracy"`` or ``"score"``.
    - `seed`: the only source of randomness. `progress`: show a progress bar.
    """

    binary_operators: tuple[str, ...] = DEFAULT_BINARY
    unary_operators: tuple[str, ...] = ()
    maxsize: int = 20
    max_constants: int = 4
    populations: int = 4
    population_size: int = 64
    niterations: int = 60
    timeout_in_seconds: float | None = None
    early_stop_loss: float | None = None
    patience: int | None = None
    tournament_size: int = 8
    tournament_p: float = 0.86
    crossover_probability: float = 0.15
    adaptive_parsimony_scaling: float = 20.0
    parsimony: float = 0.0
    migration_interval: int = 5
    migration_count: int = 4
    optimizer_iterations: int = 6
    optimize_probability: float = 0.5
    max_samples: int = 500
    polish: bool = True
    snap_tolerance: float = 1e-3
    model_selection: str = "best"
    seed: int = 0
    progress: bool = True
    mutation_weights: dict[str, float] = field(
        default_factory=lambda: dict(_DEFAULT_MUTATION_WEIGHTS)
    )

    def __post_init__(self):
        if self.model_selection not in MODEL_SELECTIONS:
            raise ValueError(
                f"model_selection must be one of {MODEL_SELECTIONS}, "
                f"got {self.model_selection!r}"
            )
        if self.maxsize < 1 or self.populations < 1 or self.population_size < 4:
            raise ValueError(
                "maxsize must be >= 1, populations >= 1 and population_size >= 4"
            )
        check_budget(self.niterations, self.timeout_in_seconds, self.seed)
        ops = resolve_operators(
            tuple(self.binary_operators) + tuple(self.unary_operators)
        )
        for name in self.binary_operators:
            if resolve_operators([name])[0].arity != 2:
                raise ValueError(f"{name!r} is not a binary operator")
        for name in self.unary_operators:
            if resolve_operators([name])[0].arity != 1:
                raise ValueError(f"{name!r} is not a unary operator")
        if not ops:
            raise ValueError("at least one operator is needed")
        if not 0.0 <= self.optimize_probability <= 1.0:
            raise ValueError("optimize_probability must be in [0, 1]")
        if self.max_samples < 2 or self.max_constants < 0:
            raise ValueError("max_samples must be >= 2 and max_constants >= 0")
        unknown = set(self.mutation_weights) - set(_DEFAULT_MUTATION_WEIGHTS)
        if unknown:
            raise ValueError(
                f"unknown mutation(s) {sorted(unknown)}; "
                f"known: {sorted(_DEFAULT_MUTATION_WEIGHTS)}"
            )


_DEFAULT_MUTATION_WEIGHTS = {
    "mutate_constant": 0.1,
    "mutate_operator": 0.5,
    "mutate_feature": 0.4,
    "add_node": 2.0,
    "insert_node": 0.6,
    "delete_node": 0.8,
    "swap_operands": 0.2,
    "replace_subtree": 0.5,
    "simplify": 0.05,
    "randomize": 0.02,
}


class SearchResult(NamedTuple):
    """Result of :func:`search` for one output.

    - `front`: the :class:`ParetoFront` (polished).
    - `hall_of_fame`: list of :class:`Equation`, the best program per complexity as
      the search left it (constants in float32, loss on the search rows), by
      increasing complexity.
    - `expressions`: dict complexity -> :class:`Expression` for the front rows.
    - `selected`: the :class:`Equation` chosen by `model_selection`.
    - `generations`: generations run; `evaluations`: programs evaluated (each with
      its constant fit); `seconds`: wall time of the search (including compilation);
      `evaluations_per_second` (all outputs together, compilation excluded);
      `compile_seconds` (0 when the compiled call was cached); `stop_reason`:
      ``"niterations"``, ``"timeout"``, ``"early_stop"`` or ``"patience"``.
    """

    front: ParetoFront
    hall_of_fame: list[Equation]
    expressions: dict[int, Expression]
    selected: Equation
    generations: int
    evaluations: int
    seconds: float
    evaluations_per_second: float
    stop_reason: str
    compile_seconds: float


# ---------------------------------------------------------------------- programs
class _Grammar:
    """Host-side helpers to build and vary programs of one language."""

    def __init__(self, language: Language, options: SearchOptions):
        self.language = language
        self.arity = language.arity.tolist()  # plain lists: fast scalar indexing
        self.complexity = language.complexity.tolist()
        self.n_vars = language.n_variables
        first = language.first_operator
        self.binary = [
            first + i for i, o in enumerate(language.operators) if o.arity == 2
        ]
        self.unary = [
            first + i for i, o in enumerate(language.operators) if o.arity == 1
        ]
        self.maxsize = options.maxsize
        self.max_length = language.max_length
        self.max_constants = language.max_constants

    def valid(self, program: Program) -> bool:
        if not program or len(program) > self.max_length:
            return False
        if sum(1 for t, _ in program if t == CONST) > self.max_constants:
            return False
        return self.size(program) <= self.maxsize

    def size(self, program: Program) -> int:
        return int(sum(self.complexity[t] for t, _ in program))

    def random_leaf(self, rng: np.random.Generator) -> Program:
        if rng.random() < 0.25:
            return ((CONST, float(np.round(rng.normal(0.0, 2.0), 3))),)
        return ((FIRST_VARIABLE + int(rng.integers(self.n_vars)), 0.0),)

    def random_tree(self, rng: np.random.Generator, depth: int) -> Program:
        if depth <= 0 or rng.random() < 0.3:
            return self.random_leaf(rng)
        use_unary = self.unary and (not self.binary or rng.random() < 0.25)
        if use_unary:
            child = self.random_tree(rng, depth - 1)
            return child + ((int(rng.choice(self.unary)), 0.0),)
        left = self.random_tree(rng, depth - 1)
        right = self.random_tree(rng, depth - 1)
        return left + right + ((int(rng.choice(self.binary)), 0.0),)

    def span(self, program: Program, end: int) -> int:
        need = 1
        i = end
        while True:
            need += int(self.arity[program[i][0]]) - 1
            if need == 0:
                return i
            i -= 1

    def children(self, program: Program, end: int) -> list[tuple[int, int]]:
        """(start, end) spans of the children of node `end`, left to right."""
        spans = []
        i = end - 1
        for _ in range(int(self.arity[program[end][0]])):
            start = self.span(program, i)
            spans.append((start, i))
            i = start - 1
        return spans[::-1]

    # -------------------------------------------------------------- variations
    def mutate(self, program: Program, kind: str, rng: np.random.Generator) -> Program:
        p = list(program)
        n = len(p)
        if kind == "mutate_constant":
            idx = [i for i, (t, _) in enumerate(p) if t == CONST]
            if not idx:
                return program
            i = int(rng.choice(idx))
            value = p[i][1] * (1.0 + 0.3 * rng.normal())
            if rng.random() < 0.1:
                value = -value
            p[i] = (CONST, float(value))
            return tuple(p)
        if kind == "mutate_operator":
            idx = [i for i, (t, _) in enumerate(p) if self.arity[t] > 0]
            if not idx:
                return program
            i = int(rng.choice(idx))
            pool = self.binary if self.arity[p[i][0]] == 2 else self.unary
            p[i] = (int(rng.choice(pool)), 0.0)
            return tuple(p)
        if kind == "mutate_feature":
            idx = [i for i, (t, _) in enumerate(p) if self._is_var(t)]
            if not idx:
                return program
            i = int(rng.choice(idx))
            p[i] = (FIRST_VARIABLE + int(rng.integers(self.n_vars)), 0.0)
            return tuple(p)
        if kind in ("add_node", "insert_node"):
            # add_node wraps the whole program, insert_node a random subtree.
            end = n - 1 if kind == "add_node" else int(rng.integers(n))
            start = self.span(p, end)
            sub = tuple(p[start : end + 1])
            if self.unary and (not self.binary or rng.random() < 0.3):
                new = sub + ((int(rng.choice(self.unary)), 0.0),)
            else:
                leaf = (
                    self.random_leaf(rng)
                    if rng.random() < 0.8
                    else (self.random_tree(rng, 2))
                )
                code = int(rng.choice(self.binary))
                new = (sub + leaf if rng.random() < 0.5 else leaf + sub) + (
                    (code, 0.0),
                )
            return tuple(p[:start]) + new + tuple(p[end + 1 :])
        if kind == "delete_node":
            idx = [i for i, (t, _) in enumerate(p) if self.arity[t] > 0]
            if not idx:
                return program
            end = int(rng.choice(idx))
            start = self.span(p, end)
            spans = self.children(p, end)
            cs, ce = spans[int(rng.integers(len(spans)))]
            return tuple(p[:start]) + tuple(p[cs : ce + 1]) + tuple(p[end + 1 :])
        if kind == "swap_operands":
            idx = [i for i, (t, _) in enumerate(p) if self.arity[t] == 2]
            if not idx:
                return program
            end = int(rng.choice(idx))
            (a0, a1), (b0, b1) = self.children(p, end)
            return (
                tuple(p[:a0])
                + tuple(p[b0 : b1 + 1])
                + tuple(p[a0 : a1 + 1])
                + tuple(p[end:])
            )
        if kind == "replace_subtree":
            end = int(rng.integers(n))
            start = self.span(p, end)
            return tuple(p[:start]) + self.random_tree(rng, 2) + tuple(p[end + 1 :])
        if kind == "simplify":
            return self.fold_constants(program)
        if kind == "randomize":
            return self.random_tree(rng, int(rng.integers(2, 5)))
        raise ValueError(f"unknown mutation {kind!r}")

    def crossover(self, a: Program, b: Program, rng: np.random.Generator) -> Program:
        end_a = int(rng.integers(len(a)))
        start_a = self.span(a, end_a)
        end_b = int(rng.integers(len(b)))
        start_b = self.span(b, end_b)
        return a[:start_a] + b[start_b : end_b + 1] + a[end_a + 1 :]

    def _is_var(self, token: int) -> bool:
        return FIRST_VARIABLE <= token < FIRST_VARIABLE + self.n_vars

    def fold_constants(self, program: Program) -> Program:
        """Replace every largest variable-free subtree of size > 1 by one constant."""
        p = list(program)
        has_var = []
        stack: list[bool] = []
        for t, _ in p:
            arity = int(self.arity[t])
            args = stack[len(stack) - arity :] if arity else []
            if arity:
                del stack[len(stack) - arity :]
            v = self._is_var(t) or any(args)
            stack.append(v)
            has_var.append(v)
        end = len(p) - 1
        out: list[tuple[int, float]] = []

        # Walk from the root: emit folded constants for variable-free subtrees.
        def emit(end: int) -> None:
            start = self.span(p, end)
            if not has_var[end] and end > start:
                value = self._value(tuple(p[start : end + 1]))
                if math.isfinite(value):
                    out.append((CONST, value))
                    return
            for _start, ce in self.children(p, end):
                emit(ce)
            out.append(p[end])

        emit(end)
        return tuple(out)

    def _value(self, program: Program) -> float:
        expr = self.language.decode(
            [t for t, _ in program],
            [v for t, v in program if t == CONST],
            [f"x{i}" for i in range(self.n_vars)],
        )
        with np.errstate(all="ignore"):
            return float(expr.numpy(np.zeros((1, self.n_vars)))[0])

    def encode(self, programs: Sequence[Program]) -> tuple[np.ndarray, np.ndarray]:
        tokens = np.full((len(programs), self.max_length), PAD, np.int32)
        constants = np.zeros((len(programs), self.max_constants), np.float32)
        for row, program in enumerate(programs):
            k = 0
            for i, (t, v) in enumerate(program):
                tokens[row, i] = t
                if t == CONST:
                    constants[row, k] = v
                    k += 1
        return tokens, constants

    @staticmethod
    def with_constants(program: Program, constants: np.ndarray) -> Program:
        out = []
        k = 0
        for t, v in program:
            if t == CONST:
                out.append((t, float(constants[k])))
                k += 1
            else:
                out.append((t, v))
        return tuple(out)


# ---------------------------------------------------------------------- the search
_FITTERS: dict = {}


def _compiled_fitter(language: Language, lm_steps: int, example_args):
    """The population fitter compiled ahead of time for these shapes (cached per
    language, LM steps and shapes, so repeated fits compile once)."""
    shapes = tuple((a.shape, str(a.dtype)) for a in example_args)
    key = (language, lm_steps, shapes)
    if key not in _FITTERS:
        fit = make_population_fitter(language, lm_steps=lm_steps)
        _FITTERS[key] = fit.lower(*example_args).compile()
    return _FITTERS[key]


def search(
    X: np.ndarray,
    Y: np.ndarray,
    variable_names: Sequence[str] | None = None,
    options: SearchOptions | None = None,
) -> list[SearchResult]:
    """Search equations ``Y[:, j] ≈ f_j(X)`` for every output column `j`.

    **Arguments:**

    - `X`: float (n, d) inputs; `Y`: float (n,) or (n, m) targets (validated by the
      caller, see :class:`~symworld.equations.regressor.SymbolicRegressor`).
    - `variable_names`: d names (default ``x0 .. x{d-1}``).
    - `options`: :class:`SearchOptions`.

    **Returns:** one :class:`SearchResult` per output. All outputs are evolved side by
    side and evaluated in the same compiled calls.
    """
    options = options or SearchOptions()
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    n, d = X.shape
    m = Y.shape[1]
    names = list(variable_names or [f"x{i}" for i in range(d)])
    rng = np.random.default_rng(options.seed)
    started = time.perf_counter()

    operators = tuple(options.binary_operators) + tuple(options.unary_operators)
    language = Language.build(d, operators, options.maxsize, options.max_constants)
    grammar = _Grammar(language, options)

    rows = np.arange(n)
    if n > options.max_samples:
        rows = np.sort(rng.choice(n, options.max_samples, replace=False))
    X_search = np.asarray(X[rows], np.float32)
    Y_search = np.asarray(Y[rows].T, np.float32)  # (m, N)

    islands = options.populations
    size = options.population_size
    n_children = size // 2
    batch = m * islands * n_children
    targets = np.repeat(np.arange(m, dtype=np.int32), islands * n_children)

    example = (
        np.zeros((batch, language.max_length), np.int32),
        np.zeros((batch, language.max_constants), np.float32),
        X_search,
        Y_search,
        targets,
        np.zeros(batch, bool),
    )
    compile_started = time.perf_counter()
    fit = _compiled_fitter(language, options.optimizer_iterations, example)
    compile_seconds = time.perf_counter() - compile_started

    def evaluate(programs: list[Program]) -> tuple[list[Program], np.ndarray]:
        tokens, constants = grammar.encode(programs)
        optimize = rng.random(batch) < options.optimize_probability
        new_constants, loss = fit(
            tokens, constants, X_search, Y_search, targets, optimize
        )
        new_constants = np.asarray(new_constants, np.float64)
        loss = np.asarray(loss, np.float64)
        out = [
            grammar.with_constants(p, c)
            for p, c in zip(programs, new_constants, strict=True)
        ]
        return out, loss

    # population[o][i]: list of programs; loss/age arrays alike
    population: list[list[list[Program]]] = []
    losses = np.full((m, islands, size), np.inf)
    ages = np.zeros((m, islands, size), np.int64)
    hof: list[dict[int, tuple[float, Program]]] = [{} for _ in range(m)]
    freq = np.ones((m, options.maxsize + 1))
    evaluations = 0

    improved_at = np.zeros(m, np.int64)
    selected_now = [(0, math.inf)] * m

    def record(o: int, program: Program, loss: float) -> None:
        c = grammar.size(program)
        best = hof[o].get(c)
        if math.isfinite(loss) and (best is None or loss < best[0]):
            hof[o][c] = (loss, program)

    # Initial populations, evaluated in batches of the fixed size.
    initial = [
        [[_random_program(grammar, rng) for _ in range(size)] for _ in range(islands)]
        for _ in range(m)
    ]
    population = [[[None] * size for _ in range(islands)] for _ in range(m)]
    for half in (0, 1):
        chunk = [
            initial[o][i][j]
            for o in range(m)
            for i in range(islands)
            for j in range(half * n_children, (half + 1) * n_children)
        ]
        evaluated, loss = evaluate(chunk)
        evaluations += len(chunk)
        k = 0
        for o in range(m):
            for i in range(islands):
                for j in range(half * n_children, (half + 1) * n_children):
                    population[o][i][j] = evaluated[k]
                    losses[o, i, j] = loss[k]
                    record(o, evaluated[k], loss[k])
                    k += 1
    ages[:] = rng.permutation(size)[None, None, :]

    weights = options.mutation_weights
    kinds = [k for k in weights if weights[k] > 0]
    probs = np.cumsum([weights[k] for k in kinds])
    probs /= probs[-1]  # cumulative: a mutation is drawn by searchsorted
    # losses are compared relative to the target's variance; a constant target
    # (variance 0) is compared in its own units
    variance = np.var(Y, axis=0)
    scale = np.where(variance > 0, variance, 1.0)

    stop_reason = "niterations"
    generation = 0
    done = np.zeros(m, bool)
    for generation in (
        progress(
            range(1, options.niterations + 1),
            total=options.niterations,
            desc="symbolic regression",
        )
        if options.progress
        else range(1, options.niterations + 1)
    ):
        children: list[Program] = []
        for o in range(m):
            size_of = np.array(
                [[grammar.size(p) for p in island] for island in population[o]]
            )
            counts = np.bincount(size_of.ravel(), minlength=options.maxsize + 1)
            freq[o] = 0.9 * freq[o] + 0.1 * counts[: options.maxsize + 1]
            share = freq[o] / freq[o].sum()
            for i in range(islands):
                with np.errstate(over="ignore"):  # a huge ratio saturates to inf
                    relative = losses[o, i] / scale[o]
                cost = (
                    np.log(np.maximum(relative, 1e-30))
                    + options.adaptive_parsimony_scaling * share[size_of[i]]
                    + options.parsimony * size_of[i]
                )
                cost = np.where(np.isfinite(losses[o, i]), cost, np.inf)
                for _ in range(n_children):
                    children.append(
                        _make_child(
                            grammar, population[o][i], cost, kinds, probs, options, rng
                        )
                    )
        evaluated, loss = evaluate(children)
        evaluations += len(children)

        k = 0
        for o in range(m):
            for i in range(islands):
                oldest = np.argsort(-ages[o, i], kind="stable")[:n_children]
                ages[o, i] += 1
                for j in oldest:
                    population[o][i][j] = evaluated[k]
                    losses[o, i, j] = loss[k]
                    ages[o, i, j] = 0
                    record(o, evaluated[k], loss[k])
                    k += 1

        if options.migration_interval and generation % options.migration_interval == 0:
            _migrate(population, losses, ages, hof, options, rng)

        best = np.array(
            [min((v[0] for v in hof[o].values()), default=np.inf) for o in range(m)]
        )
        if options.early_stop_loss is not None:
            done = best <= options.early_stop_loss
            if done.all():
                stop_reason = "early_stop"
                break
        for o in range(m):
            picked = _selected(hof[o], options.model_selection)
            old_c, old_loss = selected_now[o]
            if picked[0] != old_c or picked[1] < old_loss * (1.0 - 1e-3):
                improved_at[o] = generation
                selected_now[o] = picked
        if options.patience is not None and np.all(
            done | (generation - improved_at >= options.patience)
        ):
            stop_reason = "patience"
            break
        if (
            options.timeout_in_seconds is not None
            and time.perf_counter() - started > options.timeout_in_seconds
        ):
            stop_reason = "timeout"
            break
    seconds_search = time.perf_counter() - started
    seconds_evolving = max(seconds_search - compile_seconds, 1e-9)
    logger.info(
        "search: %d generations, %d evaluations in %.1f s (%s)",
        generation,
        evaluations,
        seconds_search,
        stop_reason,
    )

    results = []
    for o in range(m):
        complexities = sorted(hof[o])
        raw_losses = [hof[o][c][0] for c in complexities]
        members = [
            hof[o][complexities[i]][1] for i in pareto_indices(complexities, raw_losses)
        ]
        equations, expressions = _finish(grammar, members, X, Y[:, o], names, options)
        raw_hall_of_fame = []
        for c in complexities:
            loss, program = hof[o][c]
            expr = grammar.language.decode(
                [t for t, _ in program], [v for t, v in program if t == CONST], names
            ).to_sympy()
            raw_hall_of_fame.append(
                Equation(c, float(loss), 0.0, format_equation(expr), expr)
            )
        front = ParetoFront.from_candidates(equations)
        keep = {e.complexity for e in front}
        front_expressions = {c: e for c, e in expressions.items() if c in keep}
        seconds = time.perf_counter() - started
        results.append(
            SearchResult(
                front=front,
                hall_of_fame=raw_hall_of_fame,
                expressions=front_expressions,
                selected=front.select(options.model_selection),
                generations=generation,
                evaluations=evaluations // m,
                seconds=seconds,
                evaluations_per_second=evaluations / seconds_evolving,
                compile_seconds=compile_seconds,
                stop_reason=stop_reason,
            )
        )
    return results


def _selected(hof: dict, model_selection: str) -> tuple[int, float]:
    """(complexity, loss) of the row `model_selection` picks from a raw hall of
    fame (complexity -> (loss, program))."""
    if not hof:
        return 0, math.inf
    complexities = sorted(hof)
    losses = [hof[c][0] for c in complexities]
    front = pareto_indices(complexities, losses)
    c = [complexities[i] for i in front]
    loss = [losses[i] for i in front]
    index = select_index(loss, compute_scores(c, loss), model_selection)
    return c[index], loss[index]


def _random_program(grammar: _Grammar, rng: np.random.Generator) -> Program:
    for _ in range(20):
        program = grammar.random_tree(rng, int(rng.integers(1, 4)))
        if grammar.valid(program):
            return program
    return grammar.random_leaf(rng)


def _tournament(cost: np.ndarray, options: SearchOptions, rng) -> int:
    k = min(options.tournament_size, len(cost))
    picks = rng.integers(0, len(cost), k)  # with replacement: cheap and unbiased
    order = picks[np.argsort(cost[picks], kind="stable")]
    draws = rng.random(k - 1) < options.tournament_p
    first = int(np.argmax(draws)) if draws.any() else k - 1
    return int(order[first])


def _make_child(grammar, island, cost, kinds, probs, options, rng) -> Program:
    parent = island[_tournament(cost, options, rng)]
    for _ in range(10):
        if rng.random() < options.crossover_probability:
            other = island[_tournament(cost, options, rng)]
            child = grammar.crossover(parent, other, rng)
        else:
            kind = kinds[min(int(np.searchsorted(probs, rng.random())), len(kinds) - 1)]
            child = grammar.mutate(parent, kind, rng)
        if grammar.valid(child) and child != parent:
            return child
    return grammar.mutate(parent, "mutate_constant", rng)


def _migrate(population, losses, ages, hof, options, rng) -> None:
    m, islands, size = losses.shape
    count = options.migration_count
    for o in range(m):
        best_of = [
            np.argsort(losses[o, i], kind="stable")[:count] for i in range(islands)
        ]
        hof_programs = [(loss, prog) for loss, prog in hof[o].values()]
        for i in range(islands):
            migrants = []
            for other in range(islands):
                if other != i:
                    migrants += [
                        (losses[o, other, j], population[o][other][j])
                        for j in best_of[other]
                    ]
            if hof_programs:
                picks = rng.choice(
                    len(hof_programs), min(count, len(hof_programs)), replace=False
                )
                migrants += [hof_programs[int(j)] for j in picks]
            if not migrants:
                continue
            chosen = rng.choice(len(migrants), min(count, len(migrants)), replace=False)
            slots = np.argsort(-ages[o, i], kind="stable")[: len(chosen)]
            for slot, j in zip(slots, chosen, strict=True):
                loss, program = migrants[int(j)]
                population[o][i][slot] = program
                losses[o, i, slot] = loss
                ages[o, i, slot] = 0


# ---------------------------------------------------------------------- polish
def _simple_constants() -> list[tuple[float, sp.Expr]]:
    """(value, exact) simple constants, simplest first, for snapping."""
    bases = [
        sp.Integer(1),
        sp.pi,
        1 / sp.pi,
        sp.sqrt(2),
        sp.sqrt(sp.pi),
        1 / sp.sqrt(sp.pi),
        sp.sqrt(2 * sp.pi),
        1 / sp.sqrt(2 * sp.pi),
        sp.E,
    ]
    out: list[tuple[float, sp.Expr]] = []
    for base in bases:
        out.append((float(base), base))
    return out


_BASES = _simple_constants()


def snap_candidates(value: float, max_denominator: int = 20, rtol: float = 0.02):
    """Simple exact numbers near `value` (within relative distance `rtol`), simplest
    first: 0; integers; fractions p/q with q <= 3, q <= 12 when |p/q| < 3, q <= 20
    (`max_denominator`) when |p/q| < 1 (so noisy large constants are not dressed up
    as 119/12); and p/q times
    pi, 1/pi, sqrt(2), sqrt(pi), 1/sqrt(pi), sqrt(2 pi), 1/sqrt(2 pi) or e with
    |p|, q <= 4."""
    out: list[sp.Expr] = [sp.Integer(0)]
    if not math.isfinite(value) or value == 0:
        return out
    found = []
    for rank, (base_value, base) in enumerate(_BASES):
        ratio = value / base_value
        for q in range(1, max_denominator + 1):
            p = round(ratio * q)
            if p == 0 or math.gcd(p, q) != 1:
                continue
            if rank == 0 and q > (
                20 if abs(p / q) < 1 else 12 if abs(p / q) < 3 else 3
            ):
                continue
            if rank > 0 and (abs(p) > 4 or q > 4):
                continue
            exact = sp.Rational(p, q) * base
            distance = abs(float(exact) - value)
            if distance <= rtol * abs(value):
                found.append((q + (3 + rank if rank else 0), distance, exact))
    found.sort(key=lambda f: (f[0], f[1]))
    return out + [f[2] for f in found]


def _loss(expr: Expression, X, y) -> float:
    with np.errstate(all="ignore"):
        r = expr.numpy(X) - y
        loss = float(np.mean(r * r))
    return loss if math.isfinite(loss) else math.inf


def _refit(expr: Expression, X, y, free: list[int]) -> tuple[Expression, float]:
    """Least-squares refit (float64) of the constants at positions `free`."""
    from scipy.optimize import least_squares

    values = expr.constants.copy()
    if not free:
        return expr, _loss(expr, X, y)
    const_nodes = [i for i, nd in enumerate(expr.nodes) if nd.kind == "const"]

    def build(v):
        nodes = list(expr.nodes)
        for j, k in enumerate(free):
            nodes[const_nodes[k]] = nodes[const_nodes[k]]._replace(
                value=float(v[j]), exact=None
            )
        return Expression(tuple(nodes), expr.variable_names)

    def residual(v):
        with np.errstate(all="ignore"):
            r = build(v).numpy(X) - y
        return np.where(np.isfinite(r), r, 1e150)

    start = values[free]
    try:
        sol = least_squares(
            residual,
            start,
            method="lm",
            max_nfev=50 * (len(free) + 1),
            ftol=1e-12,
            xtol=1e-12,
            gtol=1e-12,
        )
        candidate = build(sol.x)
    except (ValueError, np.linalg.LinAlgError):
        candidate = build(start)
    before = build(start)
    loss_c, loss_b = _loss(candidate, X, y), _loss(before, X, y)
    return (candidate, loss_c) if loss_c <= loss_b else (before, loss_b)


def _set_constant(expr: Expression, k: int, exact: sp.Expr) -> Expression:
    const_nodes = [i for i, nd in enumerate(expr.nodes) if nd.kind == "const"]
    nodes = list(expr.nodes)
    nodes[const_nodes[k]] = nodes[const_nodes[k]]._replace(
        value=float(exact), exact=exact
    )
    return Expression(tuple(nodes), expr.variable_names)


def polish(
    expr: Expression, X: np.ndarray, y: np.ndarray, snap_tolerance: float = 1e-3
) -> tuple[Expression, float]:
    """Float64 refit of all constants, then snapping of each constant to a simple value
    and pruning of sum operands, each kept when the loss grows by at most a relative
    `snap_tolerance` (plus round-off). Returns (expression, loss)."""
    floor = _loss_floor(y)
    n_const = len(expr.constants)
    expr, loss = _refit(expr, X, y, list(range(n_const)))

    def allowed(new_loss: float, ref: float) -> bool:
        return new_loss <= ref * (1.0 + snap_tolerance) + floor

    # Snap constants one at a time, refitting the still-free ones.
    reference = loss
    fixed: list[int] = []
    for k in range(n_const):
        value = expr.constants[k]
        free = [j for j in range(n_const) if j != k and j not in fixed]
        for exact in snap_candidates(value):
            snapped = _set_constant(expr, k, exact)
            quick = _loss(snapped, X, y)  # other constants as they are
            if allowed(quick, reference):
                expr, loss = snapped, quick
                fixed.append(k)
                break
            if not quick <= 10.0 * (reference * (1.0 + snap_tolerance) + floor):
                continue  # far off: refitting the others will not rescue it
            trial, trial_loss = _refit(snapped, X, y, free)
            if allowed(trial_loss, reference):
                expr, loss = trial, trial_loss
                fixed.append(k)
                break

    # Prune operands of sums/differences.
    changed = True
    while changed:
        changed = False
        nodes = expr.nodes
        for end, node in enumerate(nodes):
            if node.kind != "op" or node.value not in ("add", "sub"):
                continue
            start = subtree_start(nodes, end)
            right_start = subtree_start(nodes, end - 1)
            left = nodes[start:right_start]
            right = nodes[right_start:end]
            options = [left]
            options.append(right if node.value == "add" else (*right, _neg_node()))
            for keep in options:
                trial_nodes = nodes[:start] + tuple(keep) + nodes[end + 1 :]
                try:
                    trial = Expression(trial_nodes, expr.variable_names)
                except ValueError:
                    continue
                free = [
                    j
                    for j, nd in enumerate(
                        [nd for nd in trial.nodes if nd.kind == "const"]
                    )
                    if nd.exact is None
                ]
                quick = _loss(trial, X, y)
                if not quick <= 10.0 * (reference * (1.0 + snap_tolerance) + floor):
                    continue  # the operand matters: refitting will not rescue it
                trial, trial_loss = _refit(trial, X, y, free)
                if allowed(trial_loss, reference):
                    expr, loss = trial, trial_loss
                    changed = True
                    break
            if changed:
                break
    return expr, max(loss, floor)


def _neg_node():
    from symworld.equations.expression import op

    return op("neg")


def _loss_floor(y: np.ndarray) -> float:
    """Loss level treated as an exact fit: predictions within 1e-9 of the target's
    root-mean-square value. Lower losses are reported as this floor, so fits that
    differ only by round-off are not told apart by loss (the simpler one wins)."""
    rms = float(np.sqrt(np.mean(np.square(y)))) if len(y) else 0.0
    return (1e-9 * max(rms, 1e-300)) ** 2


def _canonical_forms(expr: Expression) -> list[Expression]:
    """The program and its SymPy-normalised rewrites (numbers merged; ``exp(a + b)``
    split into ``exp(a) * exp(b)``; products expanded), each as a program, so that
    redundant constants disappear before the polish."""
    forms = [expr]
    try:
        sym = expr.to_sympy()
    except (TypeError, ValueError):
        return forms
    rewrites = [sym, sp.expand_power_exp(sym), sp.expand(sym)]
    seen = set()
    for rewrite in rewrites:
        key = sp.srepr(rewrite)
        if key in seen or not rewrite.free_symbols:
            continue
        seen.add(key)
        try:
            forms.append(Expression.from_sympy(rewrite, expr.variable_names))
        except ValueError:
            continue
    return forms


def _finish(grammar, members, X, y, names, options):
    """Polish hall-of-fame members; return (equations, expressions by complexity)."""
    hof = HallOfFame()
    expressions: dict[int, Expression] = {}
    floor = _loss_floor(y)
    for program in members:
        raw = grammar.language.decode(
            [t for t, _ in program], [v for t, v in program if t == CONST], names
        )
        candidates = []
        forms = _canonical_forms(raw) if options.polish else [raw]
        raw_shape = (len(raw.constants), raw.complexity)
        for index, form in enumerate(forms):
            if (
                index > 0
                and candidates
                and not (
                    (len(form.constants), form.complexity) < raw_shape
                    or candidates[0][2] > 0
                )
            ):
                continue  # the rewrite merges nothing and the raw form snapped fully
            if options.polish:
                expr, loss = polish(form, X, y, options.snap_tolerance)
            else:
                expr, loss = form, max(_loss(form, X, y), floor)
            if not math.isfinite(loss):
                continue
            sym = expr.to_sympy()
            complexity = min(expr.complexity, sympy_complexity(sym))
            candidates.append((loss, complexity, len(sym.atoms(sp.Float)), expr, sym))
        if not candidates:
            continue
        best_loss = min(c[0] for c in candidates)
        tolerance = best_loss * (1.0 + options.snap_tolerance) + floor
        eligible = [c for c in candidates if c[0] <= tolerance]
        loss, complexity, _, expr, sym = min(eligible, key=lambda c: (c[1], c[2], c[0]))
        equation = Equation(
            int(complexity), float(loss), 0.0, format_equation(sym), sym
        )
        if hof.update(equation):
            expressions[equation.complexity] = expr
    # Rows that only beat a simpler row by round-off are the same fit: drop them.
    kept: list[Equation] = []
    for equation in hof:
        if kept and equation.loss >= min(e.loss for e in kept) * (1.0 - 1e-9):
            continue
        kept.append(equation)
    return kept, {e.complexity: expressions[e.complexity] for e in kept}


__all__ = ["SearchOptions", "SearchResult", "polish", "search", "snap_candidates"]
