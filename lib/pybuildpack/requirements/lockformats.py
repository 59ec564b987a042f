"""The lock formats, one reader each (uvlock.py, pipfilelock.py, poetrylock.py): what checks a
lock's files before any download, what the report says made it, the files it is made from, and
its export into requirements lines (locked.py reads the export into the graph), and the
distributions the app's project declares (the bill of materials' direct ones). A fourth format
is one module with its READER, and one line of the table below.

A format exported by its package manager's own tool (uv.lock, by uv) names the tool (`tool`);
whoever exports (tools/export.py) hands the reader that tool, a LockTool: reading a lock never
fetches or runs a program of its own accord."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.process import Completed
from pybuildpack.requirements.selection import NOTHING, Choices, Selection


class LockTool(Protocol):
    """A package manager's program that exports its lock (tools/uv.py's Uv)."""

    def export(
        self,
        app: Path,
        python: Path | None,
        target: Path,
        *,
        groups: bool,
        selection: Selection,
        package: str = "",
    ) -> Completed:
        """The lock's packages for the runtime python (None: the lock is not checked) into
        target, with every dependency group when groups, and the selection's groups and extras;
        a workspace member's only, when package names one."""


@dataclass(frozen=True)
class ExportRequest:
    """One export of the app's lock into target (a requirements file)."""

    app: Path
    target: Path
    config: Mapping[str, str]  # the app's config vars (an index's credentials)
    default_index: str | None  # pip's default index, or None
    groups: bool  # every dependency group (bin/test-compile), else the default ones
    environment: Mapping[str, str] | None  # the target runtime's marker values, when known
    python: Path | None  # the runtime (None: bin/plan, which checks nothing)
    bound: Path  # the directory local paths must be in (the build directory)
    tool: LockTool | None = None  # the reader's tool, when it names one
    package: str = ""  # the uv workspace member to export (app: the workspace's root), or ""
    selection: Selection = NOTHING  # the groups and extras to install too (checked: declared)


def _nothing(_app: Path) -> str:
    return ""


def _not_known(_app: Path) -> frozenset[str] | None:
    return None


def requirement_names(specs: Iterable[object]) -> set[str]:
    """The canonical names of the distributions requirement strings name (others skipped)."""
    found = set()
    for spec in specs:
        try:
            found.add(canonicalize_name(Requirement(str(spec)).name))
        except InvalidRequirement:
            continue
    return found


def standard_declares(project: dict[str, Any]) -> set[str]:
    """What a pyproject.toml declares in the standard tables (uv's and Poetry 2's): the project
    itself, its dependencies, every extra's ([project.optional-dependencies]) and every dependency
    group's ([dependency-groups]; an include-group entry names no distribution)."""
    table = project.get("project") if isinstance(project.get("project"), dict) else {}
    specs = list(table.get("dependencies") or [])
    for extra in (table.get("optional-dependencies") or {}).values():
        specs += list(extra or [])
    for group in (project.get("dependency-groups") or {}).values():
        specs += [item for item in group or [] if isinstance(item, str)]
    found = requirement_names(specs)
    if table.get("name"):
        found.add(canonicalize_name(str(table["name"])))
    return found


@dataclass(frozen=True)
class LockReader:
    kind: str  # InstallSource.kind
    command: str  # what writes the lock anew ("uv lock")
    check: Callable[[Path], None]  # a BuildError when the lock's files are unusable
    inputs: Callable[[Path], list[Path]]  # the files the lock is made from, besides itself
    export: Callable[[ExportRequest], None]
    choices: Callable[[Path], Choices]  # the groups and extras the app declares
    describe: Callable[[Path], str] = _nothing  # what made the lock, for the report ("" unknown)
    tool: str = ""  # the program that exports it (tools/), or "" (pure Python)
    # The distributions the app's project files declare, by canonical name (its own package, its
    # dependencies, every group's and extra's: the bill of materials' direct ones, the rest of
    # the lock transitive), or None when they can't be read.
    declares: Callable[[Path], frozenset[str] | None] = _not_known


def reader_for(kind: str) -> LockReader:
    """The reader of a locked install source's kind (InstallSource.kind)."""
    from pybuildpack.requirements import pipfilelock, poetrylock, uvlock

    readers = {reader.kind: reader for reader in (uvlock.READER, pipfilelock.READER, poetrylock.READER)}
    return readers[kind]
