"""A lock file's packages as the requirements graph: the package manager exports the packages it
locks for the app (exact pins, hashes, markers, the index; requirements/uvlock.py), the export is
read like any requirements file, and each entry's origin is the package's line in the lock file,
so the plan, the native libraries, the fingerprint and every message work as for requirements.txt.
The export lives in the build's work directory: decide writes it, the later runs read it."""

from __future__ import annotations

import re
from pathlib import Path

from pybuildpack.requirements.graph import Graph, Origin, RequirementsFile
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.requirements.source import InstallSource


def export_path(work: Path, source: InstallSource) -> Path:
    return work / "lock" / f"{source.kind}-export.txt"


def _package_lines(lock: Path) -> dict[str, int]:
    """{canonical name: line} of each package in the lock file (TOML `name = "x"` entries)."""
    from packaging.utils import canonicalize_name

    found: dict[str, int] = {}
    pattern = re.compile(r'^name\s*=\s*"(?P<name>[^"]+)"')
    for number, line in enumerate(lock.read_text(errors="replace").splitlines(), start=1):
        match = pattern.match(line)
        if match:
            found.setdefault(canonicalize_name(match["name"]), number)
    return found


def graph_from_export(app: Path, source: InstallSource, export: Path, inputs: list[Path]) -> Graph:
    """The graph of an export; its files are the lock and the files it was made from (inputs)."""
    graph = parse_requirements(export, app, {})
    lines = _package_lines(source.path)
    for entry in graph.entries:
        entry.origin = Origin(source.path, lines.get(entry.name or "", 1))
    graph.files = [RequirementsFile(path, False, None) for path in [source.path, *inputs] if path.is_file()]
    return graph


def empty_graph(app: Path, source: InstallSource, inputs: list[Path]) -> Graph:
    """The graph before the lock is exported: its files only."""
    graph = Graph(app)
    graph.files = [RequirementsFile(path, False, None) for path in [source.path, *inputs] if path.is_file()]
    return graph
