"""Reading the app's Python version request from its files, in order of precedence."""

from __future__ import annotations

import json
import re
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pybuildpack.errors import BuildError
from pybuildpack.python_version.resolve import Request
from pybuildpack.toml import TOMLDecodeError, loads_toml

VERSION_RE = re.compile(r"^(?P<v>\d+\.\d+(?:\.\d+)?)$")
# Common near misses, to suggest the fix: "python3.13", "python-3.13", "cpython 3.13.5", "v3.13"
NEAR_MISS_RE = re.compile(r"^(?:c?python|py|v)?[-\s]?(?P<v>\d+\.\d+(?:\.\d+)?)$", re.IGNORECASE)


def read_text(path: Path, name: str) -> str:
    """The file's text as UTF-8, refusing encodings the platform's tools misread."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BuildError(
            f"Can't read {name}: {exc.strerror}",
            where=name,
            fix=f"Make {name} a readable file.",
            code="python-version::unreadable-file",
        ) from exc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        raise BuildError(
            f"{name} is encoded as UTF-16",
            where=f"{name}:1",
            fix=f"Save {name} as UTF-8 (plain ASCII is fine), without a byte order mark.",
            code="python-version::file-encoding",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raise BuildError(
            f"{name} starts with a UTF-8 byte order mark (BOM)",
            where=f"{name}:1",
            details=["Some editors on Windows add it; tools that read version files do not expect it."],
            fix=f"Save {name} as UTF-8 without a BOM.",
            code="python-version::file-encoding",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BuildError(
            f"{name} is not valid UTF-8",
            where=name,
            fix=f"Save {name} as UTF-8.",
            code="python-version::file-encoding",
        ) from exc


def _content_lines(text: str) -> list[tuple[int, str]]:
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            lines.append((number, stripped))
    return lines


def _single_line(path: Path, name: str, example: str) -> tuple[int, str]:
    lines = _content_lines(read_text(path, name))
    if not lines:
        raise BuildError(
            f"{name} is empty",
            where=name,
            fix=f"Write the Python version in it, e.g. '{example}', or delete the file.",
            code="python-version::file-empty",
        )
    if len(lines) > 1:
        numbers = ", ".join(str(n) for n, _ in lines)
        raise BuildError(
            f"{name} names more than one version (lines {numbers})",
            where=f"{name}:{lines[1][0]}",
            fix=f"Keep only one line, e.g. '{example}'.",
            code="python-version::file-multiple",
        )
    return lines[0]


def _request_for(value: str, origin: str) -> Request:
    kind = "exact" if value.count(".") == 2 else "minor"
    return Request(kind, value, origin)


def from_python_version_file(path: Path) -> Request:
    name = ".python-version"
    number, value = _single_line(path, name, "3.13")
    match = VERSION_RE.match(value)
    if not match:
        near = NEAR_MISS_RE.match(value)
        hint = (
            f"Write '{near['v']}' instead of '{value}'."
            if near
            else ("Write a version such as '3.13' (the newest 3.13.x) or '3.13.5' (exactly that release).")
        )
        raise BuildError(
            f"{name} holds '{value}', which is not a Python version",
            where=f"{name}:{number}",
            fix=hint,
            code="python-version::file-invalid",
        )
    return _request_for(match["v"], f"{name}:{number}")


def from_runtime_txt(path: Path) -> Request:
    name = "runtime.txt"
    number, value = _single_line(path, name, "python-3.13.5")
    prefix = "python-"
    version = value[len(prefix) :] if value.startswith(prefix) else ""
    if not VERSION_RE.match(version):
        near = NEAR_MISS_RE.match(value)
        hint = f"Write 'python-{near['v']}'." if near else "Write e.g. 'python-3.13.5'."
        raise BuildError(
            f"{name} holds '{value}', which is not of the form python-X.Y.Z",
            where=f"{name}:{number}",
            fix=hint + "\n(A .python-version file with just '3.13' is the newer convention.)",
            code="python-version::file-invalid",
        )
    return _request_for(version, f"{name}:{number}")


def from_pipfile_lock(path: Path) -> Request | None:
    name = "Pipfile.lock"
    try:
        data = json.loads(read_text(path, name))
    except json.JSONDecodeError as exc:
        raise BuildError(
            f"{name} is not valid JSON: {exc.msg}",
            where=f"{name}:{exc.lineno}",
            fix="Regenerate it with 'pipenv lock'.",
            code="python-version::pipfile-lock-invalid",
        ) from exc
    requires = (data.get("_meta") or {}).get("requires") or {}
    for key in ("python_full_version", "python_version"):
        value = requires.get(key)
        if value:
            if not VERSION_RE.match(str(value)):
                raise BuildError(
                    f"{name} asks for Python '{value}' ({key}), which is not a version",
                    where=name,
                    fix="Set python_version in the Pipfile to e.g. '3.13' and run 'pipenv lock'.",
                    code="python-version::file-invalid",
                )
            return _request_for(str(value), f"{name} ({key})")
    return None


def from_pyproject(path: Path) -> Request | None:
    name = "pyproject.toml"
    try:
        data = loads_toml(read_text(path, name))
    except TOMLDecodeError as exc:
        raise BuildError(
            f"{name} is not valid TOML: {exc}",
            where=name,
            fix="Fix the syntax error.",
            code="python-version::pyproject-invalid",
        ) from exc
    value = (data.get("project") or {}).get("requires-python")
    if not value:
        return None
    try:
        SpecifierSet(str(value))
    except InvalidSpecifier as exc:
        raise BuildError(
            f"{name} has an invalid requires-python '{value}'",
            where=f"{name} [project] requires-python",
            fix="Use a specifier such as '>=3.12'.",
            code="python-version::pyproject-invalid",
        ) from exc
    return Request("specifier", str(value), f"{name} requires-python '{value}'")


def app_request(app: Path, cached_version: str | None) -> Request:
    """The first of the app's version sources that says something, else the cache, else default."""
    notes: list[str] = []
    found: Request | None = None
    sources = (
        (".python-version", from_python_version_file),
        ("runtime.txt", from_runtime_txt),
        ("Pipfile.lock", from_pipfile_lock),
        ("pyproject.toml", from_pyproject),
    )
    for name, reader in sources:
        path = app / name
        if path.exists() and not path.is_file():
            raise BuildError(
                f"{name} is not a file",
                where=name,
                fix=f"Make {name} a file that names the Python version (e.g. 3.13), or remove it.",
                code="python-version::file-invalid",
            )
        if not path.is_file():
            continue
        if found is not None:
            if name in (".python-version", "runtime.txt"):
                notes.append(f"{name} is ignored: {found.origin.split(':')[0]} takes precedence.")
            continue
        found = reader(path)
    if found is not None:
        return Request(found.kind, found.value, found.origin, tuple(notes))
    if cached_version and VERSION_RE.match(cached_version):
        minor = ".".join(cached_version.split(".")[:2])
        return Request("minor", minor, f"the version the cache last used ({cached_version})")
    return Request("default", "", "the default")
