"""Law induction from one life of exploration, by program search (no LLM).

- :mod:`~symworld.induction.exploration`: the one-life novelty policy.
- :mod:`~symworld.induction.navigation`: shortest paths on the grid.
- :mod:`~symworld.induction.hints`: optional exploration hints (by env id).
- :mod:`~symworld.induction.changes`: what each transition changed.
- :mod:`~symworld.induction.geometry`: spatial conventions from schema roles.
- :mod:`~symworld.induction.features`: the typed feature grammar.
- :mod:`~symworld.induction.search`: rule search (sequential covering).
- :mod:`~symworld.induction.selection`: law-model fits and penalised likelihood.
- :mod:`~symworld.induction.writer`: the readable law module.
- :mod:`~symworld.induction.proposer`: the hook for external proposers.
- :mod:`~symworld.induction.inducer`: :func:`induce`, end to end.
- :mod:`~symworld.induction.vocabulary`: helpers induced laws call.
"""

from symworld.induction.changes import ChangeSet, detect_changes
from symworld.induction.exploration import Exploration, explore
from symworld.induction.hints import ExplorationHints, hints_for
from symworld.induction.inducer import (
    InductionResult,
    InductionSettings,
    LawSummary,
    induce,
    load_module_text,
)
from symworld.induction.proposer import (
    FixedProposer,
    Proposal,
    ProposalContext,
    Proposer,
    RejectedProposal,
)
from symworld.induction.search import SearchSettings

__all__ = [
    "ChangeSet",
    "Exploration",
    "ExplorationHints",
    "FixedProposer",
    "InductionResult",
    "InductionSettings",
    "LawSummary",
    "Proposal",
    "ProposalContext",
    "Proposer",
    "RejectedProposal",
    "SearchSettings",
    "detect_changes",
    "explore",
    "hints_for",
    "induce",
    "load_module_text",
]
