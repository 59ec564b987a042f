"""What kind of app this is: which files declare its dependencies."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from pybuildpack.errors import BuildError
from pybuildpack.toml import TOMLDecodeError, load_toml

REQUIREMENTS = "requirements.txt"


@dataclass(frozen=True)
class InstallSource:
    """How the app's dependencies are installed: from a requirements file, or the app as a package."""

    kind: str  # "requirements" | "package"
    path: Path
    reason: str

    @property
    def install_args(self) -> list[str]:
        """What pip installs: `-r requirements.txt` (relative to the app), or the app itself."""
        return ["-r", self.path.name] if self.kind == "requirements" else ["."]

    @property
    def install_command(self) -> str:
        """The final install, as the plan shows it."""
        return "pip install " + " ".join(self.install_args)


def markers(path: Path) -> list[str]:
    """The files that mark a Python app (data/app-markers.txt, which bin/detect reads too)."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


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


def install_source(app: Path, markers_file: Path) -> InstallSource:
    requirements = app / REQUIREMENTS
    if requirements.exists() and not requirements.is_file():
        raise BuildError(
            f"{REQUIREMENTS} is not a regular file",
            where=REQUIREMENTS,
            fix=f"Make {REQUIREMENTS} a file that lists the app's dependencies.",
            code="app::requirements-not-a-file",
        )
    if requirements.is_file():
        return InstallSource("requirements", requirements, f"from {REQUIREMENTS}")
    misspelt = _misspelt_requirements(app)
    if misspelt:
        raise BuildError(
            f"Found '{misspelt}' but no '{REQUIREMENTS}'",
            where=misspelt,
            details=["The buildpack installs dependencies from a file named exactly requirements.txt."],
            fix=f"Rename it: git mv '{misspelt}' {REQUIREMENTS}",
            code="app::requirements-misspelt",
        )
    for name in ("setup.py", "pyproject.toml"):
        path = app / name
        if path.is_file() and (name == "setup.py" or _pyproject_is_package(path)):
            return InstallSource("package", app, f"the app is a package ({name}), no {REQUIREMENTS}")
    present = [name for name in markers(markers_file) if (app / name).is_file()]
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
        code="app::no-dependency-file",
    )
