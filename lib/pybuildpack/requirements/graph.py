"""The requirements graph: every requirement the app declares (Entry), with its origin (file:line),
the files it was read from, and the options they set. Built by requirements/parse.py (pip's
requirements files) and requirements/package.py (an app that is a package)."""

from __future__ import annotations

import atexit
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from pybuildpack.redact import redact
from pybuildpack.requirements.lines import expand_vars

VCS_SCHEMES = ("git+", "hg+", "svn+", "bzr+")
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Origin:
    file: Path
    line: int

    def show(self, root: Path) -> str:
        return f"{display_path(self.file, root)}:{self.line}"


# Remote requirements files (-r https://...) are downloaded; this maps the copies to their URLs.
# Each copy has a temporary directory of its own, removed when the process ends.
REMOTE_COPIES: dict[Path, str] = {}


def remove_remote_copies() -> None:
    for copy in REMOTE_COPIES:
        shutil.rmtree(copy.parent, ignore_errors=True)
    REMOTE_COPIES.clear()


atexit.register(remove_remote_copies)


def display_path(path: Path, root: Path) -> str:
    if path in REMOTE_COPIES:
        return redact(REMOTE_COPIES[path])
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


@dataclass
class Entry:
    """One requirement of the app."""

    origin: Origin
    text: str  # as written (before ${VAR} expansion, so safe to print once redacted)
    kind: str  # "named" | "url" | "vcs" | "path"
    name: str | None  # canonical distribution name, when the line says it
    requirement: Requirement | None = None
    editable: bool = False
    constraint: bool = False  # from a -c file: limits versions, installs nothing
    url: str | None = None
    path: Path | None = None
    vcs_ref: str | None = None
    hashes: list[str] = field(default_factory=list)
    from_package: str | None = None  # "setup.py" / "pyproject.toml" when declared there
    raw: str = ""  # the line's requirement part as written, for pip (which expands ${VAR}s itself)
    split: bool = False  # written over several lines, the requirement itself continued after a "\\"
    path_extras: tuple[str, ...] = ()  # the extras a local path's line names (`.[redis]`)
    # the extras the build added to the line (raw), the app's own line: BUILDPACK_INSTALL_EXTRAS
    added_extras: tuple[str, ...] = ()

    @property
    def extras(self) -> frozenset[str]:
        """The extras the line installs its package with (a named requirement's, a local path's)."""
        if self.requirement is not None:
            return frozenset(self.requirement.extras)
        return frozenset(self.path_extras)

    @property
    def pinned_version(self) -> str | None:
        """The version of a '==X' (or '===X') pin, when the line has exactly one."""
        if self.requirement is None or self.requirement.url:
            return None
        specs = list(self.requirement.specifier)
        if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            return specs[0].version
        return None

    def applies(self, environment: Mapping[str, str] | None = None) -> bool:
        """Whether the line's markers hold for the target (environment: marker values; None: the
        interpreter running this), as pip decides whether to install it."""
        marker = self.requirement.marker if self.requirement is not None else None
        if marker is None:
            return True
        return marker.evaluate({**(environment or default_environment()), "extra": ""})

    @property
    def vcs_pinned_to_commit(self) -> bool:
        return self.kind == "vcs" and bool(self.vcs_ref and _COMMIT_RE.match(self.vcs_ref))


@dataclass(frozen=True)
class RequirementsFile:
    path: Path
    constraint: bool
    included_from: Origin | None


@dataclass
class Graph:
    root: Path
    files: list[RequirementsFile] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)
    option_lines: list[str] = field(default_factory=list)  # as written, for phase files
    # the ${VAR}s the files expand, with their values (never printed: what an engine is handed
    # holds them expanded, the engine never gets the variables themselves)
    expanded_vars: dict[str, str] = field(default_factory=dict)
    undefined_vars: list[tuple[str, Origin]] = field(default_factory=list)  # ${VAR}s nothing defines
    long_blanks: bool = False  # a file has a run of blanks pip would read in quadratic time

    def add_option(self, dest: str, value: str) -> None:
        self.options.setdefault(dest, []).append(value)

    @property
    def rewritten(self) -> bool:
        """Whether an engine installs from the lines as the build read them (environment/install.py
        writes them, ${VAR}s expanded) rather than from the app's own files: when the files expand a
        ${VAR} (so that no variable of the app's reaches the engine under a name the engine itself
        reads, such as UV_LINK_MODE), or hold what pip can't read in reasonable time, or when the
        build added the selected extras to the app's own line (requirements/ownline.py)."""
        return bool(self.expanded_vars) or self.long_blanks or any(e.added_extras for e in self.entries)

    def expand(self, text: str) -> str:
        """A line as written with the ${VAR}s the files expand put in (what pip would read)."""
        return expand_vars(text, self.expanded_vars)

    def requirements(self) -> list[Entry]:
        return [e for e in self.entries if not e.constraint]

    def constraints(self) -> list[Entry]:
        return [e for e in self.entries if e.constraint]

    def by_name(self, name: str) -> list[Entry]:
        wanted = canonicalize_name(name)
        return [e for e in self.entries if e.name == wanted]

    def pin_for(self, name: str) -> Entry | None:
        """The entry that pins NAME to one version (a requirement or a constraint), if any."""
        for entry in self.by_name(name):
            if entry.pinned_version:
                return entry
        return None
