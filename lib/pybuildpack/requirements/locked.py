"""A lock file's packages as the requirements graph: the package manager exports the packages it
locks for the app (exact pins, hashes, markers, the index; requirements/uvlock.py), the export is
read like any requirements file, and each entry's origin is the package's line in the lock file,
so the plan, the native libraries, the fingerprint and every message work as for requirements.txt.
The export lives in the build's work directory: decide writes it, the later runs read it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pybuildpack.errors import BuildError
from pybuildpack.requirements.graph import Graph, Origin, RequirementsFile
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.requirements.source import InstallSource
from pybuildpack.toml import TOMLDecodeError, load_toml


def load_toml_file(path: Path, lock: str, project: str, command: str) -> dict[str, Any]:
    """A TOML lock (uv.lock, poetry.lock) or the pyproject.toml it was made from, parsed; a
    BuildError naming the file when it is missing or not TOML (command: the one that rewrites the
    lock, e.g. 'uv lock')."""
    if not path.is_file():
        raise BuildError(
            f"The app has {lock} but no {project}",
            where=lock,
            fix=f"Commit the {project} that {lock} was made from.",
            code="lockfile::invalid",
        )
    try:
        return load_toml(path)
    except (OSError, UnicodeDecodeError, TOMLDecodeError) as exc:
        raise BuildError(
            f"{path.name} is not valid TOML",
            where=path.name,
            details=[str(exc)],
            fix=f"Fix {path.name}" + (f" (run '{command}' to write it anew)." if path.name == lock else "."),
            code="lockfile::invalid",
        ) from exc


def with_credentials(url: str, variables: tuple[str, str], config: Mapping[str, str]) -> str:
    """An index URL with ${USER}:${PASSWORD} userinfo when the app sets those config vars (the
    package manager's own names for an index's credentials): pip expands them, nothing prints them."""
    user, password = variables
    if (user in config or password in config) and "://" in url and "@" not in url.split("/")[2]:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://${{{user}}}:${{{password}}}@{rest}"
    return url


def credential_names(prefix: str, name: str) -> tuple[str, str]:
    """PREFIX_<NAME>_USERNAME / _PASSWORD, NAME upper-cased with other characters as '_' (how uv
    and Poetry name an index's credentials)."""
    key = "".join(c if c.isalnum() else "_" for c in name).upper()
    return f"{prefix}_{key}_USERNAME", f"{prefix}_{key}_PASSWORD"


def export_key(source: InstallSource, inputs: list[Path], facts: list[str]) -> str:
    """What decides a lock's export: the lock, the files it was made from, and facts (the tool's
    version, the runtime's version, the config vars that give an index its credentials...)."""
    import hashlib

    digest = hashlib.sha256()
    for path in [source.path, *inputs]:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(none)")
        digest.update(b"\0")
    digest.update("\0".join(facts).encode())
    return digest.hexdigest()


def cached_export(saved: Path | None, key: str) -> str | None:
    """The export the last build made, when it was made from the same inputs (so the lock was
    checked against them already, and uv need not run: a warm build of a locked app runs no tool)."""
    if saved is None:
        return None
    try:
        first, _, text = saved.read_text(errors="replace").partition("\n")
    except OSError:
        return None
    return text if first == key else None


def save_export(saved: Path | None, key: str, export: Path) -> None:
    from pybuildpack.files import replace_file

    if saved is None:
        return
    try:
        replace_file(saved, key + "\n" + export.read_text())
    except OSError:
        pass  # the cache is best effort


def export_path(work: Path, source: InstallSource) -> Path:
    return work / "lock" / f"{source.kind}-export.txt"


# A package's first line in a lock: `name = "x"` (uv.lock, poetry.lock), `"x": {` (Pipfile.lock).
_PACKAGE_LINE = re.compile(r'^(?:name\s*=\s*"(?P<name>[^"]+)"|\s{8}"(?P<key>[^"]+)":\s*\{)')


def package_lines(lock: Path) -> dict[str, int]:
    """{canonical name: line} of each package in the lock file."""
    from packaging.utils import canonicalize_name

    found: dict[str, int] = {}
    for number, line in enumerate(lock.read_text(errors="replace").splitlines(), start=1):
        match = _PACKAGE_LINE.match(line)
        if match:
            found.setdefault(canonicalize_name(match["name"] or match["key"]), number)
    return found


def _anchored(raw: str, path: Path) -> str:
    """An export's line for a local path ('-e ./packages/x[extra] ; marker') with the path made
    absolute: paths in a lock are relative to its directory, and the line is installed from a phase
    file elsewhere (pip reads a relative path against its working directory, uv against the file)."""
    editable = raw.startswith("-e ")
    body = raw[3:].lstrip() if editable else raw
    location = re.split(r"[\s\[;]", body, maxsplit=1)[0]
    return f"{'-e ' if editable else ''}{path}{body[len(location) :]}"


def graph_from_export(
    app: Path, source: InstallSource, export: Path, inputs: list[Path], expansion: Mapping[str, str]
) -> Graph:
    """The graph of an export; its files are the lock and the files it was made from (inputs).
    expansion: what ${VAR} expands to (a Pipfile's source URL may name config vars). An error
    names the lock (and the exported line), never the export, a file of the build's own."""
    try:
        graph = parse_requirements(export, app, expansion)
    except BuildError as exc:
        exc.where = source.path.name
        exc.details = [*exc.details, f"(in the packages read from {source.path.name})"]
        raise
    lines = package_lines(source.path)
    for entry in graph.entries:
        entry.origin = Origin(source.path, lines.get(entry.name or "", 1))
        if entry.kind == "path" and entry.path is not None and entry.url is None and entry.raw:
            entry.raw = _anchored(entry.raw, entry.path)
    graph.files = [RequirementsFile(path, False, None) for path in [source.path, *inputs] if path.is_file()]
    return graph


def empty_graph(app: Path, source: InstallSource, inputs: list[Path]) -> Graph:
    """The graph before the lock is exported: its files only."""
    graph = Graph(app)
    graph.files = [RequirementsFile(path, False, None) for path in [source.path, *inputs] if path.is_file()]
    return graph
