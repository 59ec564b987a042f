"""Building the app's requirements graph from whatever declares its dependencies."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pybuildpack.requirements.graph import Graph, parse_requirements
from pybuildpack.requirements.package import package_dependencies
from pybuildpack.requirements.source import InstallSource

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def config_vars(env_dir: Path | None) -> dict[str, str]:
    """Every config var in ENV_DIR (one file per var), for ${VAR} expansion in requirements files."""
    found: dict[str, str] = {}
    if env_dir is None or not env_dir.is_dir():
        return found
    for path in env_dir.iterdir():
        if path.is_file() and _NAME_RE.match(path.name):
            try:
                found[path.name] = path.read_text(errors="replace")
            except OSError:
                continue
    return found


def expansion_env(env_dir: Path | None) -> dict[str, str]:
    return {**os.environ, **config_vars(env_dir)}


def load_graph(app: Path, source: InstallSource, env_dir: Path | None = None) -> Graph:
    if source.kind == "requirements":
        return parse_requirements(source.path, app, expansion_env(env_dir))
    graph = Graph(app)
    graph.entries.extend(package_dependencies(app))
    return graph
