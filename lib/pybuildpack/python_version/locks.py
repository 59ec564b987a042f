"""What an app's lock, and the project file it was made from, allow of Python, and the one rule
that the release the build chose must be one of them, for every package manager: Poetry's
`[project] requires-python`, `[tool.poetry.dependencies] python` and poetry.lock's
`python-versions`; Pipfile.lock's `python_version` / `python_full_version`; uv's `requires-python`.
The package manager would refuse to install its lock with another Python (uv, pipenv
--deploy, Poetry's own check), so the build says so before it downloads anything."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from pybuildpack import nesting
from pybuildpack.errors import BuildError
from pybuildpack.python_version.resolve import Request, minor_of
from pybuildpack.toml import TOMLDecodeError, loads_toml

# Each package manager's name, lock, and the command that makes its lock anew.
MANAGERS = {
    "poetry": ("Poetry", "poetry.lock", "poetry lock"),
    "pipenv": ("Pipenv", "Pipfile.lock", "pipenv lock"),
    "uv": ("uv", "uv.lock", "uv lock"),
}


@dataclass(frozen=True)
class Allowed:
    """One statement of the Pythons a lock was made for: any one of specifiers holds."""

    what: str  # "[project] requires-python"
    value: str  # as written
    where: str  # "pyproject.toml:5"
    specifiers: tuple[SpecifierSet, ...]

    def allows(self, version: Version) -> bool:
        return any(spec.contains(version, prereleases=True) for spec in self.specifiers)

    def describe(self) -> str:
        return f"{self.where} {self.what} = '{self.value}'"


def _line(text: str, key: str, value: str) -> int | None:
    """The line that sets key (TOML `key = ...` or JSON `"key": ...`) to value."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith((key, f'"{key}"')) and value in stripped:
            return number
    return None


def _where(name: str, text: str, key: str, value: str) -> str:
    number = _line(text, key, value)
    return f"{name}:{number}" if number else name


# Poetry's constraint syntax (python-poetry.org/docs/dependency-specification): "||" between
# alternatives, "," or spaces between the parts of one, and besides PEP 440's operators "^1.2"
# (up to the next major), "~1.2" (the next minor; "~1": the next major), "*", and a bare "1.2" (== 1.2).
_OPERATOR_SPACE = re.compile(r"(===|~=|==|!=|<=|>=|<|>|=|\^|~)\s+")


def _poetry_part(part: str) -> str | None:
    """One part of a Poetry constraint as a PEP 440 specifier ("" for any), None when unread."""
    if part in ("*", "x", "X"):
        return ""
    if part.startswith("^") or (part.startswith("~") and not part.startswith("~=")):
        try:
            version = Version(part[1:])
        except InvalidVersion:
            return None
        if version.major == 0:
            return None  # not a Python version: no need to follow Poetry's rules for 0.x
        precise = len(version.release) > 1 and part.startswith("~")
        upper = f"{version.major}.{version.minor + 1}" if precise else f"{version.major + 1}"
        return f">={version},<{upper}"
    if part.startswith("=") and not part.startswith(("==", "===")):
        return f"={part}"
    if part[:1].isdigit():
        return f"=={part}"
    return part


def poetry_specifiers(constraint: str) -> tuple[SpecifierSet, ...] | None:
    """A Poetry constraint ("^3.11", ">=3.11,<3.13", "~3.12 || ^3.14") as alternatives of PEP 440
    specifier sets; None when it can't be read (the check is then left to Poetry)."""
    out = []
    for alternative in re.split(r"\|\|?", constraint):
        parts = _OPERATOR_SPACE.sub(r"\1", alternative).replace(",", " ").split()
        pep440 = [_poetry_part(part) for part in parts]
        if not parts or None in pep440:
            return None
        try:
            out.append(SpecifierSet(",".join(p for p in pep440 if p)))
        except InvalidSpecifier:
            return None
    return tuple(out)


def _pep440(value: str) -> tuple[SpecifierSet, ...] | None:
    try:
        return (SpecifierSet(value),)
    except InvalidSpecifier:
        return None


def _read(path: Path) -> tuple[str, object]:
    """The file's text and its data (TOML, or JSON for a .lock of pipenv); ("", {}) when it can't
    be read: the lock's own reader reports that."""
    try:
        text = path.read_text(encoding="utf-8")
        return text, (nesting.loads_json(text) if path.name == "Pipfile.lock" else loads_toml(text))
    except (OSError, UnicodeDecodeError, ValueError, TOMLDecodeError):
        return "", {}


def _table(data: object, *keys: str) -> dict:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _from_pyproject(app: Path, poetry: bool) -> list[Allowed]:
    text, data = _read(app / "pyproject.toml")
    out = []
    value = _table(data, "project").get("requires-python")
    if isinstance(value, str) and (specs := _pep440(value)):
        where = _where("pyproject.toml", text, "requires-python", value)
        out.append(Allowed("[project] requires-python", value, where, specs))
    value = _table(data, "tool", "poetry", "dependencies").get("python")
    if poetry and isinstance(value, str) and (specs := poetry_specifiers(value)):
        where = _where("pyproject.toml", text, "python", value)
        out.append(Allowed("[tool.poetry.dependencies] python", value, where, specs))
    return out


def _from_poetry_lock(app: Path) -> list[Allowed]:
    text, data = _read(app / "poetry.lock")
    value = _table(data, "metadata").get("python-versions")
    if isinstance(value, str) and value != "*" and (specs := poetry_specifiers(value)):
        where = _where("poetry.lock", text, "python-versions", value)
        return [Allowed("[metadata] python-versions", value, where, specs)]
    return []


def _from_pipfile_lock(app: Path) -> list[Allowed]:
    text, data = _read(app / "Pipfile.lock")
    requires = _table(data, "_meta", "requires")
    for key in ("python_full_version", "python_version"):
        value = requires.get(key)
        if isinstance(value, str) and re.fullmatch(r"\d+\.\d+(\.\d+)?", value):
            spec = f"=={value}" if value.count(".") == 2 else f"=={value}.*"
            where = _where("Pipfile.lock", text, key, value)
            return [Allowed(f"_meta.requires.{key}", value, where, (SpecifierSet(spec),))]
    return []


def allowed(app: Path, manager: str) -> list[Allowed]:
    """What the lock of manager ("poetry", "pipenv", "uv"; another: nothing) allows of Python."""
    if manager == "poetry":
        return [*_from_pyproject(app, poetry=True), *_from_poetry_lock(app)]
    if manager == "pipenv":
        return _from_pipfile_lock(app)
    if manager == "uv":
        return _from_pyproject(app, poetry=False)
    return []


def check(app: Path, manager: str, version: Version, request: Request, candidates: list[Version]) -> None:
    """Fail when the chosen release is one the app's lock was not made for, naming both, with the
    fix (candidates: the releases the build could use, for a version to suggest)."""
    bounds = allowed(app, manager)
    excluded = [bound for bound in bounds if not bound.allows(version)]
    if not excluded:
        return
    first = excluded[0]
    file = first.where.split(":")[0]
    fitting = [v for v in candidates if all(bound.allows(v) for bound in bounds)]
    asked = request.value or "nothing"
    chooser = request.origin.split(":")[0] if request.kind in ("exact", "minor") else ".python-version"
    if request.kind in ("exact", "minor") and ":" in request.origin:
        chose = f"{request.origin} asks for {asked}"
    else:
        chose = f"the version came from {request.origin}"
    suggestion = f" (e.g. '{minor_of(max(fitting))}')" if fitting else ""
    details = [f"{chose}: Python {version}.", *[bound.describe() for bound in excluded]]
    if manager == "pipenv":
        pipfile = app / "Pipfile"
        text = pipfile.read_text(errors="replace") if pipfile.is_file() else ""
        number = _line(text, "python_", first.value)
        if number:
            details.append(f"(Pipfile:{number} is where the lock's version comes from.)")
    tool, lock, relock = MANAGERS[manager]
    details.append(f"{tool} would refuse to install {lock}'s packages with Python {version}.")
    source = "the Pipfile's [requires] python_version" if manager == "pipenv" else first.what
    raise BuildError(
        f"Python {version} (from {request.origin}) is not one {file} allows: {first.what} '{first.value}'",
        where=first.where,
        details=details,
        fix=(
            f"Make them agree: write a version they allow in {chooser}{suggestion}, or change\n"
            f"{source} to allow Python {minor_of(version)} and run '{relock}'."
        ),
        code="python-version::incompatible",
    )
