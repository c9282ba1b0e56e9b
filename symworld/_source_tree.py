"""Importing symworld from a source checkout that was installed with ``pip install .``.

The repository keeps ``envs/`` and ``laws/`` beside ``symworld/``; setuptools maps them
to ``symworld.envs`` and ``symworld.laws`` only in the installed copy. Python run from
the clone's root (``python -c ...``, ``python -m pytest``) finds the source
``symworld/`` first, which has neither subpackage. :func:`map_source_tree` then adds
a finder that resolves exactly those two names to the checkout's folders, so the
source tree imports as the installed package does. It does nothing in an installed
copy (the subpackages are there) or outside a checkout.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

SUBPACKAGES = ("envs", "laws")


class SourceTreeFinder(importlib.abc.MetaPathFinder):
    """Finds ``symworld.envs`` and ``symworld.laws`` in a checkout's root folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        package, _, name = fullname.partition(".")
        if package != "symworld" or name not in SUBPACKAGES:
            return None
        folder = self.root / name
        return importlib.util.spec_from_file_location(
            fullname, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )


def map_source_tree(package_file: str) -> None:
    """Install the finder when ``symworld/__init__.py`` (``package_file``) sits in a
    checkout whose root holds ``pyproject.toml`` and the two subpackage folders, and
    the subpackages are not inside ``symworld/`` itself."""
    here = Path(package_file).resolve().parent
    root = here.parent
    if any((here / name).is_dir() for name in SUBPACKAGES):
        return
    if not (root / "pyproject.toml").is_file():
        return
    if not all((root / name / "__init__.py").is_file() for name in SUBPACKAGES):
        return
    if any(isinstance(f, SourceTreeFinder) for f in sys.meta_path):
        return
    sys.meta_path.append(SourceTreeFinder(root))
