"""uv.lock: checked against pyproject.toml, and exported by uv itself (tools/uv.py's Uv.export: the
packages of the default dependencies for the target, no dependency groups but those selected, the
app's own package when it is one, with the extras selected; a uv workspace member's own, uv export
--package, requirements/uvworkspace.py), what uv said read here, and the credentials of the app's
indexes added, for requirements/locked.py to read into the graph. A workspace's lock is made from
the root's and every member's pyproject.toml (its inputs)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.errors import BuildError
from pybuildpack.requirements import lockvalues as values
from pybuildpack.requirements.localpaths import outside
from pybuildpack.requirements.locked import credential_names, load_toml_file, with_credentials
from pybuildpack.requirements.lockformats import (
    ExportRequest,
    LockReader,
    requirement_names,
    standard_declares,
)
from pybuildpack.requirements.selection import Choices, names
from pybuildpack.requirements.uvworkspace import Workspace
from pybuildpack.toml import TOMLDecodeError, load_toml

LOCK = "uv.lock"
PROJECT = "pyproject.toml"
_LOCK = values.Place(LOCK, "Run 'uv lock' and commit uv.lock.")
_PROJECT = values.Place(PROJECT, "Fix pyproject.toml, then run 'uv lock'.")


def _load(path: Path) -> dict[str, Any]:
    return load_toml_file(path, LOCK, PROJECT, "uv lock")


def check_files(app: Path) -> None:
    """uv.lock and pyproject.toml parse, and the parts of them the build reads have their types
    (before anything is downloaded); a lock with no package while the project asks for some is
    refused."""
    lock = _load(app / LOCK)
    project = _load(app / PROJECT)
    if not isinstance(lock.get("package", []), list) or "version" not in lock:
        raise BuildError(
            f"{LOCK} is not a uv lock file",
            where=LOCK,
            details=["Its packages are [[package]] tables, and it records its 'version'."],
            fix="Run 'uv lock' and commit uv.lock.",
            code="lockfile::invalid",
        )
    packages = _packages(lock)
    table = values.field(_PROJECT, project, "project", dict, {})
    dependencies = values.field(_PROJECT.at("project"), table, "dependencies", list, [])
    tool = values.field(_PROJECT, project, "tool", dict, {})
    uv = values.field(_PROJECT.at("tool"), tool, "uv", dict, {})
    for number, index in enumerate(values.field(_PROJECT.at("tool").at("uv"), uv, "index", list, [])):
        values.table(_PROJECT.at("tool").at("uv").at("index").at(number), index)
    if not packages and dependencies:
        raise _LOCK.error(
            f"it locks no package, while {PROJECT} asks for some", f"{LOCK} has no [[package]] table."
        )


def choices(app: Path) -> Choices:
    """The dependency groups ([dependency-groups], and uv's older tool.uv.dev-dependencies as
    'dev') and extras ([project.optional-dependencies]) of pyproject.toml (checked by check_files)."""
    project = _load(app / PROJECT)
    groups = names(project.get("dependency-groups") or {})
    if ((project.get("tool") or {}).get("uv") or {}).get("dev-dependencies"):
        groups.setdefault("dev", "dev")
    extras = names((project.get("project") or {}).get("optional-dependencies") or {})
    return Choices(
        PROJECT,
        groups,
        extras,
        where_groups="[dependency-groups]",
        where_extras="[project.optional-dependencies]",
        fix=", then run 'uv lock'",
    )


def declares(root: Path) -> frozenset[str] | None:
    """What the projects the lock is made from declare (the app's pyproject.toml, or a uv
    workspace's root and members'): the standard tables, and uv's older tool.uv.dev-dependencies."""
    found: set[str] = set()
    for path in Workspace.at(root).projects():
        try:
            project = load_toml(path)
        except (OSError, TOMLDecodeError):
            return None
        found |= standard_declares(project)
        found |= requirement_names(
            ((project.get("tool") or {}).get("uv") or {}).get("dev-dependencies") or []
        )
    return frozenset(found)


def _packages(lock: dict[str, Any]) -> list[dict[str, Any]]:
    """The lock's [[package]] tables, with the values the build reads checked for their types."""
    out = []
    for number, package in enumerate(values.array(_LOCK.at("package"), lock.get("package", []))):
        place = _LOCK.at("package").at(number)
        package = values.table(place, package)
        values.field(place, package, "name", str, "")
        metadata = values.field(place, package, "metadata", dict, {})
        for item_number, item in enumerate(
            values.field(place.at("metadata"), metadata, "requires-dist", list, [])
        ):
            values.table(place.at("metadata").at("requires-dist").at(item_number), item)
        out.append(package)
    return out


def _requirements(items: list[Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        try:
            req = Requirement(str(item))
        except InvalidRequirement:
            continue
        out[canonicalize_name(req.name)] = str(req.specifier)
    return out


def _locked_requirements(items: list[Any]) -> dict[str, str]:
    return {
        canonicalize_name(str(item.get("name", ""))): str(item.get("specifier", ""))
        for item in items
        if item.get("name")
    }


def _stale_project(project: dict[str, Any], shown: str, packages: list[Any]) -> list[str]:
    """What one project of the lock (its pyproject.toml, shown as shown) asks for that the lock
    was not made for."""
    table = project.get("project") or {}
    name = canonicalize_name(str(table.get("name", "")))
    root = next((p for p in packages if canonicalize_name(str(p.get("name", ""))) == name), None)
    if root is None:
        return [f"{LOCK} has no package '{table.get('name', '')}', the project {shown} names"]
    metadata = root.get("metadata") or {}
    wanted = _requirements(list(table.get("dependencies") or []))
    locked = _locked_requirements(list(metadata.get("requires-dist") or []))
    out = []
    for dep in sorted(set(wanted) | set(locked)):
        if dep not in locked:
            out.append(f"{shown} asks for {dep}{wanted[dep]}, which {LOCK} does not lock")
        elif dep not in wanted:
            out.append(f"{LOCK} locks {dep}, which {shown} no longer asks for")
        elif wanted[dep] != locked[dep]:
            asked, made = wanted[dep] or "any", locked[dep] or "any"
            out.append(f"{dep}: {shown} asks for '{asked}', {LOCK} was made for '{made}'")
    return out


def what_is_stale(root: Path) -> list[str]:
    """What the pyproject.toml files a lock is made from (the project's, or a uv workspace's root
    and members') ask for that uv.lock was not made for (best effort: [] when it can't tell)."""
    projects = Workspace.at(root).projects()
    try:
        lock = load_toml(root / LOCK)
        read = [(load_toml(path), path.relative_to(root).as_posix()) for path in projects]
    except (OSError, TOMLDecodeError):
        return []
    packages = lock.get("package", [])
    out = []
    for project, shown in read:
        if project.get("project") or len(read) == 1:
            out += _stale_project(project, shown, packages)
    if len(read) == 1:
        table = read[0][0].get("project") or {}
        asked, made = str(table.get("requires-python", "")), str(lock.get("requires-python", ""))
        if asked != made:
            out.append(f"requires-python: {PROJECT} says '{asked}', {LOCK} was made for '{made}'")
    return out


def _add_credentials(app: Path, target: Path, config: Mapping[str, str]) -> None:
    """The export's index lines, with ${VAR} credentials where the app sets uv's config vars for
    an index of [[tool.uv.index]] (UV_INDEX_<NAME>_USERNAME / _PASSWORD)."""
    try:
        indexes = ((load_toml(app / PROJECT).get("tool") or {}).get("uv") or {}).get("index") or []
    except (OSError, TOMLDecodeError):
        return
    names = {str(i.get("url", "")).rstrip("/"): str(i.get("name", "")) for i in indexes if i.get("name")}
    lines = target.read_text().splitlines()
    for number, line in enumerate(lines):
        option, _, url = line.partition(" ")
        if option in ("--index-url", "--extra-index-url") and url.rstrip("/") in names:
            variables = credential_names("UV_INDEX", names[url.rstrip("/")])
            lines[number] = f"{option} {with_credentials(url, variables, config)}"
    target.write_text("\n".join(lines) + "\n")


# The keys of a [[package]]'s source that name a local path (relative to the lock's directory).
_LOCAL_SOURCES = ("directory", "editable", "path", "virtual")


def _check_local_sources(app: Path, bound: Path) -> None:
    """Every local path a package's source gives is inside bound, before uv reads any of them: a
    path outside the app is refused naming the lock's package, whether it exists or not (uv's
    own error for a missing one names only the path)."""
    lock = _load(app / LOCK)
    for number, package in enumerate(_packages(lock)):
        source = package.get("source", {})
        if not isinstance(source, dict):
            continue
        place = _LOCK.at("package").at(number).at("source")
        for key in _LOCAL_SOURCES:
            if key in source:
                written = values.text(place.at(key), source[key])
                resolved = (app / written).resolve()
                if outside(resolved, bound):
                    values.local_path(place.at(key), written, app, bound)


def _export(request: ExportRequest) -> None:
    """uv's export of the lock (request.tool: uv) for the runtime (None: no check of the lock
    against pyproject.toml, for bin/plan, which has no runtime), with the app's index credentials;
    a BuildError that says what is wrong with the lock when uv refuses it (or before, for a local
    path outside the app)."""
    _check_local_sources(request.app, request.bound)
    if request.tool is None:
        raise RuntimeError("uv.lock is exported by uv, and no uv was given")
    target = request.target
    target.parent.mkdir(parents=True, exist_ok=True)
    package = request.package
    result = request.tool.export(
        request.app,
        request.python,
        target,
        groups=request.groups,
        selection=request.selection,
        package=package,
    )
    if result.returncode == 0 and target.is_file():
        _add_credentials(request.app, target, request.config)
        return
    app = request.app
    said = [line for line in result.tail if line.strip()]
    if any("needs to be updated" in line for line in said):
        stale = what_is_stale(app)
        raise BuildError(
            f"{LOCK} is out of date: it no longer matches {PROJECT}",
            where=LOCK,
            details=stale or said[-6:],
            fix=f"Run 'uv lock' and commit {LOCK} (and {PROJECT}).",
            code="lockfile::stale",
        )
    if any("incompatible with the project's Python requirement" in line for line in said):
        raise BuildError(
            f"The Python version chosen for the build does not satisfy {PROJECT}'s requires-python",
            where=f"{PROJECT} [project] requires-python",
            details=said[-6:],
            fix="Make .python-version and requires-python agree, then run 'uv lock'.",
            code="python-version::incompatible",
        )
    raise BuildError(
        f"uv could not export the packages {LOCK} locks",
        where=LOCK,
        details=said[-12:] or [f"uv exited with status {result.returncode}"],
        fix=f"Check that 'uv export --locked' works in the app's directory, then commit {LOCK}.",
        code="lockfile::export-failed",
    )


READER = LockReader(
    kind="uv",
    command="uv lock",
    check=check_files,
    inputs=lambda root: Workspace.at(root).projects(),
    export=_export,
    choices=choices,
    tool="uv",
    declares=declares,
)
