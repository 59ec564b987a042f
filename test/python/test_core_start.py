"""A warm build starts the core three times (decide, install, finish: state.py), and an unchanged
rebuild does nothing else; so what the commands import with their modules is most of its time.
The network's modules (ssl, http.client, urllib.request), email's parser, the archives' and the
thread pool's are imported by the functions that use them, when something is downloaded, parsed,
unpacked or hashed: this holds the command modules to it (a fresh interpreter, as bin/compile runs
them). An unchanged rebuild's finish reads no requirements and resolves no version, and its
decide looks at no index: neither imports what does (the requirements graph, packaging's markers
and specifiers, the index's modules)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[2] / "lib"
LATER = (
    "ssl",
    "http.client",
    "urllib.request",
    "urllib.error",
    "email.parser",
    "concurrent.futures",
    "tarfile",
    "zipfile",
)


# What finish (and, for the index, decide) must not import: a reused environment needs none.
GRAPH = (
    "pybuildpack.requirements.graph",
    "pybuildpack.requirements.app",
    "pybuildpack.python_version.resolve",
    "packaging.markers",
    "packaging.specifiers",
)
INDEX = ("pybuildpack.index.select", "pybuildpack.index.client", "pybuildpack.index.extras", "html.parser")


def loaded(statements: str, modules: tuple[str, ...] = LATER) -> list[str]:
    """Which of modules a fresh interpreter has loaded after the core's STATEMENTS."""
    probe = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); "
        f"{statements}; "
        "print(json.dumps(sorted(set(sys.argv[2:]) & set(sys.modules))))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe, LIB, *modules], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("command", ["decide", "install", "finish"])
def test_a_command_imports_no_network_or_archive_module_until_it_needs_one(command: str) -> None:
    assert loaded(f"import pybuildpack.__main__, pybuildpack.commands.{command}") == []


def test_the_module_is_imported_when_it_is_needed() -> None:
    assert loaded("import pybuildpack.http; pybuildpack.http._context()") == ["ssl"]


def test_finish_imports_no_requirements_graph_version_resolution_or_index() -> None:
    assert loaded("import pybuildpack.__main__, pybuildpack.commands.finish", GRAPH + INDEX) == []


def test_decide_imports_no_index_module() -> None:
    assert loaded("import pybuildpack.__main__, pybuildpack.commands.decide", INDEX) == []


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        ("from pybuildpack.natives import detect; detect.needed_libraries", []),
        (
            "from pybuildpack.natives import detect; from pathlib import Path; "
            "from pybuildpack.requirements.graph import Graph; "
            "detect.needed_libraries(Graph(Path('.')), [], None, Path('.'))",
            ["pybuildpack.index.extras"],
        ),
    ],
)
def test_the_graph_modules_are_imported_when_a_graph_is_looked_at(
    statements: str, expected: list[str]
) -> None:
    assert loaded(statements, ("pybuildpack.index.extras",)) == expected
