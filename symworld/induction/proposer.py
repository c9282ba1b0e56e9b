"""The proposer hook: plug any program proposer (a language model included) into
induction.

A proposer is any object with a ``name`` and a ``propose(context)`` method that
returns :class:`Proposal` objects, each the Python source of one
:class:`~symworld.programs.Law` subclass written against the names a generated
law module provides (``jnp``, the :mod:`symworld.induction.vocabulary` helpers,
``Law``, ``Probability``, ``Simplex``, ``categorical``, ``change``, ``point`` and
the module constants). Every proposal goes through the same selection as the
searched laws: it is kept only if adding it to the law model improves the
penalised likelihood. A broken proposal (a syntax error, a law that raises or
writes values outside an attribute's range, a name already in the library, more
or fewer than one class) is rejected with its reason and the run carries on.

symworld contains no network code and no language-model client: a user who
wants an LLM proposer writes one (calling whatever service they choose) and
passes it to :func:`symworld.induction.induce`. A proposal is Python code and is
executed in-process, exactly like a trusted law file; only plug in proposers you
trust.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from symworld.induction.changes import ChangeSet
from symworld.programs.attributes import Schema


@dataclasses.dataclass(frozen=True)
class Proposal:
    """One proposed law: ``source`` is the text of one ``class ...(Law)`` block."""

    source: str


@dataclasses.dataclass(frozen=True)
class RejectedProposal:
    """A proposal :func:`~symworld.induction.induce` did not keep: ``name`` is
    the law's name (or ``"<proposer> #<index>"`` when no law could be built from
    it) and ``reason`` says why (the error it raised, or the scores when it did
    not improve the penalised likelihood)."""

    name: str
    reason: str


@dataclasses.dataclass(frozen=True)
class ProposalContext:
    """What a proposer sees.

    - ``schema``: the attribute schema; ``env_id``: the environment.
    - ``changes``: every observed change (:class:`ChangeSet`);
      ``change_summary``: the most frequent ones in words.
    - ``law_module``: the induced law module so far (text).
    - ``constants``: the module constants a proposal may use.
    - ``transitions``: ``(states, actions, next_states)`` of the data.
    """

    schema: Schema
    env_id: str
    changes: ChangeSet
    change_summary: list[dict]
    law_module: str
    constants: dict[str, Any]
    transitions: tuple[Any, Any, Any]


@runtime_checkable
class Proposer(Protocol):
    """Anything that suggests candidate laws."""

    name: str

    def propose(self, context: ProposalContext) -> Sequence[Proposal]: ...


@dataclasses.dataclass(frozen=True)
class FixedProposer:
    """A proposer that returns fixed law sources (for tests, replayed LLM outputs,
    or laws a person wants tested against the data)."""

    sources: tuple[str, ...]
    name: str = "fixed"

    def propose(self, context: ProposalContext) -> Sequence[Proposal]:
        return [Proposal(source) for source in self.sources]
