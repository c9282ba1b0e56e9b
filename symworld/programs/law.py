"""Laws: a precondition on (state, action) and an effect on a few attributes.

A law is a small class::

    class ToggleFlips(Law):
        \"\"\"Action 1 flips the toggle switch.\"\"\"

        name = "toggle_flips"
        writes = ("toggle",)

        def precondition(self, state, action):
            return action == FLIP

        def effect(self, state, action):
            return {"toggle": point(1 - state.toggle)}

Both methods are written with ``jax.numpy`` on *one* transition (``state`` is the
environment's state pytree, ``action`` an int32 scalar); the model vmaps and
compiles them. ``precondition`` returns a bool scalar; ``effect`` returns a dict
from attribute names (a subset of ``writes``) to
:class:`~symworld.programs.effects.Distribution`. A law that needs learnable
probabilities declares them in ``parameters`` and uses ``self.param(name)`` inside
``effect``; the model gives each a Beta (:class:`Probability`) or Dirichlet
(:class:`Simplex`) prior.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from symworld.programs.effects import Distribution, LearnedProbability, ProbabilityTerm

PyTree = Any


@dataclasses.dataclass(frozen=True)
class Probability:
    """A learnable probability ``p`` with a ``Beta(prior[0], prior[1])`` prior,
    initialised at ``init``."""

    name: str
    prior: tuple[float, float] = (1.0, 1.0)
    init: float = 0.5

    def component_names(self, law: str) -> tuple[str, ...]:
        return (f"{law}/{self.name}:p", f"{law}/{self.name}:not")


@dataclasses.dataclass(frozen=True)
class Simplex:
    """A learnable probability vector of ``size`` entries with a symmetric
    ``Dirichlet(concentration)`` prior, initialised uniform."""

    name: str
    size: int
    concentration: float = 1.0

    def component_names(self, law: str) -> tuple[str, ...]:
        return tuple(f"{law}/{self.name}:{k}" for k in range(self.size))


class SimplexTerms:
    """Indexable view of a :class:`Simplex` parameter inside an effect."""

    def __init__(self, law: str, parameter: Simplex):
        self._names = parameter.component_names(law)

    def __getitem__(self, k: int) -> ProbabilityTerm:
        return ProbabilityTerm(0.0, (self._names[k],))

    def __len__(self) -> int:
        return len(self._names)


class Law:
    """Base class of laws (see the module docstring).

    **Class attributes:**

    - ``name``: unique name (str).
    - ``writes``: the attribute names the effect may write.
    - ``parameters``: learnable :class:`Probability` / :class:`Simplex` parameters.
    """

    name: ClassVar[str] = ""
    writes: ClassVar[tuple[str, ...]] = ()
    parameters: ClassVar[tuple[Probability | Simplex, ...]] = ()

    def precondition(self, state: PyTree, action: jax.Array) -> jax.Array:
        """Bool scalar: does the law apply to this transition?"""
        raise NotImplementedError

    def effect(self, state: PyTree, action: jax.Array) -> dict[str, Distribution]:
        """``{attribute: Distribution}`` for the attributes this law predicts."""
        raise NotImplementedError

    def focused(self, rows: int) -> Law:
        """A variant of this law that computes over at most ``rows`` rows of the
        state's entity table, chosen per transition (the rows that can change), and
        writes the same pairs as this law for every transition on which
        :meth:`overflow` of the variant is false. The default is the law itself (no
        table to focus on); see :mod:`symworld.programs.focus`."""
        return self

    def overflow(self, state: PyTree, action: jax.Array) -> jax.Array:
        """Bool scalar: this (focused) law cannot speak for the transition, because
        more rows matter than it computes over; the model then evaluates the
        unfocused law instead. The default: never."""
        return jnp.bool_(False)

    def param(self, name: str) -> Any:
        """The learnable parameter ``name`` for use inside :meth:`effect`: a
        probability term for :class:`Probability`, an indexable for
        :class:`Simplex`."""
        for parameter in self.parameters:
            if parameter.name == name:
                if isinstance(parameter, Probability):
                    p, q = parameter.component_names(self.name)
                    return LearnedProbability(0.0, (p,), complement_name=q)
                return SimplexTerms(self.name, parameter)
        raise KeyError(f"law {self.name!r} declares no parameter {name!r}")

    def describe(self) -> str:
        """First line of the law's docstring (or its name)."""
        doc = (type(self).__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.name

    def __repr__(self) -> str:
        return f"<law {self.name}>"
