"""What building a local package leaves in its own source tree. A local path requirement
(`./pkg`, `.`) or an app that is a package, installed without -e, is built where it is: setuptools
writes `build/` and `NAME.egg-info` (beside the package, or under `src/`) into the app's
directory. A cold build's slug would hold them and a warm build's (which installs nothing) not, so
the same app would give two slugs (README, "Reproducible builds"). What the install created there
is removed after it: what was there before (the app's own) is kept, and so is an editable install's
tree (setuptools' strict editable mode runs from `build/`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.localpaths import outside

# where setuptools leaves them, relative to the package's directory
_LEFT = ("build", "*.egg-info", "src/*.egg-info")


def built_in_place(graph: Graph, package_app: bool) -> list[Path]:
    """The app's directories an engine builds a package in, without -e: the local path
    requirements' (inside the app), and the app's own when it is installed as a package."""
    root = graph.root.resolve()
    trees = {root} if package_app else set()
    for entry in graph.entries:
        if entry.kind != "path" or entry.editable or entry.constraint or entry.path is None:
            continue
        path = entry.path.resolve()
        if path.is_dir() and not outside(path, root):
            trees.add(path)
    return sorted(trees)


def _left(tree: Path) -> set[Path]:
    return {path for pattern in _LEFT for path in tree.glob(pattern) if not path.is_symlink()}


def snapshot(trees: list[Path]) -> dict[Path, set[Path]]:
    """What each tree holds of what a build leaves, before the install."""
    return {tree: _left(tree) for tree in trees}


def remove_new(before: dict[Path, set[Path]]) -> list[Path]:
    """What the install left in each tree since the snapshot, removed; the paths removed."""
    removed = []
    for tree, had in before.items():
        for path in sorted(_left(tree) - had):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed
