"""poetry.lock: checked against pyproject.toml as `poetry check --lock` does (the lock records a
hash of the pyproject's dependency tables, `content-hash`) and turned into a requirements file of
the main group and the groups and extras the app selects, as `poetry sync --only main,GROUP
--extras EXTRA` installs them (every group for bin/test-compile): each package at its locked
version with its hashes and the marker under which the groups need it; path, file, URL and git
dependencies; the lock's indexes, with credentials from Poetry's config vars. No tool is needed:
a lock of format 2.1 (Poetry 2) records each package's groups and markers, so the set to install
is read, not solved; one of format 2.0 (Poetry 1.5 to 1.8) is walked from the project's
dependencies for the target."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker, default_environment
from packaging.utils import canonicalize_name

from pybuildpack.errors import BuildError
from pybuildpack.requirements import lockvalues as values
from pybuildpack.requirements.locked import credential_names, load_toml_file, package_lines, with_credentials
from pybuildpack.requirements.lockformats import ExportRequest, LockReader, standard_declares
from pybuildpack.requirements.selection import NOTHING, Choices, Selection, names
from pybuildpack.toml import TOMLDecodeError, load_toml

LOCK = "poetry.lock"
PROJECT = "pyproject.toml"
_LEGACY_KEYS = ("dependencies", "source", "extras", "dev-dependencies")
_RELEVANT_KEYS = (*_LEGACY_KEYS, "group")
_PROJECT_KEYS = ("requires-python", "dependencies", "optional-dependencies")
_FIX = "Run 'poetry lock' and commit poetry.lock."
_LOCK = values.Place(LOCK, _FIX)


def _load(path: Path) -> dict[str, Any]:
    return load_toml_file(path, LOCK, PROJECT, "poetry lock")


def check_files(app: Path) -> None:
    """poetry.lock (of a format this reads) and pyproject.toml parse, before any download."""
    lock = _load(app / LOCK)
    project = _load(app / PROJECT)
    _check_project(project)
    version = str(values.field(_LOCK, lock, "metadata", dict, {}).get("lock-version", ""))
    parts = version.split(".")
    numbers = tuple(int(p) for p in parts if p.isdigit())
    if len(numbers) != 2 or len(parts) != 2 or numbers < (2, 0):
        raise BuildError(
            f"{LOCK} is of lock-version {version or '(none)'}: the buildpack reads 2.0 and later",
            where=LOCK,
            details=["Poetry 1.5 and later write lock-version 2.0 or 2.1, with each package's hashes."],
            fix="Run 'poetry lock' with a current Poetry and commit poetry.lock.",
            code="lockfile::invalid",
        )
    packages(app, lock)


def _check_project(project: dict[str, Any]) -> None:
    """The tables of pyproject.toml this reads are tables (a BuildError naming the key)."""
    place = values.Place(PROJECT, "Fix pyproject.toml, then run 'poetry lock'.")
    table = values.field(place, project, "project", dict, {})
    values.field(place.at("project"), table, "dependencies", list, [])
    values.field(place, project, "dependency-groups", dict, {})
    tool = values.field(place, project, "tool", dict, {})
    poetry = values.field(place.at("tool"), tool, "poetry", dict, {})
    where = place.at("tool").at("poetry")
    for key in ("dependencies", "dev-dependencies", "group", "extras"):
        values.field(where, poetry, key, dict, {})
    for name, group in values.field(where, poetry, "group", dict, {}).items():
        values.field(
            where.at("group"), values.table(where.at("group").at(name), group), "dependencies", dict, {}
        )


def choices(app: Path) -> Choices:
    """pyproject.toml's groups ([tool.poetry.group.NAME], [dependency-groups], 'dev' for Poetry 1's
    dev-dependencies; 'main' is always installed) and extras ([project.optional-dependencies],
    [tool.poetry.extras]); checked by check_files."""
    project = _load(app / PROJECT)
    poetry = (project.get("tool") or {}).get("poetry") or {}
    groups = {**names(project.get("dependency-groups") or {}), **names(poetry.get("group") or {})}
    if poetry.get("dev-dependencies"):
        groups.setdefault("dev", "dev")
    extras = {
        **names((project.get("project") or {}).get("optional-dependencies") or {}),
        **names(poetry.get("extras") or {}),
    }
    return Choices(
        PROJECT,
        groups,
        extras,
        group_word="Poetry group",
        default=frozenset({"main"}),
        where_groups="([tool.poetry.group.NAME], [dependency-groups])",
        where_extras="([project.optional-dependencies], [tool.poetry.extras])",
        fix=", then run 'poetry lock'",
    )


def declares(app: Path) -> frozenset[str] | None:
    """What pyproject.toml declares: the standard tables (Poetry 2), and Poetry's own: the package
    ([tool.poetry] name), [tool.poetry.dependencies] (but python), every group's and Poetry 1's
    dev-dependencies."""
    try:
        project = load_toml(app / PROJECT)
    except (OSError, TOMLDecodeError):
        return None
    poetry = (project.get("tool") or {}).get("poetry") or {}
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [(group or {}).get("dependencies") for group in (poetry.get("group") or {}).values()]
    named = [name for table in tables if isinstance(table, dict) for name in table if name != "python"]
    if poetry.get("name"):
        named.append(poetry["name"])
    return frozenset(standard_declares(project) | {canonicalize_name(str(name)) for name in named})


def _declares_dependencies(project: dict[str, Any]) -> bool:
    """Whether pyproject.toml asks for any package (besides Python itself)."""
    table = project.get("project") or {}
    poetry = (project.get("tool") or {}).get("poetry") or {}
    named = [k for k in (poetry.get("dependencies") or {}) if k != "python"]
    return bool(table.get("dependencies") or named)


def packages(app: Path, lock: dict[str, Any]) -> list[tuple[values.Place, dict[str, Any]]]:
    """The lock's packages, each with its place (its line) and the types of its values checked."""
    found = lock.get("package", [])
    if not isinstance(found, list):
        kind = "a table ([package])" if isinstance(found, dict) else "a value"
        raise _LOCK.at("package").error(
            f"'package' must be an array of tables ([[package]]), not {kind}",
            "Each package of a poetry.lock is a [[package]] table.",
        )
    lines = package_lines(app / LOCK)
    out = []
    for number, package in enumerate(found):
        where = _LOCK.at("package").at(number)
        package = values.table(where, package)
        name = values.name(where.at("name"), package.get("name"))
        place = values.Place(LOCK, _FIX, (f"package {name}",), lines.get(name))
        values.version(place.at("version"), package.get("version"))
        source = values.field(place, package, "source", dict, {})
        for key in ("type", "url", "reference", "resolved_reference", "subdirectory"):
            values.field(place.at("source"), source, key, str, "")
        for index, item in enumerate(values.field(place, package, "files", list, [])):
            values.field(
                place.at("files").at(index), values.table(place.at("files").at(index), item), "hash", str, ""
            )
        markers = package.get("markers")
        if isinstance(markers, dict):
            for group, marker in markers.items():
                values.marker(place.at("markers").at(group), marker)
        elif markers is not None:
            values.marker(place.at("markers"), markers)
        values.texts(place.at("groups"), package.get("groups") or [])
        values.field(place, package, "optional", bool, False)
        values.field(place, package, "develop", bool, False)
        values.field(place, package, "dependencies", dict, {})
        for extra, items in values.field(place, package, "extras", dict, {}).items():
            values.texts(place.at("extras").at(extra), items)
        out.append((place, package))
    return out


def describe(app: Path) -> str:
    """Which Poetry made the lock, for the report: "lock made by Poetry 2.5.1, lock-version 2.1"."""
    try:
        first = (app / LOCK).read_text(errors="replace").splitlines()[0]
        metadata = load_toml(app / LOCK).get("metadata")
        version = str(metadata.get("lock-version", "")) if isinstance(metadata, dict) else ""
    except (OSError, IndexError, TOMLDecodeError):
        return ""
    made = first.split("Poetry ", 1)[1].split()[0] if "Poetry " in first else ""
    by = f"lock made by Poetry {made}" if made else ""
    return ", ".join(part for part in (by, f"lock-version {version}" if version else "") if part)


def content_hashes(project: dict[str, Any]) -> set[str]:
    """pyproject.toml's hash as Poetry records it in content-hash (Poetry 2.3 and later; and
    without [dependency-groups], as earlier versions of Poetry 2 made it)."""
    out = set()
    for with_groups in (True, False):
        table = project.get("project") or {}
        groups = (project.get("dependency-groups") or {}) if with_groups else {}
        poetry = (project.get("tool") or {}).get("poetry") or {}
        relevant_project = {key: table[key] for key in _PROJECT_KEYS if table.get(key) is not None}
        relevant_poetry = {}
        for key in _RELEVANT_KEYS:
            data = poetry.get(key)
            if data is None and (key not in _LEGACY_KEYS or relevant_project or groups):
                continue
            relevant_poetry[key] = data
        content: dict[str, Any] = {}
        if relevant_project:
            content["project"] = relevant_project
        if groups:
            content["dependency-groups"] = groups
        if content:
            content["tool"] = {"poetry": relevant_poetry}
        else:
            content = relevant_poetry
        out.add(hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest())
    return out


def _stale(lock: dict[str, Any], project: dict[str, Any]) -> None:
    recorded = str((lock.get("metadata") or {}).get("content-hash", ""))
    if recorded in content_hashes(project):
        return
    raise BuildError(
        f"{LOCK} is out of date: {PROJECT} changed since it was locked",
        where=LOCK,
        details=[
            f"{LOCK} records content-hash ...{recorded[-6:] or '(none)'}; {PROJECT} now hashes otherwise."
        ],
        fix=f"Run 'poetry lock' and commit {LOCK} (as 'poetry check --lock' requires).",
        code="lockfile::stale",
    )


_EXTRA = re.compile(r"\bextra\s*[=!]=|[=!]=\s*extra\b")


def _marker(
    package: dict[str, Any], groups: set[str] | None, extras: tuple[str, ...], environment: Mapping[str, str]
) -> str | None:
    """The marker under which the groups need the package ("" always, None never). With extras
    selected, a marker that names an extra is decided here, for the target environment: the
    package is needed (an optional one too) when it holds for one of them (pip would see no
    extra: the app's own extras are not its requirements')."""
    wanted = set(package.get("groups") or ["main"])
    if groups is not None:
        wanted &= groups
    if not wanted:
        return None
    markers = package.get("markers")
    if isinstance(markers, dict):
        found = [str(markers[g]) for g in sorted(wanted) if g in markers]
        if len(found) < len(wanted):
            marker = ""  # a group that needs it always
        else:
            marker = found[0] if len(found) == 1 else " or ".join(f"({m})" for m in found)
    else:
        marker = str(markers or "")
    if extras and _EXTRA.search(marker):
        try:
            parsed = Marker(marker)
        except InvalidMarker:
            return None if package.get("optional") else marker  # the line's check names it
        holds = any(parsed.evaluate({**environment, "extra": extra}) for extra in ("", *extras))
        return "" if holds else None
    return None if package.get("optional") else marker


def _index_url(url: str, name: str, config: dict[str, str]) -> str:
    """A source's URL, with ${VAR} credentials when the app sets Poetry's config vars for it
    (POETRY_HTTP_BASIC_<NAME>_USERNAME / _PASSWORD)."""
    return with_credentials(url, credential_names("POETRY_HTTP_BASIC", name), config)


def _line(package: dict[str, Any], marker: str, place: values.Place, app: Path, bound: Path) -> str:
    """One requirements line for a package (checked by packages()), each value checked for its form."""
    name, version = canonicalize_name(str(package["name"])), str(package["version"])
    source = package.get("source") or {}
    kind, url = source.get("type"), str(source.get("url", ""))
    tail = f" ; {marker}" if marker else ""
    at = place.at("source").at("url")
    if kind in ("directory", "file", "url") and (
        url.startswith("file:") or (kind != "url" and "://" not in url)
    ):
        path = values.local_line_path(at, url, app, bound)
        return f"{'-e ' if kind == 'directory' and package.get('develop') else ''}{path}{tail}"
    if kind in ("file", "url"):
        return f"{name} @ {values.url(at, url)}{tail}"
    if kind == "git":
        ref = source.get("resolved_reference") or source.get("reference") or ""
        ref = values.ref(place.at("source").at("resolved_reference"), ref) if ref else ""
        sub = source.get("subdirectory") or ""
        sub = f"#subdirectory={values.ref(place.at('source').at('subdirectory'), sub)}" if sub else ""
        git = values.url(at, url)
        git = git if git.startswith("git+") else f"git+{git}"
        return f"{name} @ {git}{'@' + ref if ref else ''}{sub}{tail}"
    hashes = [
        values.hash_value(place.at("files").at(index), f["hash"])
        for index, f in enumerate(package.get("files") or [])
        if f.get("hash")
    ]
    return f"{name}=={version}{tail}{''.join(f' --hash={h}' for h in hashes)}"


def _specs(value: object) -> list[dict[str, Any]]:
    """A dependency's constraints: "1.2", {version, markers, optional, extras, ...}, or a list."""
    items = value if isinstance(value, list) else [value]
    return [item if isinstance(item, dict) else {"version": str(item)} for item in items]


def _holds(spec: dict[str, Any], environment: Mapping[str, str], extras: set[str]) -> bool:
    marker = spec.get("markers")
    if not marker:
        return True
    try:
        parsed = Marker(str(marker))
    except InvalidMarker:
        return True  # pip decides, as it would
    return any(parsed.evaluate({**environment, "extra": extra}) for extra in {"", *extras})


def _extra_names(package: dict[str, Any], extras: set[str]) -> set[str]:
    """The dependencies the package's requested extras list ("argon2-cffi (>=19.1.0)")."""
    listed = package.get("extras") or {}
    return {
        canonicalize_name(re.split(r"[\s(\[;<>=!~]", str(item), maxsplit=1)[0])
        for extra in extras
        for item in listed.get(extra, [])
    }


def _walked(
    lock: dict[str, Any],
    project: dict[str, Any],
    groups: set[str] | None,
    extras: tuple[str, ...],
    environment: Mapping[str, str],
) -> set[str]:
    """For a lock of format 2.0 (Poetry 1.5 to 1.8), which records no groups: the packages the
    project's main dependencies (and the groups', every one when groups is None) need for the
    target, with the optional ones its extras name, walked through each package's dependencies,
    their markers and extras, as Poetry installs them."""
    poetry = (project.get("tool") or {}).get("poetry") or {}
    tables = [poetry.get("dependencies") or {}]
    if groups is None or "dev" in groups:
        tables.append(poetry.get("dev-dependencies") or {})
    tables += [
        (g or {}).get("dependencies") or {}
        for name, g in (poetry.get("group") or {}).items()
        if groups is None or name in groups
    ]
    chosen = _extra_names(poetry, set(extras))  # the project's optional dependencies they name
    by_name: dict[str, dict[str, Any]] = {}
    for package in lock.get("package") or []:
        if isinstance(package, dict) and package.get("name"):
            by_name.setdefault(canonicalize_name(str(package["name"])), package)
    queue: list[tuple[str, set[str]]] = []
    for table in tables:
        for name, value in table.items():
            for spec in _specs(value):
                optional = spec.get("optional") and canonicalize_name(name) not in chosen
                if name != "python" and not optional and _holds(spec, environment, set()):
                    queue.append((canonicalize_name(name), set(spec.get("extras") or [])))
    wanted: dict[str, set[str]] = {}
    while queue:
        name, extras = queue.pop()
        package = by_name.get(name)
        if package is None or (name in wanted and extras <= wanted[name]):
            continue
        wanted.setdefault(name, set()).update(extras)
        chosen = _extra_names(package, wanted[name])
        for dep, value in (package.get("dependencies") or {}).items():
            for spec in _specs(value):
                if spec.get("optional") and canonicalize_name(dep) not in chosen:
                    continue
                if _holds(spec, environment, wanted[name]):
                    queue.append((canonicalize_name(dep), set(spec.get("extras") or [])))
    return set(wanted)


def export(
    app: Path,
    target: Path,
    config: dict[str, str],
    *,
    all_groups: bool = False,
    environment: Mapping[str, str] | None = None,
    bound: Path | None = None,
    selection: Selection = NOTHING,
) -> None:
    """The main group's packages and the selection's groups and extras (every group's when
    all_groups) as a requirements file. environment: the target's marker values (a lock of format
    2.0 is walked for it, markers that name an extra are decided for it); bound: the directory
    local paths must be in (the build directory; the app by default)."""
    lock = _load(app / LOCK)
    project = _load(app / PROJECT)
    _check_project(project)
    _stale(lock, project)
    checked = packages(app, lock)
    if not checked and _declares_dependencies(project):
        raise _LOCK.error(
            f"it locks no package, while {PROJECT} asks for some",
            f"{LOCK} has no [[package]] table.",
        )
    groups = None if all_groups else {"main", *selection.groups}
    target_environment = dict(environment or default_environment())
    lines: list[str] = []
    walked = None
    if str((lock.get("metadata") or {}).get("lock-version", "")) == "2.0":
        walked = _walked(lock, project, groups, selection.extras, target_environment)
    indexes: dict[str, str] = {}
    default = False
    body = []
    for place, package in checked:
        if walked is not None:
            marker = "" if canonicalize_name(str(package["name"])) in walked else None
        else:
            marker = _marker(package, groups, selection.extras, target_environment)
        if marker is None:
            continue
        marker = values.marker(place.at("markers"), marker) if marker else ""
        source = package.get("source") or {}
        if source.get("type") == "legacy":
            url = values.url(place.at("source").at("url"), source.get("url"))
            indexes.setdefault(url, str(source.get("reference", "")))
        elif not source:
            default = True
        body.append(_line(package, marker, place, app, bound or app))
    for number, (url, name) in enumerate(indexes.items()):
        option = "--index-url" if number == 0 and not default else "--extra-index-url"
        lines.append(f"{option} {_index_url(url, name, config)}")
    poetry = (project.get("tool") or {}).get("poetry") or {}
    if poetry.get("package-mode", True) and (app / PROJECT).is_file() and _is_package(project):
        body.append(".")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([*lines, *body]) + "\n")


def _is_package(project: dict[str, Any]) -> bool:
    """Whether the project itself is installed (Poetry's package mode, the default)."""
    return bool(project.get("build-system") or ((project.get("tool") or {}).get("poetry") or {}).get("name"))


def _export(request: ExportRequest) -> None:
    export(
        request.app,
        request.target,
        dict(request.config),
        all_groups=request.groups,
        environment=request.environment,
        bound=request.bound,
        selection=request.selection,
    )


READER = LockReader(
    kind="poetry",
    command="poetry lock",
    check=check_files,
    inputs=lambda app: [app / PROJECT],
    export=_export,
    choices=choices,
    describe=describe,
    declares=declares,
)
