"""Reading the app's Python version request from its files, in order of precedence."""

from __future__ import annotations

import json
import os
import re
import shlex
import unicodedata
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pybuildpack import nesting
from pybuildpack.errors import BuildError
from pybuildpack.python_version.resolve import Request
from pybuildpack.requirements.source import pyproject_invalid
from pybuildpack.toml import TOMLDecodeError, loads_toml

VERSION_RE = re.compile(r"^(?P<v>\d+\.\d+(?:\.\d+)?)$")
# Common near misses, to suggest the fix: "python3.13", "python-3.13", "cpython 3.13.5", "v3.13"
NEAR_MISS_RE = re.compile(r"^(?:c?python|py|v)?[-\s]?(?P<v>\d+\.\d+(?:\.\d+)?)$", re.IGNORECASE)
# Names apps give their .python-version by mistake (compared in lower case), as seen on Heroku: a
# space or quotes around it, an extension, '_' or '.' for '-', no leading dot.
MISSPELT_NAMES = frozenset(
    {
        " .python-version",
        ". python-version",
        ".python-version ",
        "'.python-version'",
        ",python-version",
        ".python-version.",
        ".python-version.py",
        ".python-version.rtf",
        ".python-version.txt",
        ".python_version",
        ".python_version.txt",
        ".python.version",
        ".pythonversion",
        "python-version",
        "python-version.",
        "python-version.txt",
        "python_version",
        "python_version.txt",
    }
)


def _is_utf16(raw: bytes) -> bool:
    """A byte order mark of UTF-16, or text of ASCII characters saved as UTF-16 without one (a NUL
    byte in every other place)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if len(raw) < 2 or len(raw) % 2:
        return False
    for zeros, text in ((raw[1::2], raw[0::2]), (raw[0::2], raw[1::2])):
        if not zeros.strip(b"\x00") and b"\x00" not in text:
            return True
    return False


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
    if _is_utf16(raw):
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


def _invisible(text: str, name: str, example: str) -> None:
    """A NUL byte or an invisible character (a control character, a zero-width space) in a line
    that is not a comment, named with its line and column."""
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.strip()  # white space around the version is tolerated
        if not content or content.startswith("#"):
            continue
        start = len(line) - len(line.lstrip())
        for column, char in enumerate(content, start=start + 1):
            if char.isprintable() or char.isspace():
                continue
            if char == "\x00":
                what = "a NUL byte"
            else:
                label = unicodedata.name(char, "a control character")
                what = f"an invisible character, U+{ord(char):04X} ({label}),"
            raise BuildError(
                f"{name} holds {what} at line {number}, column {column}",
                where=f"{name}:{number}:{column}",
                details=["Most editors do not show it; it makes the line something other than a version."],
                fix=f"Delete the line and type it again, e.g. '{example}' (or write the file anew).",
                code="python-version::file-character",
            )


def _single_line(path: Path, name: str, example: str) -> tuple[int, str]:
    text = read_text(path, name)
    _invisible(text, name, example)
    lines = _content_lines(text)
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


def from_python_version_file(path: Path, name: str = ".python-version") -> Request:
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
        data = nesting.loads_json(read_text(path, name))
    except json.JSONDecodeError as exc:
        raise BuildError(
            f"{name} is not valid JSON: {exc.msg}",
            where=f"{name}:{exc.lineno}",
            fix="Regenerate it with 'pipenv lock'.",
            code="python-version::pipfile-lock-invalid",
        ) from exc
    except nesting.TooDeep as exc:
        raise BuildError(
            f"{name} can't be read: {exc}",
            where=name,
            fix="Regenerate it with 'pipenv lock'.",
            code="python-version::pipfile-lock-invalid",
        ) from None
    meta = data.get("_meta") if isinstance(data, dict) else None
    requires = (meta.get("requires") if isinstance(meta, dict) else None) or {}
    if not isinstance(requires, dict):
        return None  # the lock's own reader says what is wrong with it
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
        raise pyproject_invalid(exc) from exc
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


def misspelt_files(app: Path) -> list[str]:
    """The files at the app's top whose names look like a misspelt .python-version."""
    try:
        entries = sorted(os.scandir(app), key=lambda entry: entry.name)
    except OSError:
        return []
    out = []
    for entry in entries:
        lowered = entry.name.lower()
        misspelt = lowered in MISSPELT_NAMES or (lowered == ".python-version" and entry.name != lowered)
        if misspelt and entry.is_file():
            out.append(entry.name)
    return out


def _misspelt_error(name: str, app: Path) -> BuildError:
    shown = shlex.quote(name) if shlex.quote(name) != name else f"'{name}'"
    has_right_one = (app / ".python-version").is_file()
    return BuildError(
        f"{shown} looks like a misspelt .python-version",
        where=shown,
        details=["The buildpack reads the Python version from a file named exactly '.python-version'."],
        fix=(
            f"Delete {shown} (the app has a .python-version as well), or merge the two."
            if has_right_one
            else f"Rename it: git mv {shlex.quote(name)} .python-version"
        ),
        code="python-version::file-misspelt",
    )


def _runtime_txt_warning(app: Path, chosen: Request, misspelt: list[str]) -> tuple[str, ...]:
    """runtime.txt decides (as in Heroku's classic buildpack), but is deprecated: say so, and name
    the .python-version it wins over, with what each asks for."""
    minor = ".".join(chosen.value.split(".")[:2])
    other = app / ".python-version"
    if other.is_file():
        try:
            asked = from_python_version_file(other)
            theirs = f"{asked.origin} asks for {asked.value}"
        except BuildError as exc:
            theirs = f".python-version can't be read ({exc.title})"
        lines = [
            "runtime.txt and .python-version both name the Python version: runtime.txt is used",
            f"{chosen.origin} asks for {chosen.value}; {theirs}.",
            "runtime.txt takes precedence, as in Heroku's classic buildpack (which deprecates it).",
        ]
        fix = (
            "Keep only .python-version: write in it the version you want"
            f" (e.g. '{minor}'),\nand delete runtime.txt."
        )
    else:
        lines = [
            "runtime.txt is deprecated: name the Python version in a .python-version file",
            f"Where: {chosen.origin}",
            ".python-version is what Heroku's buildpacks, pyenv and uv read; runtime.txt is read",
            "only by Heroku's classic buildpack (which deprecates it) and this one.",
        ]
        fix = f"Replace runtime.txt with a .python-version that holds '{minor}' (the newest {minor}.x)."
    lines += [
        f"'{name}' looks like a misspelt .python-version (not read: runtime.txt decides)."
        for name in misspelt
    ]
    return (*lines, "", fix)


def app_request(app: Path, cached_version: str | None, workspace: Path | None = None) -> Request:
    """The first of the app's version sources that says something, else the cache, else default:
    runtime.txt (deprecated; with a warning), .python-version, the .python-version at the root of
    the uv workspace the app is a member of (workspace, as uv reads it), Pipfile.lock,
    pyproject.toml. A misspelt .python-version is an error (a warning when runtime.txt decides)."""
    # after runtime.txt, which decides on its own (with its warning)
    sources = (
        (".python-version", from_python_version_file),
        ("Pipfile.lock", from_pipfile_lock),
        ("pyproject.toml", from_pyproject),
    )
    for name in ("runtime.txt", *(name for name, _ in sources)):
        path = app / name
        if path.exists() and not path.is_file():
            raise BuildError(
                f"{name} is not a file",
                where=name,
                fix=f"Make {name} a file that names the Python version (e.g. 3.13), or remove it.",
                code="python-version::file-invalid",
            )
    misspelt = misspelt_files(app)
    if (app / "runtime.txt").is_file():
        found = from_runtime_txt(app / "runtime.txt")
        warning = _runtime_txt_warning(app, found, misspelt)
        return Request(found.kind, found.value, found.origin, (warning,))
    if misspelt:
        raise _misspelt_error(misspelt[0], app)
    for name, reader in sources:
        path = app / name
        if path.is_file():
            request = reader(path)
            if request is not None:
                return request
        shared = workspace / name if workspace is not None and name == ".python-version" else None
        if shared is not None and shared.is_file():
            return from_python_version_file(shared, os.path.relpath(shared, app))
    if cached_version and VERSION_RE.match(cached_version):
        minor = ".".join(cached_version.split(".")[:2])
        return Request("minor", minor, f"the version the cache last used ({cached_version})")
    return Request("default", "", "the default")
