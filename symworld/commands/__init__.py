"""Subcommands of the ``symworld`` CLI, one module each (see :mod:`symworld.cli`)."""
