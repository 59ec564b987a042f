"""What kind of app this is: which files declare its dependencies."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from pybuildpack.errors import BuildError
from pybuildpack.toml import TOMLDecodeError, load_toml

REQUIREMENTS = "requirements.txt"
# Files that mark a Python app (bin/detect looks for the same list).
MARKERS = (
    "requirements.txt",
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "runtime.txt",
    ".python-version",
    "manage.py",
)


@dataclass(frozen=True)
class InstallSource:
    """How the app's dependencies are installed: from a requirements file, or the app as a package."""

    kind: str  # "requirements" | "package"
    path: Path
    reason: str


def _misspelt_requirements(app: Path) -> str | None:
    names = [p.name for p in app.iterdir() if p.is_file() and p.name != REQUIREMENTS]
    for name in names:
        lowered = name.lower()
        if lowered == REQUIREMENTS:
            return name
        if lowered.endswith((".txt", ".text", ".in")) or "req" in lowered:
            ratio = difflib.SequenceMatcher(None, lowered, REQUIREMENTS).ratio()
            if ratio >= 0.8:
                return name
    return None


def _pyproject_is_package(path: Path) -> bool:
    try:
        data = load_toml(path)
    except (OSError, TOMLDecodeError):
        return True  # let pip report the problem with its own words
    return "build-system" in data or "project" in data


def install_source(app: Path) -> InstallSource:
    requirements = app / REQUIREMENTS
    if requirements.is_file():
        return InstallSource("requirements", requirements, f"from {REQUIREMENTS}")
    misspelt = _misspelt_requirements(app)
    if misspelt:
        raise BuildError(
            f"Found '{misspelt}' but no '{REQUIREMENTS}'",
            where=misspelt,
            details=["The buildpack installs dependencies from a file named exactly requirements.txt."],
            fix=f"Rename it: git mv '{misspelt}' {REQUIREMENTS}",
            code="requirements-misspelt",
        )
    for name in ("setup.py", "pyproject.toml"):
        path = app / name
        if path.is_file() and (name == "setup.py" or _pyproject_is_package(path)):
            return InstallSource("package", app, f"the app is a package ({name}), no {REQUIREMENTS}")
    present = [name for name in MARKERS if (app / name).is_file()]
    unsupported = [name for name in ("Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock") if name in present]
    details = [f"Files found: {', '.join(present) if present else 'none of the above'}."]
    if unsupported:
        details.append(
            f"{', '.join(unsupported)}: Pipenv, Poetry and uv projects are not installed "
            "by this buildpack yet."
        )
    raise BuildError(
        "No dependencies to install: the app has no requirements.txt, setup.py or pyproject.toml",
        where="the app's root directory",
        details=details,
        fix=(
            "Add a requirements.txt listing the app's dependencies (it may be empty),\n"
            "e.g. with 'pip freeze > requirements.txt'."
        ),
        code="no-dependency-file",
    )
