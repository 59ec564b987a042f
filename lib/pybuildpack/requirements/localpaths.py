"""Local paths are bounded by the build directory (what becomes the slug). A requirement's local
path (`./libs/pkg`, `-e ../shared` in a monorepo's BUILDPACK_APP_SUBDIR, a lock's `path`) must
resolve inside it: anything outside is not in the slug at run time, and reading it (`file:///`,
`../../etc`) would read the build machine. A local package (or the app built as a package) may
not hold a symbolic link to a directory outside the build directory or to one of its own parents:
building it would walk the link (setuptools follows them), i.e. the whole filesystem or forever."""

from __future__ import annotations

import os
from pathlib import Path

from pybuildpack.errors import BuildError
from pybuildpack.requirements.graph import Graph, display_path

# Not part of a local package's source, at its top: the buildpack's own output and other tools'
# trees and build output (the fingerprint leaves them out too). Not walked here, nor is VCS data.
OUTPUT_AT_TOP = frozenset({".heroku", "build", "dist", ".tox", ".venv", "node_modules"})
_SKIP_AT_TOP = OUTPUT_AT_TOP | {".git"}


def outside(path: Path, bound: Path) -> bool:
    """Whether path (resolved) is outside bound."""
    root = bound.resolve()
    return path != root and root not in path.parents


def _link_out(link: Path, bound: Path) -> str | None:
    """Why the symbolic link at link is one a build must not follow, or None."""
    target = link.resolve()
    if outside(target, bound):
        return f"it points to {target}, outside the app"
    if target.is_dir() and (target == link.parent.resolve() or target in link.parent.resolve().parents):
        return f"it points to {display_path(target, bound.resolve())}, a directory that holds it (a cycle)"
    return None


def bad_link(tree: Path, bound: Path) -> tuple[Path, str] | None:
    """The first symbolic link under tree that points outside bound or to a directory above it."""
    for dirpath, dirnames, filenames in os.walk(tree):
        at_top = dirpath == str(tree)
        dirnames[:] = sorted(d for d in dirnames if not (at_top and d in _SKIP_AT_TOP))
        for name in [*dirnames, *sorted(filenames)]:
            path = Path(dirpath) / name
            if path.is_symlink():
                why = _link_out(path, bound)
                if why:
                    return path, why
    return None


def check(graph: Graph, bound: Path, package_app: bool) -> None:
    """Every local path of the graph is inside bound, and no local package (nor the app, when it is
    installed as a package) holds a link out; else a BuildError naming the line (or the link)."""
    root = graph.root
    trees: list[tuple[Path, str]] = [(root, "the app")] if package_app else []
    for entry in graph.entries:
        if entry.kind != "path" or entry.path is None:
            continue
        resolved = entry.path.resolve()
        if outside(resolved, bound):
            raise BuildError(
                f"The local path of this requirement is outside the app: {resolved}",
                where=entry.origin.show(root),
                details=[f"Requirement: {entry.text}"],
                fix=(
                    "Keep local packages inside the app's directory (in a monorepo, inside the\n"
                    "repository that is built): nothing outside it is in the slug."
                ),
                code="requirements::path-outside",
            )
        if resolved.is_dir():
            trees.append((resolved, entry.origin.show(root)))
    for tree, where in trees:
        found = bad_link(tree, bound)
        if found:
            link, why = found
            raise BuildError(
                f"The package in {display_path(tree, root) if tree != root else 'the app'} holds a symbolic "
                f"link a build can't follow: {display_path(link, root)}",
                where=where,
                details=[
                    f"{display_path(link, root)}: {why}; building the package would read all it reaches."
                ],
                fix="Remove the link (git rm), or make it point to a file or directory inside the app.",
                code="requirements::path-outside",
            )
