"""Options (temporally extended actions) and option-level search.

An option is a closed-loop controller with its own stopping rule. An
:class:`OptionLibrary` holds ``num_options`` of them behind two traceable methods
indexed by option number, so that a *program* (a sequence of option numbers) can be
executed inside a world model under ``vmap``:

- ``act(index, state, start, key) -> action``: the option's action in ``state``;
  ``start`` is the state in which the option began (its memory);
- ``done(index, state, start) -> bool``: the option has finished.

:func:`run_program` executes a program for a fixed number of primitive steps in a
model: each option runs until ``done`` or for ``max_steps`` steps, then the next one
starts; after the last option the library's ``idle_action`` is repeated.
:class:`OptionSearch` imagines every candidate program ``num_particles`` times and
picks the best; its first option is what a receding-horizon agent executes next
(see :class:`symworld.planning.receding.OptionAgent`).
"""

from __future__ import annotations

import abc
import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from symworld.planning.simulate import Outcome
from symworld.planning.task import Task
from symworld.worldmodel import WorldModel

PyTree = Any


class OptionLibrary(eqx.Module):
    """Abstract set of options indexed ``0..num_options-1`` (see module docstring).

    Subclasses set ``names`` (a static tuple of option names, one per option),
    ``max_steps`` (static int, the longest an option may run) and ``idle_action``
    (the primitive action used when no option is running).
    """

    @property
    @abc.abstractmethod
    def names(self) -> tuple[str, ...]:
        """The option names, in index order."""

    @property
    def num_options(self) -> int:
        return len(self.names)

    @property
    @abc.abstractmethod
    def max_steps(self) -> int:
        """The most primitive steps one option may run."""

    @property
    @abc.abstractmethod
    def idle_action(self) -> Any:
        """The action taken when no option is running."""

    @abc.abstractmethod
    def act(self, index: jax.Array, state: PyTree, start: PyTree, key: jax.Array):
        """The action of option ``index`` in ``state``."""

    @abc.abstractmethod
    def done(self, index: jax.Array, state: PyTree, start: PyTree) -> jax.Array:
        """Whether option ``index``, begun in ``start``, has finished in ``state``."""

    def index(self, name: str) -> int:
        """The index of the option called ``name``."""
        try:
            return self.names.index(name)
        except ValueError:
            raise ValueError(
                f"unknown option {name!r}; options are {list(self.names)}"
            ) from None

    def program(self, names: Sequence[str]) -> np.ndarray:
        """A program (int32 ``(K,)``) from option names."""
        return np.asarray([self.index(name) for name in names], np.int32)


class ProgramState(NamedTuple):
    """Where a program's execution stands (all scalars; ``start`` is a state)."""

    pointer: jax.Array  # int32, index into the program of the running option
    start: PyTree  # the state in which the running option began
    steps: jax.Array  # int32, steps the running option has taken


def program_begin(state: PyTree) -> ProgramState:
    """The execution state of a program about to start in ``state``."""
    return ProgramState(jnp.int32(0), state, jnp.int32(0))


def program_step(
    library: OptionLibrary,
    program: jax.Array,
    progress: ProgramState,
    state: PyTree,
    key: jax.Array,
) -> tuple[jax.Array, ProgramState, jax.Array]:
    """Advance the program's bookkeeping to ``state`` and choose the action.

    ``program`` is int32 ``(K,)``; entries ``-1`` end it early (padding, so that
    programs of different lengths share one shape). Returns ``(action, progress,
    running)`` where ``running`` (bool) is False once every option of the program
    has finished (the action is then the library's idle action).
    """
    length = program.shape[0]

    def option_at(pointer):
        index = program[jnp.minimum(pointer, length - 1)]
        return jnp.maximum(index, 0), (pointer < length) & (index >= 0)

    current, active = option_at(progress.pointer)
    finished = active & (
        library.done(current, state, progress.start)
        | (progress.steps >= library.max_steps)
    )
    pointer = progress.pointer + finished.astype(jnp.int32)
    start = jax.tree_util.tree_map(
        lambda now, then: jnp.where(finished, now, then), state, progress.start
    )
    steps = jnp.where(finished, 0, progress.steps)
    current, running = option_at(pointer)
    action = library.act(current, state, start, key)
    idle = jnp.asarray(library.idle_action, action.dtype)
    action = jnp.where(running, action, idle)
    steps = steps + running.astype(jnp.int32)
    return action, ProgramState(pointer, start, steps), running


def run_program(
    model: WorldModel,
    library: OptionLibrary,
    task: Task,
    key: jax.Array,
    state: PyTree,
    program: jax.Array,
    horizon: int,
    discount: float = 1.0,
) -> Outcome:
    """Execute ``program`` (int32 ``(K,)``) for ``horizon`` steps in ``model``.

    Rewards count until the task's goal is reached (as in
    :func:`symworld.planning.simulate.imagine`). Step ``t`` draws the option's
    randomness from ``fold_in(key, 2 t)`` and the model's from ``fold_in(key, 2 t
    + 1)``.
    """
    reached0 = task.success(state)

    def one_step(carry, t):
        current, progress, ret, reached, steps = carry
        action, progress, _ = program_step(
            library, program, progress, current, jax.random.fold_in(key, 2 * t)
        )
        following = model.sample(jax.random.fold_in(key, 2 * t + 1), current, action)
        reward = task.reward(current, action, following)
        ret = ret + jnp.where(reached, 0.0, (discount**t) * reward)
        steps = steps + jnp.where(reached, 0, 1)
        reached = reached | task.success(following)
        return (following, progress, ret, reached, steps), None

    init = (state, program_begin(state), jnp.float32(0.0), reached0, jnp.int32(0))
    (_, _, ret, reached, steps), _ = jax.lax.scan(one_step, init, jnp.arange(horizon))
    return Outcome(ret.astype(jnp.float32), reached, steps)


def evaluate_programs(
    model: WorldModel,
    library: OptionLibrary,
    task: Task,
    key: jax.Array,
    state: PyTree,
    programs: jax.Array,
    horizon: int,
    num_particles: int,
    discount: float = 1.0,
) -> Outcome:
    """Per-program mean outcomes of ``P`` programs (int32 ``(P, K)``), each run
    ``num_particles`` times: ``ret``, ``success`` (fraction) and ``steps``, each
    float32 ``(P,)``."""
    keys = jax.random.split(key, (programs.shape[0], num_particles))

    def per_program(keys_row, program):
        outcomes = jax.vmap(
            lambda k: run_program(
                model, library, task, k, state, program, horizon, discount
            )
        )(keys_row)
        return Outcome(
            jnp.mean(outcomes.ret),
            jnp.mean(outcomes.success.astype(jnp.float32)),
            jnp.mean(outcomes.steps.astype(jnp.float32)),
        )

    return jax.vmap(per_program)(keys, programs)


def all_programs(num_options: int, length: int) -> np.ndarray:
    """Every program of ``length`` options out of ``num_options``: int32
    ``(num_options ** length, length)``."""
    return np.asarray(
        list(itertools.product(range(num_options), repeat=length)), np.int32
    ).reshape(-1, length)


class SearchResult(NamedTuple):
    """One option-level search.

    - ``option``: int32, the first option of the best program (what to run now).
    - ``program``: int32 ``(K,)``, the best program.
    - ``value``, ``success``: float32, its mean return and success fraction.
    - ``values``, ``successes``: float32 ``(P,)``, those of every program.
    """

    option: jax.Array
    program: jax.Array
    value: jax.Array
    success: jax.Array
    values: jax.Array
    successes: jax.Array


class OptionSearch(eqx.Module):
    """Option-level search: imagine every candidate program, keep the best.

    Ties in mean return are broken by the success fraction, then by the shorter
    mean time to the goal, then by the lower program index.

    **Arguments:**

    - ``programs``: int32 ``(P, K)`` candidate programs (e.g. :func:`all_programs`).
    - ``horizon``: primitive steps imagined per program.
    - ``num_particles``: imagined rollouts per program.
    - ``discount``: per-step discount.
    """

    programs: jax.Array
    horizon: int = eqx.field(static=True)
    num_particles: int = eqx.field(static=True, default=8)
    discount: float = eqx.field(static=True, default=1.0)

    def __init__(self, programs, horizon, num_particles=8, discount=1.0):
        programs = np.asarray(programs, np.int32)
        if programs.ndim != 2 or programs.shape[0] == 0:
            raise ValueError("programs must be a non-empty (P, K) integer array")
        self.programs = jnp.asarray(programs)
        self.horizon = int(horizon)
        self.num_particles = int(num_particles)
        self.discount = float(discount)

    def search(self, model, library, task, state, key) -> SearchResult:
        """Traceable search; call through :func:`search_options`."""
        outcome = evaluate_programs(
            model,
            library,
            task,
            key,
            state,
            self.programs,
            self.horizon,
            self.num_particles,
            self.discount,
        )
        score = outcome.ret + 1e-3 * outcome.success - 1e-6 * outcome.steps
        best = jnp.argmax(score)
        program = self.programs[best]
        return SearchResult(
            program[0],
            program,
            outcome.ret[best],
            outcome.success[best],
            outcome.ret,
            outcome.success,
        )


@eqx.filter_jit
def _search(search, model, library, task, state, key):
    return search.search(model, library, task, state, key)


def search_options(
    search: OptionSearch,
    model: WorldModel,
    library: OptionLibrary,
    task: Task,
    state: PyTree,
    *,
    key: jax.Array,
) -> SearchResult:
    """:meth:`OptionSearch.search`, compiled once per signature."""
    return _search(search, model, library, task, state, key)
