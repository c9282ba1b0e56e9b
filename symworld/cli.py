"""The ``symworld`` command.

Each subcommand lives in its own module under :mod:`symworld.commands` and exposes
``add_parser(subparsers)`` (which sets ``func`` on its parser) . The library never
prints; this module configures logging from ``-v``/``-q`` and subcommands write their
reports to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from symworld._version import __version__

logger = logging.getLogger(__name__)

# Subcommand modules, in the order ``symworld --help`` lists them.
COMMANDS = [
    "symworld.commands.collect",
    "symworld.commands.inspect",
    "symworld.commands.fit",
    "symworld.commands.evaluate",
    "symworld.commands.induce",
    "symworld.commands.extract",
    "symworld.commands.encode",
    "symworld.commands.plan",
    "symworld.commands.demo",
]


class CommandError(Exception):
    """A user-facing failure: its message is printed and the command exits 1."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="symworld",
        description="Interpretable world models: laws, equations and AL-RNNs.",
    )
    parser.add_argument(
        "--version", action="version", version=f"symworld {__version__}"
    )
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more log output (-vv: debug)",
    )
    verbosity.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="only errors: no progress bars, no 'wrote ...' lines",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(subparsers)
    from symworld.commands.arguments import add_verbosity, seed_int

    for command in subparsers.choices.values():
        add_verbosity(command)
        _seed_type(command, seed_int)
    return parser


def _seed_type(parser: argparse.ArgumentParser, seed_type) -> None:
    """Give every ``--seed`` (also of nested subcommands) the same type."""
    for action in parser._actions:
        if "--seed" in action.option_strings:
            action.type = seed_type
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _seed_type(child, seed_type)


def configure_logging(verbose: int, quiet: bool) -> None:
    """Route library logs to stderr at the level that ``-v``/``-q`` ask for."""
    if quiet:
        level = logging.ERROR
    elif verbose >= 2:
        level = logging.DEBUG
    elif verbose == 1:
        level = logging.INFO
    else:
        level = logging.WARNING
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``symworld`` console script; returns the exit status."""
    from symworld._interrupt import interrupted_message, restore_interrupt

    restore_interrupt()
    words = sys.argv[1:] if argv is None else argv
    try:
        # the subcommands' modules import JAX: an interrupt can come here too
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print(interrupted_message(words), file=sys.stderr)
        return 130
    configure_logging(args.verbose, args.quiet)
    if args.command is None:
        parser.print_help()
        return 2
    from symworld.compile_cache import enable_compile_cache
    from symworld.progress import set_progress_enabled

    set_progress_enabled(not args.quiet)
    enable_compile_cache()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        # Ctrl-C: one line, the shell's status for SIGINT; files are written
        # atomically, so an interrupted write leaves none behind
        print(f"symworld {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of stdout went away (``| head``): stop quietly
        sys.stderr.close()
        return 0
    except (CommandError, ValueError, OSError) as error:
        print(f"symworld {args.command}: error: {_describe(error)}", file=sys.stderr)
        return 1


def _describe(error: Exception) -> str:
    """The message of ``error``; an errno error names its path and what is wrong."""
    if not isinstance(error, OSError) or error.strerror is None:
        return str(error)
    if error.filename is None:
        return error.strerror
    return f"{error.filename}: {error.strerror}"


if __name__ == "__main__":
    sys.exit(main())
