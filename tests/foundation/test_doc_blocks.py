"""The Python blocks of docs/ are valid code, and the ones a new user copies first
(the law file of docs/laws.md, the Crafter bridge) run as written."""

from __future__ import annotations

import builtins
import re
import symtable
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"


def _blocks(path: Path) -> list[tuple[int, str]]:
    """``(line, code)`` of every ```python block of ``path``."""
    text = path.read_text()
    return [
        (text[: m.start()].count("\n") + 1, m.group(1))
        for m in re.finditer(r"```python\n(.*?)```", text, flags=re.S)
    ]


def _block_after(path: Path, heading: str) -> str:
    text = path.read_text()
    return re.search(r"```python\n(.*?)```", text[text.index(heading) :], re.S)[1]


def test_every_docs_python_block_is_valid_python():
    bad = []
    for path in sorted(DOCS.rglob("*.md")):
        for line, code in _blocks(path):
            try:
                compile(code, f"{path.name}:{line}", "exec")
            except SyntaxError as error:
                bad.append(f"{path.relative_to(DOCS)}:{line}: {error.msg}")
    assert bad == []


def test_laws_doc_example_is_a_law_file(tmp_path):
    from symworld.programs.source import library_reference, load_library

    path = tmp_path / "mine.py"
    path.write_text(_block_after(DOCS / "laws.md", "## Writing a law"))
    laws = load_library(library_reference(str(path)), trusted=[str(path)])
    assert [law.name for law in laws] == ["toggle_flips", "coin_is_random"]


def test_laws_doc_schema_example_runs():
    scope: dict = {}
    exec(_block_after(DOCS / "laws.md", "## Attributes"), scope)  # noqa: S102
    assert scope["schema"].env_id == "symworld/Switches-v0"
    assert [a.name for a in scope["schema"].attributes] == [
        "toggle",
        "coin",
        "fixed",
        "time",
    ]


def _undefined_names(code: str) -> set[str]:
    """Global names ``code`` reads but never imports, assigns or gets from builtins."""
    top = symtable.symtable(code, "<doc>", "exec")
    defined = {
        s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()
    }
    read: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        tables += table.get_children()
        read |= {
            s.get_name()
            for s in table.get_symbols()
            if s.is_referenced() and (table is top or s.is_global())
        }
    return read - defined - set(dir(builtins))


@pytest.mark.parametrize(
    ("doc", "headings"),
    [
        ("laws.md", ["## Attributes"]),
        ("laws.md", ["## Writing a law"]),
        ("envs/crafter_oo_faithfulness.md", ["## The bridge"]),
        ("alrnn.md", ["From Python:", "The selected map is an action-free"]),
        ("induction.md", ["### 7. The proposer hook"]),
    ],
)
def test_self_contained_doc_blocks_define_every_name(doc, headings):
    code = "\n".join(_block_after(DOCS / doc, h) for h in headings)
    assert _undefined_names(code) == set()


@pytest.mark.slow
def test_crafter_bridge_doc_example_runs():
    pytest.importorskip("crafter")
    scope: dict = {}
    code = _block_after(DOCS / "envs" / "crafter_oo_faithfulness.md", "## The bridge")
    exec(code, scope)  # noqa: S102
    assert int(scope["next_state"].step) == int(scope["state"].step) + 1
