"""Building the app's requirements graph from whatever declares its dependencies."""

from __future__ import annotations

import os
from pathlib import Path

from .appdeps import package_dependencies
from .appfiles import InstallSource
from .reqfile import Graph, parse_requirements


def load_graph(app: Path, source: InstallSource) -> Graph:
    if source.kind == "requirements":
        return parse_requirements(source.path, app, dict(os.environ))
    graph = Graph(app)
    graph.entries.extend(package_dependencies(app))
    return graph
