"""A uv workspace: a repository whose root pyproject.toml has [tool.uv.workspace] (`members` and
`exclude`, globs relative to the root), with one uv.lock at the root for all its members. An app in
BUILDPACK_APP_SUBDIR that is a member, with no dependency file of its own but its pyproject.toml,
is built from that lock with its own dependencies only (uv export --package NAME). The workspace is
found as uv finds it: the nearest directory above the app whose pyproject.toml has a [project] or a
[tool.uv.workspace] table, inside the build directory. A directory the workspace's members do not
match (nor exclude) is refused: neither uv nor pip would install what the app asks for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pybuildpack.errors import BuildError
from pybuildpack.toml import TOMLDecodeError, load_toml

LOCK = "uv.lock"
PROJECT = "pyproject.toml"


def _load(path: Path) -> dict[str, Any]:
    """A pyproject.toml's tables; {} when it can't be read (its own reader says why, later)."""
    try:
        data = load_toml(path)
    except (OSError, UnicodeDecodeError, TOMLDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _table(data: object, *keys: str) -> dict[str, Any]:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _globs(table: dict[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


@dataclass(frozen=True)
class Workspace:
    """A uv workspace's root (where uv.lock is) and its member directories."""

    root: Path
    members: tuple[
        Path, ...
    ]  # the directories its globs match with a pyproject.toml (the root's project first)
    excluded: tuple[Path, ...]

    @property
    def lock(self) -> Path:
        return self.root / LOCK

    @classmethod
    def at(cls, root: Path) -> Workspace:
        """The workspace whose root is root (its pyproject.toml read as uv reads it)."""
        data = _load(root / PROJECT)
        table = _table(data, "tool", "uv", "workspace")
        excluded = {path for glob in _globs(table, "exclude") for path in _matches(root, glob)}
        matched = {path for glob in _globs(table, "members") for path in _matches(root, glob)}
        members = sorted(p for p in matched - excluded if p != root and (p / PROJECT).is_file())
        return cls(
            root, (root, *members) if _table(data, "project") else tuple(members), tuple(sorted(excluded))
        )

    def projects(self) -> list[Path]:
        """The pyproject.toml files the lock is made from: the root's and each member's."""
        return [self.root / PROJECT, *(m / PROJECT for m in self.members if m != self.root)]


def _matches(root: Path, glob: str) -> list[Path]:
    """The directories a member glob matches (relative to root)."""
    glob = glob.strip().rstrip("/")
    if not glob or glob.startswith("/") or ".." in Path(glob).parts:
        return []
    return sorted(path for path in root.glob(glob) if path.is_dir())


def above(app: Path, bound: Path) -> Workspace | None:
    """The uv workspace the app (a directory with a pyproject.toml) is a member of, when it has a
    uv.lock at its root inside bound; None when there is none, or it excludes the app. A
    BuildError when the workspace's members do not match the app's directory."""
    app, bound = app.resolve(), bound.resolve()
    for directory in app.parents:
        if directory != bound and bound not in directory.parents:
            return None
        data = _load(directory / PROJECT)
        if not _table(data, "tool", "uv", "workspace"):
            if _table(data, "project"):
                return None  # a project that holds the app (its tests, its examples), not a workspace
            continue
        if not (directory / LOCK).is_file():
            return None
        workspace = Workspace.at(directory)
        if app in workspace.members:
            return workspace
        if app in workspace.excluded:
            return None
        raise _not_a_member(app, workspace, bound)
    return None


def _not_a_member(app: Path, workspace: Workspace, bound: Path) -> BuildError:
    def shown(path: Path) -> str:
        return path.relative_to(bound).as_posix() or "."

    where, lock, directory = shown(workspace.root / PROJECT), shown(workspace.lock), shown(app)
    members = ", ".join(shown(m) for m in workspace.members) or "none"
    return BuildError(
        f"The app in {directory} is not a member of the uv workspace whose {LOCK} is {lock}",
        where=f"{where} [tool.uv.workspace] members",
        details=[
            f"The workspace's members: {members}.",
            f"The app has no dependency file of its own but {PROJECT}, and {lock} locks nothing for it.",
        ],
        fix=(
            f"Add '{directory}' to [tool.uv.workspace] members in {where} and run 'uv lock', or give\n"
            f"the app a lock of its own (add it to the workspace's exclude, then 'uv lock' in {directory})."
        ),
        code="app::not-a-workspace-member",
    )


def member_name(app: Path) -> str:
    """The member's package name ([project] name of its pyproject.toml), which uv export --package
    takes; a BuildError when it has none (uv needs one for every member)."""
    name = _table(_load(app / PROJECT), "project").get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    raise BuildError(
        f"{PROJECT} has no [project] name: the app is a uv workspace member, and uv names each by it",
        where=PROJECT,
        fix="Give it a [project] table with a name, then run 'uv lock' at the workspace's root.",
        code="lockfile::invalid",
    )
