"""What kind of app this is: which files declare its dependencies."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from pybuildpack.errors import BuildError
from pybuildpack.requirements.selection import NOTHING, Selection
from pybuildpack.setup_py import holds_no_code
from pybuildpack.toml import TOMLDecodeError, load_toml

REQUIREMENTS = "requirements.txt"


# The package managers whose files the buildpack installs from, with the files that mark each
# (the first one is what the app's dependencies are installed from).
MANAGER_FILES = {
    "pip": (REQUIREMENTS,),
    "uv": ("uv.lock",),
    "poetry": ("poetry.lock",),
    "pipenv": ("Pipfile.lock", "Pipfile"),
}
# Package managers whose lock file the app's dependencies are installed from.
LOCKED = frozenset({"uv", "poetry", "pipenv"})
_LOCK_COMMANDS = {"uv": "uv lock", "poetry": "poetry lock", "pipenv": "pipenv lock"}


@dataclass(frozen=True)
class InstallSource:
    """How the app's dependencies are installed: from a requirements file, from a lock file
    (uv.lock), or the app as a package."""

    kind: str  # "requirements" | "package" | a package manager of LOCKED
    path: Path  # requirements.txt, the lock file, or the app's directory
    reason: str
    selection: Selection = NOTHING  # the groups and extras installed too (as the app declares them)
    member: str = ""  # the uv workspace member the app is (the lock is the workspace's), else ""

    @property
    def workspace(self) -> Path | None:
        """The root of the uv workspace the app is a member of, or None."""
        return self.path.parent if self.member else None

    @property
    def root(self) -> Path:
        """The directory of the app's dependency files, against which their relative paths are
        read: the app's, or a uv workspace's root (where its uv.lock is)."""
        return self.path if self.kind == "package" else self.path.parent

    @property
    def locked(self) -> bool:
        return self.kind in LOCKED

    @property
    def manager(self) -> str:
        """The package manager the app uses (pip for a requirements file or a package)."""
        return self.kind if self.locked else "pip"

    @property
    def install_args(self) -> list[str]:
        """What pip installs: `-r requirements.txt` (relative to the app), or the app itself.
        A lock file's packages are installed from the files environment/install.py writes."""
        if self.locked:
            return []
        if self.kind == "requirements":
            return ["-r", self.path.name]
        extras = self.selection.extras
        return [f".[{','.join(extras)}]" if extras else "."]

    @property
    def install_command(self) -> str:
        """The final install, as the plan shows it."""
        if self.locked:
            return f"pip install --no-deps (the packages {self.path.name} locks)"
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


def pyproject_invalid(exc: UnicodeDecodeError | TOMLDecodeError) -> BuildError:
    """The error for a pyproject.toml that can't be read as TOML, wherever the build reads it (the
    Python version's requires-python, the app built as a package)."""
    if isinstance(exc, UnicodeDecodeError):
        said, fix = f"it is not UTF-8 text ({exc.reason})", "Save pyproject.toml as UTF-8."
    else:
        said, fix = str(exc), "Fix the syntax error."
    return BuildError(
        f"pyproject.toml is not valid TOML: {said}",
        where="pyproject.toml",
        fix=fix,
        code="python-version::pyproject-invalid",
    )


def _pyproject_is_package(path: Path) -> bool:
    """Whether pyproject.toml declares a package; a BuildError when it can't be read, which pip,
    building the app as a package, would meet too (and report with a traceback)."""
    try:
        data = load_toml(path)
    except OSError:
        return True  # let pip report the problem with its own words
    except (UnicodeDecodeError, TOMLDecodeError) as exc:
        raise pyproject_invalid(exc) from exc
    return "build-system" in data or "project" in data


def _present(app: Path) -> dict[str, list[str]]:
    """{package manager: its files found in the app}, for the managers with any."""
    found: dict[str, list[str]] = {}
    for manager, names in MANAGER_FILES.items():
        here = [name for name in names if (app / name).exists()]
        if here:
            found[manager] = here
    return found


def _several(present: dict[str, list[str]]) -> BuildError:
    files = [name for names in present.values() for name in names]
    return BuildError(
        f"The app has the files of {len(present)} package managers: {', '.join(files)}",
        where="the app's root directory",
        details=[
            "The buildpack installs the dependencies from one of them, and can't tell which",
            "one the app means (" + ", ".join(present) + ").",
        ],
        fix=(
            "Remove the files of the package managers the app no longer uses (git rm FILE),\n"
            "or set the config var BUILDPACK_PACKAGE_MANAGER to one of: " + ", ".join(present) + "."
        ),
        code="app::several-package-managers",
    )


def _chosen(app: Path, present: dict[str, list[str]], chosen: str) -> str | None:
    """The package manager to install with: the one present, or BUILDPACK_PACKAGE_MANAGER."""
    chosen = chosen.strip().lower()
    if chosen:
        if chosen not in MANAGER_FILES:
            raise BuildError(
                f"BUILDPACK_PACKAGE_MANAGER is '{chosen}', which the buildpack does not know",
                where="config var BUILDPACK_PACKAGE_MANAGER",
                fix="Set it to one of: " + ", ".join(MANAGER_FILES) + " (or unset it).",
                code="app::package-manager-unknown",
            )
        if chosen not in present:
            raise BuildError(
                f"BUILDPACK_PACKAGE_MANAGER is '{chosen}', but the app has no {MANAGER_FILES[chosen][0]}",
                where="config var BUILDPACK_PACKAGE_MANAGER",
                fix=f"Commit {MANAGER_FILES[chosen][0]}, or unset BUILDPACK_PACKAGE_MANAGER.",
                code="app::package-manager-unknown",
            )
        return chosen
    if len(present) > 1:
        raise _several(present)
    return next(iter(present), None)


def _locked_source(app: Path, manager: str) -> InstallSource:
    lock = app / MANAGER_FILES[manager][0]
    if manager == "pipenv" and not lock.exists():
        raise BuildError(
            "The app has a Pipfile but no Pipfile.lock",
            where="Pipfile",
            details=["The buildpack installs what Pipfile.lock records, as 'pipenv install --deploy' does."],
            fix="Run 'pipenv lock' and commit Pipfile.lock.",
            code="lockfile::missing",
        )
    if not lock.is_file():
        raise BuildError(
            f"{lock.name} is not a regular file",
            where=lock.name,
            fix=f"Run '{_LOCK_COMMANDS[manager]}' and commit {lock.name}.",
            code="lockfile::invalid",
        )
    return InstallSource(manager, lock, f"from {lock.name} ({manager})")


def _refuse_empty_setup_py(path: Path) -> None:
    """A setup.py with no code, the app's only dependency file, makes no package."""
    try:
        source = path.read_text(errors="replace")
    except OSError:
        return  # pip says what is wrong with it
    if not holds_no_code(source):
        return
    raise BuildError(
        "setup.py is empty: it makes no package, and the app has no other dependency file",
        where="setup.py",
        details=[
            "The buildpack installs an app whose only dependency file is setup.py as a package;",
            "setuptools runs setup.py, and this one never calls setup().",
        ],
        fix=(
            "If the app has no dependencies, replace it with an empty requirements.txt:\n"
            "  git rm setup.py && touch requirements.txt && git add requirements.txt\n"
            "If the app is a package, call setup() in setup.py (name, version, install_requires),\n"
            "or declare it in pyproject.toml's [project] table."
        ),
        code="app::empty-setup-py",
    )


def _workspace_member(app: Path, bound: Path) -> InstallSource | None:
    """The app as a member of the uv workspace above it, built from the workspace's uv.lock
    (requirements/uvworkspace.py); None when it is in none."""
    from pybuildpack.requirements import uvworkspace

    if not (app / "pyproject.toml").is_file():
        return None
    workspace = uvworkspace.above(app, bound)
    if workspace is None:
        return None
    name = uvworkspace.member_name(app)
    shown = workspace.lock.relative_to(bound.resolve()).as_posix()
    return InstallSource("uv", workspace.lock, f"from {shown} (uv workspace member {name})", member=name)


def install_source(
    app: Path, markers_file: Path, chosen: str = "", bound: Path | None = None
) -> InstallSource:
    """What the app's dependencies are installed from (chosen: BUILDPACK_PACKAGE_MANAGER). An app
    in a subdirectory of bound (the build directory) with no dependency file but its pyproject.toml
    (or chosen uv, and no uv.lock of its own) may be a uv workspace's member."""
    requirements = app / REQUIREMENTS
    if requirements.exists() and not requirements.is_file():
        raise BuildError(
            f"{REQUIREMENTS} is not a regular file",
            where=REQUIREMENTS,
            fix=f"Make {REQUIREMENTS} a file that lists the app's dependencies.",
            code="app::requirements-not-a-file",
        )
    present = _present(app)
    if bound is not None and "uv" not in present and (not present or chosen.strip().lower() == "uv"):
        member = _workspace_member(app, bound)
        if member is not None:
            return member
    manager = _chosen(app, present, chosen)
    if manager in LOCKED:
        return _locked_source(app, manager)
    if manager == "pip":
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
    setup_py, pyproject = app / "setup.py", app / "pyproject.toml"
    declares = pyproject.is_file() and _pyproject_is_package(pyproject)  # read whenever present: pip reads it
    if setup_py.is_file() or declares:
        if setup_py.is_file() and not pyproject.exists():
            _refuse_empty_setup_py(setup_py)
        name = setup_py.name if setup_py.is_file() else pyproject.name
        return InstallSource("package", app, f"the app is a package ({name}), no {REQUIREMENTS}")
    present = [name for name in markers(markers_file) if (app / name).is_file()]
    raise BuildError(
        "No dependencies to install: the app has no requirements.txt, lock file, setup.py or pyproject.toml",
        where="the app's root directory",
        details=[f"Files found: {', '.join(present) if present else 'none of the above'}."],
        fix=(
            "Add a requirements.txt listing the app's dependencies (it may be empty),\n"
            "e.g. with 'pip freeze > requirements.txt', or lock them with uv ('uv lock')."
        ),
        code="app::no-dependency-file",
    )
