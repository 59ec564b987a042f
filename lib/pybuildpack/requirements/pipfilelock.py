"""Pipfile.lock: checked against the Pipfile as `pipenv install --deploy` does (the lock records
the Pipfile's hash, `_meta.hash`) and turned into a requirements file of its `[packages]` (its
`default` section; `develop` too for bin/test-compile): exact pins with their hashes and markers,
VCS, path and file requirements, the lock's indexes. No tool is needed: Pipfile.lock is JSON
that says everything, and the Pipfile's hash is pipenv's published algorithm (both its forms)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from packaging.utils import canonicalize_name

from pybuildpack.errors import BuildError
from pybuildpack.toml import TOMLDecodeError, load_toml

LOCK = "Pipfile.lock"
PIPFILE = "Pipfile"
# The Pipfile's own sections: anything else is a package category (pipenv's hash covers them).
_SECTIONS = frozenset({"source", "packages", "dev-packages", "requires", "scripts", "pipfile", "pipenv"})


def _invalid(name: str, why: str) -> BuildError:
    return BuildError(
        f"{name} can't be read",
        where=name,
        details=[why],
        fix="Run 'pipenv lock' and commit Pipfile.lock (and the Pipfile).",
        code="lockfile::invalid",
    )


def load_lock(app: Path) -> dict[str, Any]:
    try:
        data = json.loads((app / LOCK).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _invalid(LOCK, str(exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("default", {}), dict):
        raise _invalid(LOCK, "It is not a Pipfile.lock: no 'default' section of packages.")
    return data


def describe(app: Path) -> str:
    """The lock's format, for the report: "pipfile-spec 6"."""
    try:
        spec = (load_lock(app).get("_meta") or {}).get("pipfile-spec")
    except BuildError:
        return ""
    return f"pipfile-spec {spec}" if spec is not None else ""


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


def _section(values: object, canonical: bool) -> object:
    if canonical and isinstance(values, dict):
        return {canonicalize_name(str(k)): v for k, v in values.items()}
    return values


def pipfile_hashes(pipfile: dict[str, Any], default_source: dict[str, Any] | None) -> set[str]:
    """The Pipfile's hash as pipenv records it in _meta.hash: today's form (package names
    canonical, pipenv 2025 and later) and the earlier one (names as written)."""
    sources = pipfile.get("source")
    if sources is None:
        sources = [default_source] if default_source else []
    out = set()
    for canonical in (True, False):
        data: dict[str, Any] = {
            "_meta": {"sources": sources, "requires": pipfile.get("requires", {})},
            "default": _section(pipfile.get("packages", {}), canonical),
            "develop": _section(pipfile.get("dev-packages", {}), canonical),
        }
        for category, values in pipfile.items():
            if category not in _SECTIONS and category not in ("default", "develop"):
                data[category] = _section(values, canonical)
        content = json.dumps(data, sort_keys=True, separators=(",", ":"))
        out.add(hashlib.sha256(content.encode("utf-8")).hexdigest())
    return out


def _changed_packages(pipfile: dict[str, Any], lock: dict[str, Any]) -> list[str]:
    """What the Pipfile's [packages] asks for that the lock has not (best effort)."""
    wanted = {canonicalize_name(k) for k in (pipfile.get("packages") or {})}
    locked = {canonicalize_name(k) for k in (lock.get("default") or {})}
    return [f"{PIPFILE} asks for {name}, which {LOCK} does not lock" for name in sorted(wanted - locked)]


def check_current(app: Path, lock: dict[str, Any], default_index: str | None) -> None:
    """A Pipfile changed since the lock was made fails the build, as `pipenv install --deploy`."""
    pipfile = load_pipfile(app)
    if pipfile is None:
        return  # a Pipfile.lock alone: nothing to compare it with (pipenv installs it as well)
    recorded = str(((lock.get("_meta") or {}).get("hash") or {}).get("sha256", ""))
    default_source = {"name": "pypi", "url": default_index, "verify_ssl": True} if default_index else None
    if recorded in pipfile_hashes(pipfile, default_source):
        return
    raise BuildError(
        f"{LOCK} is out of date: the {PIPFILE} changed since it was locked",
        where=LOCK,
        details=[
            *_changed_packages(pipfile, lock),
            f"{LOCK} records the {PIPFILE}'s hash ...{recorded[-6:] or '(none)'}, which no longer matches.",
        ],
        fix=f"Run 'pipenv lock' and commit {LOCK} (as 'pipenv install --deploy' requires).",
        code="lockfile::stale",
    )


def _line(name: str, spec: dict[str, Any]) -> str:
    """One requirements line for a package of the lock."""
    extras = f"[{','.join(spec['extras'])}]" if spec.get("extras") else ""
    markers = f" ; {spec['markers']}" if spec.get("markers") else ""
    if "git" in spec:
        url = str(spec["git"])
        url = url if url.startswith("git+") else f"git+{url}"
        ref = f"@{spec['ref']}" if spec.get("ref") else ""
        sub = f"#subdirectory={spec['subdirectory']}" if spec.get("subdirectory") else ""
        return f"{name}{extras} @ {url}{ref}{sub}{markers}"
    if "path" in spec:
        path = str(spec["path"])
        path = path if path.startswith((".", "/")) else f"./{path}"
        return f"{'-e ' if spec.get('editable') else ''}{path}{extras}{markers}".strip()
    if "file" in spec:
        return f"{name}{extras} @ {spec['file']}{markers}"
    hashes = "".join(f" --hash={h}" for h in spec.get("hashes") or [])
    return f"{name}{extras}{spec.get('version', '')}{markers}{hashes}"


def _index_lines(lock: dict[str, Any]) -> list[str]:
    lines = []
    sources = (lock.get("_meta") or {}).get("sources") or []
    for number, source in enumerate(sources):
        url = str(source.get("url", ""))
        if not url:
            continue
        lines.append(f"{'--index-url' if number == 0 else '--extra-index-url'} {url}")
        if source.get("verify_ssl") is False and urlsplit(url).hostname:
            lines.append(f"--trusted-host {urlsplit(url).hostname}")
    return lines


def export(app: Path, target: Path, default_index: str | None, *, develop: bool = False) -> None:
    """The lock's [packages] (and [dev-packages] when develop) as a requirements file at target."""
    lock = load_lock(app)
    check_current(app, lock, default_index)
    packages = dict(lock.get("default") or {})
    if develop:
        for name, spec in (lock.get("develop") or {}).items():
            packages.setdefault(name, spec)
    lines = _index_lines(lock)
    lines += [_line(name, spec) for name, spec in packages.items() if isinstance(spec, dict)]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n")
