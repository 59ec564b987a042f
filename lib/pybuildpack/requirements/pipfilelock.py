"""Pipfile.lock: checked against the Pipfile as `pipenv install --deploy` does (the lock records
the Pipfile's hash, `_meta.hash`) and turned into a requirements file of its `[packages]` (its
`default` section; `develop` too for bin/test-compile, and the categories the app selects, as
`pipenv install --categories` installs them): exact pins with their hashes and markers,
VCS, path and file requirements, the lock's indexes. No tool is needed: Pipfile.lock is JSON
that says everything, and the Pipfile's hash is pipenv's published algorithm (both its forms)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pybuildpack import nesting
from pybuildpack.errors import BuildError
from pybuildpack.requirements import lockvalues as values
from pybuildpack.requirements.lockformats import ExportRequest, LockReader
from pybuildpack.requirements.selection import Choices, names
from pybuildpack.toml import TOMLDecodeError, load_toml

LOCK = "Pipfile.lock"
PIPFILE = "Pipfile"
# The Pipfile's own sections: anything else is a package category (pipenv's hash covers them).
_SECTIONS = frozenset({"source", "packages", "dev-packages", "requires", "scripts", "pipfile", "pipenv"})
# the sections that are no package category (every other one is: [packages], [dev-packages], its own)
_NOT_CATEGORIES = _SECTIONS - {"packages", "dev-packages"}
_FIX = "Run 'pipenv lock' and commit Pipfile.lock (and the Pipfile)."
_LOCK = values.Place(LOCK, _FIX)


def _invalid(name: str, why: str) -> BuildError:
    return BuildError(
        f"{name} can't be read",
        where=name,
        details=[why],
        fix=_FIX,
        code="lockfile::invalid",
    )


def load_lock(app: Path) -> dict[str, Any]:
    """Pipfile.lock, parsed, with the types of its sections checked (a BuildError naming the key)."""
    try:
        data = nesting.loads_json((app / LOCK).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _invalid(LOCK, str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("default", {}), dict):
        raise _invalid(LOCK, "It is not a Pipfile.lock: no 'default' section of packages.")
    meta = values.field(_LOCK, data, "_meta", dict, {})
    values.field(_LOCK.at("_meta"), meta, "hash", dict, {})
    for number, source in enumerate(values.field(_LOCK.at("_meta"), meta, "sources", list, [])):
        values.table(_LOCK.at("_meta").at("sources").at(number), source)
    values.field(_LOCK.at("_meta"), meta, "requires", dict, {})
    for section in ("default", "develop"):
        for name, spec in values.field(_LOCK, data, section, dict, {}).items():
            values.table(_LOCK.at(section).at(name), spec)
    return data


def _meta(lock: dict[str, Any]) -> dict[str, Any]:
    return lock.get("_meta") or {}


def describe(app: Path) -> str:
    """The lock's format, for the report: "pipfile-spec 6"."""
    try:
        spec = _meta(load_lock(app)).get("pipfile-spec")
    except BuildError:
        return ""
    return f"pipfile-spec {spec}" if isinstance(spec, (int, str)) else ""


def load_pipfile(app: Path) -> dict[str, Any] | None:
    if not (app / PIPFILE).is_file():
        return None
    try:
        return load_toml(app / PIPFILE)
    except (OSError, UnicodeDecodeError, TOMLDecodeError) as exc:
        raise _invalid(PIPFILE, str(exc)) from exc


def check_files(app: Path) -> None:
    """Pipfile.lock (and the Pipfile, when there is one) parse, before anything is downloaded."""
    load_lock(app)
    load_pipfile(app)


def _section(entries: object, canonical: bool) -> object:
    if canonical and isinstance(entries, dict):
        return {canonicalize_name(str(k)): v for k, v in entries.items()}
    return entries


def pipfile_hashes(pipfile: dict[str, Any], default_sources: list[dict[str, Any]] | None) -> set[str]:
    """The Pipfile's hash as pipenv records it in _meta.hash: today's form (package names
    canonical, pipenv 2025 and later) and the earlier one (names as written). A Pipfile without
    [[source]] is hashed with the sources pipenv assumed for it (default_sources)."""
    sources = pipfile.get("source")
    if sources is None:
        sources = default_sources or []
    out = set()
    for canonical in (True, False):
        data: dict[str, Any] = {
            "_meta": {"sources": sources, "requires": pipfile.get("requires", {})},
            "default": _section(pipfile.get("packages", {}), canonical),
            "develop": _section(pipfile.get("dev-packages", {}), canonical),
        }
        for category, entries in pipfile.items():
            if category not in _SECTIONS and category not in ("default", "develop"):
                data[category] = _section(entries, canonical)
        content = json.dumps(data, sort_keys=True, separators=(",", ":"))
        out.add(hashlib.sha256(content.encode("utf-8")).hexdigest())
    return out


def assumed_sources(lock: dict[str, Any], default_index: str | None) -> list[list[dict[str, Any]]]:
    """What pipenv may have hashed as the sources of a Pipfile without [[source]]: its default
    index (pip's, or the index-url of the pip configuration where it locked, which the lock
    records as its first source), or every source the lock records."""
    recorded = [s for s in _meta(lock).get("sources") or [] if isinstance(s, dict)]
    candidates = [recorded[:1], recorded]
    if default_index:
        candidates.append([{"name": "pypi", "url": default_index, "verify_ssl": True}])
    return [c for c in candidates if c]


_SECTION_OF = {"packages": "default", "dev-packages": "develop"}


def _differences(pipfile: dict[str, Any], lock: dict[str, Any]) -> list[str]:
    """What the Pipfile asks for that the lock does not hold: a package it does not lock, or at a
    version outside the Pipfile's specifier, or other [requires]."""
    out = []
    for section, wanted in pipfile.items():
        if section in _NOT_CATEGORIES or not isinstance(wanted, dict):
            continue
        locked = lock.get(_SECTION_OF.get(section, section))
        locked = {
            canonicalize_name(str(k)): v for k, v in (locked if isinstance(locked, dict) else {}).items()
        }
        for name, asked in wanted.items():
            key = canonicalize_name(str(name))
            if key not in locked:
                out.append(f"{PIPFILE} asks for {key}, which {LOCK} does not lock")
                continue
            spec = asked.get("version") if isinstance(asked, dict) else asked
            have = locked[key].get("version") if isinstance(locked[key], dict) else None
            if not isinstance(spec, str) or spec.strip() in ("", "*") or not isinstance(have, str):
                continue
            try:
                fits = Version(have.lstrip("=")) in SpecifierSet(spec)
            except (InvalidSpecifier, InvalidVersion):
                continue
            if not fits:
                out.append(f"{PIPFILE} asks for {key}{spec}, {LOCK} locks {have.lstrip('=')}")
    if (pipfile.get("requires") or {}) != (_meta(lock).get("requires") or {}):
        out.append(f"{PIPFILE}'s [requires] is not the one {LOCK} records")
    return out


def check_current(app: Path, lock: dict[str, Any], default_index: str | None) -> None:
    """A Pipfile changed since the lock was made fails the build, as `pipenv install --deploy`.
    A Pipfile without [[source]] that no assumed source makes match (pipenv hashed the indexes of
    the pip configuration where it locked, which the lock does not record) is checked against the
    lock's packages instead."""
    pipfile = load_pipfile(app)
    if pipfile is None:
        return  # a Pipfile.lock alone: nothing to compare it with (pipenv installs it as well)
    found = _meta(lock).get("hash") or {}
    recorded = str(found.get("sha256", "")) if isinstance(found, dict) else ""
    candidates = assumed_sources(lock, default_index) if "source" not in pipfile else [[]]
    if any(recorded in pipfile_hashes(pipfile, sources) for sources in candidates):
        return
    differences = _differences(pipfile, lock)
    if "source" not in pipfile and not differences:
        return
    raise BuildError(
        f"{LOCK} is out of date: the {PIPFILE} changed since it was locked",
        where=LOCK,
        details=[
            *differences,
            f"{LOCK} records the {PIPFILE}'s hash ...{recorded[-6:] or '(none)'}, which no longer matches.",
        ],
        fix=f"Run 'pipenv lock' and commit {LOCK} (as 'pipenv install --deploy' requires).",
        code="lockfile::stale",
    )


def _line(key: str, spec: dict[str, Any], place: values.Place, app: Path, bound: Path) -> str:
    """One requirements line for a package of the lock, from its values, each checked."""
    name = values.name(place, key)
    extras = values.field(place, spec, "extras", list, [])
    extras_text = f"[{','.join(values.extras(place.at('extras'), extras))}]" if extras else ""
    marker = values.field(place, spec, "markers", str, "")
    markers = f" ; {values.marker(place.at('markers'), marker)}" if marker else ""
    editable = values.field(place, spec, "editable", bool, False)
    if "git" in spec:
        url = values.url(place.at("git"), spec["git"])
        url = url if url.startswith("git+") else f"git+{url}"
        ref = values.field(place, spec, "ref", str, "")
        ref = f"@{values.ref(place.at('ref'), ref)}" if ref else ""
        sub = values.field(place, spec, "subdirectory", str, "")
        sub = f"#subdirectory={values.ref(place.at('subdirectory'), sub)}" if sub else ""
        return f"{'-e ' if editable else ''}{name}{extras_text} @ {url}{ref}{sub}{markers}".strip()
    for key_name in ("path", "file"):
        if key_name not in spec:
            continue
        location = values.text(place.at(key_name), spec[key_name])
        if "://" in location and not location.startswith("file:"):
            return f"{name}{extras_text} @ {values.url(place.at(key_name), location)}{markers}"
        path = values.local_line_path(place.at(key_name), location, app, bound)
        return f"{'-e ' if editable else ''}{path}{extras_text}{markers}"
    version = values.specifier(place.at("version"), values.field(place, spec, "version", str, ""))
    hashes = "".join(f" --hash={h}" for h in values.hashes(place.at("hashes"), spec.get("hashes") or []))
    return f"{name}{extras_text}{version}{markers}{hashes}"


def _index_lines(lock: dict[str, Any]) -> list[str]:
    lines = []
    place = _LOCK.at("_meta").at("sources")
    for number, source in enumerate(_meta(lock).get("sources") or []):
        url = values.field(place.at(number), source, "url", str, "")
        if not url:
            continue
        url = values.url(place.at(number).at("url"), url)
        lines.append(f"{'--index-url' if number == 0 else '--extra-index-url'} {url}")
        if str(source.get("verify_ssl", True)).lower() == "false" and urlsplit(url).hostname:
            lines.append(f"--trusted-host {urlsplit(url).hostname}")
    return lines


def choices(app: Path) -> Choices:
    """The Pipfile's package categories: [dev-packages] and its own sections ([packages] is always
    installed); without a Pipfile, the lock's. A Pipfile declares no extras of the app."""
    pipfile = load_pipfile(app)
    if pipfile is not None:
        found = [name for name, value in pipfile.items() if name not in _SECTIONS and isinstance(value, dict)]
        file = PIPFILE
    else:
        lock = load_lock(app)
        found = [name for name in lock if name not in ("_meta", "default", "develop")]
        found += ["dev-packages"] if "develop" in lock else []
        file = LOCK
    categories = names(found)
    if pipfile is None or "dev-packages" in pipfile:
        categories.setdefault("dev-packages", "dev-packages")
    return Choices(
        file,
        categories,
        group_word="Pipenv category",
        default=frozenset({"packages", "default"}),
        where_groups="(its package categories)",
        notes=(
            "",
            'A Pipfile names the extras of a package in its entry: app = {file = ".", extras = ["redis"]}.',
        ),
        fix=", then run 'pipenv lock'",
    )


def declares(app: Path) -> frozenset[str] | None:
    """What the Pipfile declares: the packages of every category ([packages], [dev-packages], its
    own); None without a Pipfile (a lock alone does not say which of its packages were asked for)."""
    try:
        pipfile = load_pipfile(app)
    except BuildError:
        return None
    if pipfile is None:
        return None
    sections = [v for k, v in pipfile.items() if k not in _NOT_CATEGORIES]
    return frozenset(
        canonicalize_name(str(name)) for table in sections if isinstance(table, dict) for name in table
    )


def _check_not_empty(lock: dict[str, Any], pipfile: dict[str, Any] | None, develop: bool) -> None:
    """A lock that holds no package while the Pipfile asks for some is refused (a lock written by
    hand, or a section misspelt), rather than installing nothing."""
    wanted = [s for s in (("packages", "dev-packages") if develop else ("packages",))]
    asked = any((pipfile or {}).get(s) for s in wanted)
    if asked and not lock.get("default") and not (develop and lock.get("develop")):
        raise _LOCK.error(
            "it locks no package, while the Pipfile asks for some",
            f"{LOCK}'s 'default' section is empty or missing.",
        )


def export(
    app: Path,
    target: Path,
    default_index: str | None,
    *,
    develop: bool = False,
    bound: Path | None = None,
    categories: tuple[str, ...] = (),
) -> None:
    """The lock's [packages] (and [dev-packages] when develop, and categories, as the Pipfile names
    them) as a requirements file at target. bound: the directory local paths must be in (the
    build directory; the app by default)."""
    lock = load_lock(app)
    _check_not_empty(lock, load_pipfile(app), develop)
    check_current(app, lock, default_index)
    sections = ["default", *(["develop"] if develop else []), *(_SECTION_OF.get(c, c) for c in categories)]
    packages: dict[str, tuple[str, Any]] = {}
    for section in dict.fromkeys(sections):
        for name, spec in values.field(_LOCK, lock, section, dict, {}).items():
            packages.setdefault(name, (section, values.table(_LOCK.at(section).at(name), spec)))
    lines = _index_lines(lock)
    limit = bound or app
    lines += [
        _line(name, spec, _LOCK.at(section).at(name), app, limit)
        for name, (section, spec) in packages.items()
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n")


def _export(request: ExportRequest) -> None:
    export(
        request.app,
        request.target,
        request.default_index,
        develop=request.groups,
        bound=request.bound,
        categories=request.selection.groups,
    )


READER = LockReader(
    kind="pipenv",
    command="pipenv lock",
    check=check_files,
    inputs=lambda app: [app / PIPFILE],
    export=_export,
    choices=choices,
    describe=describe,
    declares=declares,
)
