"""Sections of ``symworld demo``, one module per capability (see
:mod:`symworld.demo`)."""
