"""The cache's table as code: each entry's owner names it where it writes it (Layout.cached(NAME),
or the path in bash), every entry the core asks for is in the table, and the README's table is
this table (names, owners, bounds)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from pybuildpack.cache import entries
from pybuildpack.cache.entries import ENTRIES, Entry
from pybuildpack.cache.environment import FORMAT, Meta

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "lib" / "pybuildpack"


def strings(path: Path) -> list[str]:
    """The string constants of a Python module (f-strings' literal parts too)."""
    return [
        n.value
        for n in ast.walk(ast.parse(path.read_text()))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def names_it(entry: Entry) -> bool:
    """Whether the entry's owner names it: a string of the module is the name (each part of a
    family's name, around its *, is in one), or the bash file holds it."""
    if entry.owner.endswith(".sh"):
        return "/" + entry.name in (ROOT / entry.owner).read_text()
    found = strings(CORE / entry.owner)
    if "*" not in entry.name:
        return entry.name in found
    return all(any(part in text for text in found) for part in entry.name.split("*") if part)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_an_entry_is_named_by_its_owner(entry: Entry) -> None:
    assert names_it(entry), f"{entry.owner} does not name {entry.name}"


def test_a_wrong_owner_fails() -> None:
    assert not names_it(Entry("mirror-index.txt", "archives/install.py", "one file", ""))
    assert not names_it(Entry("python-version", "commands/finish.py", "one file", ""))
    assert not names_it(Entry(".lock", "lib/core.sh", "one file", ""))


def test_every_entry_the_core_asks_for_is_in_the_table() -> None:
    asked = set()
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                last = node.args[-1]
                if node.func.attr in ("cached", "path") and isinstance(last, ast.Constant):
                    asked.add(last.value)
    assert {"lock-export.txt", "runtime-tree", "bytecode"} <= asked  # it finds them
    assert sorted(asked - {e.name for e in ENTRIES}) == []


def test_the_readme_table_is_the_table() -> None:
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| entry | owner | what | bounded by |") :].split("\n\n")[0]
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table.splitlines()[2:]]
    shown = [(name.strip("`"), owner.strip("`"), bound) for name, owner, _what, bound in rows]
    assert shown == [(e.name, e.owner, e.bound) for e in ENTRIES]


def test_cached_metadata_refuses_fields_it_does_not_know() -> None:
    meta = {"fingerprint": "f", "inputs": {}, "installed": [], "libraries": [], "format": FORMAT}
    assert Meta.from_json(json.dumps(meta)).fingerprint == "f"
    with pytest.raises(ValueError, match="unknown fields: sha"):
        Meta.from_json(json.dumps({**meta, "sha": "0"}))


def test_the_accessor_is_the_table_s(tmp_path: Path) -> None:
    assert entries.path(tmp_path, "uv") == tmp_path / "uv"
    with pytest.raises(KeyError, match="not an entry"):
        entries.path(tmp_path, "uv-cache")
