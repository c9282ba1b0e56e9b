"""Exploration hints of particular environments (see
:mod:`symworld.induction.hints`); imported only by the explorer's callers,
never by the inducer."""
