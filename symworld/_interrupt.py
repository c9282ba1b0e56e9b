"""Ctrl-C while the ``symworld`` command is still importing its libraries.

The console script imports :mod:`symworld` (and with it JAX and gymnasium, about
two seconds) before :func:`symworld.cli.main` runs, so an interrupt then would
print a long ``KeyboardInterrupt`` traceback from inside those imports. When the
running program is that console script, :func:`quiet_interrupt_during_import`
installs a SIGINT handler that prints the one line the command prints for an
interrupt later (``symworld <command>: interrupted``) and exits with status 130
at once;
:func:`restore_interrupt` gives SIGINT back to Python once ``main`` runs.
Imported as a library, nothing changes.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

SCRIPT_NAMES = ("symworld", "symworld-script.py", "symworld.exe")


def command_name(argv: list[str]) -> str:
    """The subcommand in ``argv`` (the first word that is not an option), or ``''``."""
    return next((word for word in argv if not word.startswith("-")), "")


def interrupted_message(argv: list[str]) -> str:
    """``symworld <command>: interrupted`` (``symworld: interrupted`` without one)."""
    name = command_name(argv)
    return f"symworld{' ' + name if name else ''}: interrupted"


def _exit_interrupted(signum: int, frame: Any) -> None:
    # exit at once: an exception raised here can land in a callback that only
    # reports it (JAX's garbage-collection hook) and the import would go on;
    # nothing has been written yet, so there is nothing to clean up
    sys.stderr.write(interrupted_message(sys.argv[1:]) + "\n")
    sys.stderr.flush()
    os._exit(130)


def quiet_interrupt_during_import() -> None:
    """Install the one-line SIGINT handler if the ``symworld`` console script is
    running and SIGINT still has Python's default handler."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    if Path(main_file).name not in SCRIPT_NAMES:
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _exit_interrupted)


def restore_interrupt() -> None:
    """Give SIGINT back to Python (``KeyboardInterrupt``) if the import-time handler
    is installed."""
    if signal.getsignal(signal.SIGINT) is _exit_interrupted:
        signal.signal(signal.SIGINT, signal.default_int_handler)
