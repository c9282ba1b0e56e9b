"""Arguments that several subcommands share, so each means the same everywhere.

- ``--seed``: an integer 0..4294967295 (:func:`add_seed`); counts and rates that must
  be positive: :func:`positive_int`, :func:`positive_float`; shares of a whole:
  :func:`fraction`.
- ``--state``: column names, given as ``x,y,z`` or ``x y z`` or both
  (:func:`add_columns`).
- ``--force``: replace an existing output (:func:`add_force`, :func:`refuse_overwrite`;
  what may be written where: :mod:`symworld.commands.out_paths`).
- ``-q``/``-v``: accepted after the subcommand as well as before it
  (:func:`add_verbosity`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _bounded(text: str, convert: type, least: float, strict: bool, what: str):
    """``text`` read by ``convert`` (``int`` or ``float``), finite and at least
    (``strict``: above) ``least``; an :class:`argparse.ArgumentTypeError` naming
    ``what`` was expected otherwise (argparse adds the flag)."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    ok = value is not None and (value > least if strict else value >= least)
    if not ok or not abs(value) < float("inf"):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """An ``argparse`` type: an integer ``>= 0``."""
    return _bounded(text, int, 0, False, "a non-negative integer")


def positive_int(text: str) -> int:
    """An ``argparse`` type: an integer ``>= 1``."""
    return _bounded(text, int, 1, False, "an integer of at least 1")


def positive_float(text: str) -> float:
    """An ``argparse`` type: a finite number ``> 0``."""
    return _bounded(text, float, 0.0, True, "a finite number above 0")


SEED_LIMIT = 2**32 - 1  # JAX keys (jax.random.key) take 32 bits here


def seed_int(text: str) -> int:
    """An ``argparse`` type: a seed, an integer ``0..SEED_LIMIT`` (4294967295).

    Larger seeds would overflow (``OverflowError``) or wrap around in the 32-bit
    JAX keys, giving the model of another seed (``4294967296`` acted as ``0``),
    so they are refused."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value <= SEED_LIMIT:
        raise argparse.ArgumentTypeError(
            f"expected an integer 0..{SEED_LIMIT} (seeds take 32 bits), got {text!r}"
        )
    return value


def fraction(text: str) -> float:
    """An ``argparse`` type: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1), got {text!r}")
    return value


def add_seed(parser: argparse.ArgumentParser, default: int = 0) -> None:
    """``--seed``: an integer 0..4294967295; argparse names ``--seed`` in its
    errors."""
    parser.add_argument(
        "--seed",
        type=seed_int,
        default=default,
        help=f"seed, an integer 0..{SEED_LIMIT} (default {default})",
    )


class _ColumnList(argparse.Action):
    """Collect column names given as ``a,b``, ``a b`` or a mix into one list."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        names = [name.strip() for text in values for name in text.split(",")]
        names = [name for name in names if name]
        if not names:
            parser.error(f"argument {option_string}: expected column names")
        setattr(namespace, self.dest, names)


def add_columns(
    parser: argparse.ArgumentParser, flag: str, what: str, default: Any = None
) -> None:
    """A ``flag`` taking column names as ``x,y`` or ``x y`` (a list, or ``default``)."""
    parser.add_argument(
        flag,
        nargs="+",
        action=_ColumnList,
        default=default,
        metavar="NAME",
        help=f"{what}: names separated by commas or spaces (x,y or x y)",
    )


def add_force(parser: argparse.ArgumentParser, owned: Sequence[str] = ()) -> None:
    """``--force``: replace an existing output instead of refusing; ``owned``: the
    files the command writes into its output folder, which ``--force`` removes
    once the new outputs are written, except those the new run wrote
    (:func:`~symworld.commands.out_paths.remove_outputs`)."""
    text = "replace an existing output (default: refuse to overwrite)"
    if owned:
        text = (
            f"replace an existing output: once the new outputs are written, remove "
            f"the old {', '.join(owned)} the new run did not write (this command's "
            "files); other files there are kept (default: refuse to overwrite)"
        )
    parser.add_argument("--force", action="store_true", help=text)


def refuse_overwrite(
    paths: Sequence[str | Path], force: bool, flag: str = "--out"
) -> None:
    """Raise ``ValueError`` naming the first of ``paths`` that exists, unless
    ``force``; a folder where a file is wanted is refused even with ``force``."""
    for path in map(Path, paths):
        if path.is_dir():
            raise ValueError(f"{flag} {path}: is a folder, not a file")
        if path.exists() and not force:
            raise ValueError(
                f"{flag} {path}: already exists; pass --force to replace it or "
                "choose another path"
            )


def add_verbosity(parser: argparse.ArgumentParser) -> None:
    """``-q``/``-v`` on a subcommand's parser (and on its own subcommands).

    The defaults are suppressed, so a flag given before the subcommand is kept when
    none is given after it."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="more log output (-vv: debug)",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="only errors: no progress bars, no 'wrote ...' lines",
    )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                add_verbosity(child)


def add_drop_nonfinite(parser: argparse.ArgumentParser) -> None:
    """``--drop-nonfinite``: drop rows holding NaN or ±inf when reading the data."""
    parser.add_argument(
        "--drop-nonfinite",
        action="store_true",
        help="drop rows holding NaN or infinite values instead of failing",
    )


def refuse_csv_state(env_id: str, path: str | Path, flag: str = "--out") -> None:
    """Raise ``ValueError`` if ``path`` is a CSV file: the full state of a law
    environment cannot be written as CSV (checked before any work is done)."""
    if Path(path).suffix.lower() == ".csv":
        raise ValueError(
            f"{flag} {path}: the state of {env_id} cannot be written as CSV (it has "
            "per-row arrays or an attribute named like a reserved CSV column, e.g. "
            "'time'); write .npz or .parquet, which fit laws --data and induce "
            "--data read"
        )
