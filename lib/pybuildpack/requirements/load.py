"""Building the app's requirements graph from whatever declares its dependencies."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.package import package_dependencies
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.requirements.source import InstallSource


def load_graph(app: Path, source: InstallSource, expansion: Mapping[str, str]) -> Graph:
    """expansion: what ${VAR} in a requirements file expands to (ConfigVars.for_expansion)."""
    if source.kind == "requirements":
        return parse_requirements(source.path, app, expansion)
    graph = Graph(app)
    graph.entries.extend(package_dependencies(app, source.selection.extras))
    return graph
