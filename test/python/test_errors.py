"""Every failure has a stable reason code, and the README lists every one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pybuildpack.errors import REASON_RE, BuildError

ROOT = Path(__file__).resolve().parents[2]
_BASH_REASON_RE = re.compile(r'output::(?:fail|error) "([a-z][a-z0-9-]*::[a-z0-9-]+)"')


def _python_codes() -> dict[str, list[str]]:
    """{code: [file:line]} of every BuildError raised in the core; a call without one is ''."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "lib" / "pybuildpack").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "BuildError":
                codes = [k.value for k in node.keywords if k.arg == "code"]
                if len(codes) == 1 and isinstance(codes[0], ast.Constant):
                    code = str(codes[0].value)
                elif codes:
                    continue  # passed on from a parameter (the caller's literal is counted)
                else:
                    code = ""
                found.setdefault(code, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "requirements_error":
                for arg in node.args[4:5]:
                    if isinstance(arg, ast.Constant):
                        found.setdefault(str(arg.value), []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _bash_codes() -> set[str]:
    files = [*(ROOT / "lib").glob("*.sh"), *(ROOT / "bin").iterdir()]
    codes = {m for path in files for m in _BASH_REASON_RE.findall(path.read_text())}
    return codes | {"hooks::pre-compile", "hooks::post-compile"}  # hooks::${name//_/-}


def test_every_build_error_has_a_well_formed_code() -> None:
    codes = _python_codes()
    assert "" not in codes, f"BuildError without a code at {codes.get('')}"
    bad = {code: where for code, where in codes.items() if not REASON_RE.match(code)}
    assert not bad


def test_the_readme_lists_every_reason_code() -> None:
    readme = (ROOT / "README.md").read_text()
    first_cells = [line.split("|")[1] for line in readme.splitlines() if line.startswith("| `")]
    listed = {code for cell in first_cells for code in re.findall(r"`([a-z][a-z0-9-]*::[a-z0-9-]+)`", cell)}
    used = set(_python_codes()) | _bash_codes()
    assert used - listed == set(), "reason codes missing from the README's table"
    assert "internal-error::unknown" in listed and "build::signal" in listed


def test_a_build_error_without_a_code_is_a_bug() -> None:
    with pytest.raises(TypeError):
        BuildError("title")
    with pytest.raises(TypeError):
        BuildError("title", code="no-area")
    assert BuildError("title", code="app::thing").lines() == ["title"]


def test_error_blocks_hold_every_line_and_no_control_bytes() -> None:
    import io

    from pybuildpack import output

    stream = io.StringIO()
    output.block(
        ["The archive is damaged", "tar: first line\nsecond line", "a NUL\x00 and an \x1b[31mescape"], stream
    )
    lines = stream.getvalue().splitlines()
    assert lines[1:4] == [" !     The archive is damaged", " !     tar: first line", " !     second line"]
    assert lines[4] == " !     a NUL? and an ?[31mescape"
