"""A warm build starts the core three times (decide, install, finish: state.py), and an unchanged
rebuild does nothing else; so what the commands import with their modules is most of its time.
The network's modules (ssl, http.client, urllib.request), email's parser, the archives' and the
thread pool's are imported by the functions that use them, when something is downloaded, parsed,
unpacked or hashed: this holds the command modules to it (a fresh interpreter, as bin/compile runs
them)."""

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


def loaded(statements: str) -> list[str]:
    """Which of LATER a fresh interpreter has loaded after the core's STATEMENTS."""
    probe = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); "
        f"{statements}; "
        "print(json.dumps(sorted(set(sys.argv[2:]) & set(sys.modules))))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe, LIB, *LATER], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("command", ["decide", "install", "finish"])
def test_a_command_imports_no_network_or_archive_module_until_it_needs_one(command: str) -> None:
    assert loaded(f"import pybuildpack.__main__, pybuildpack.commands.{command}") == []


def test_the_module_is_imported_when_it_is_needed() -> None:
    assert loaded("import pybuildpack.http; pybuildpack.http._context()") == ["ssl"]
