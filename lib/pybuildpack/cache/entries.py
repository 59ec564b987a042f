"""The one table of what the buildpack keeps in CACHE_DIR/python/ (other buildpacks share
CACHE_DIR). Every entry says which module owns it (writes it, and names it: Layout.cached(NAME)
in Python, the path in bash) and what keeps it bounded; a build removes anything else it finds
there (left by an older version of the buildpack), so the table is the whole truth. A test holds
each owner to naming its entry, and the README's table to this one. lib/core.sh (bash) writes
only `core/`: the Python core runs from there. This module imports nothing of the core: Layout
(context.py) reads it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    name: str  # the path below CACHE_DIR/python; a * matches a family
    owner: str  # the module that writes it (lib/pybuildpack/ or the repository's root)
    bound: str  # what keeps it from growing
    what: str


ENTRIES = (
    Entry(".lock", "lib/cache.sh", "one file", "held by the build that uses the cache (flock)"),
    Entry(
        "core",
        "lib/core.sh",
        "one key at a time",
        "the buildpack's Python core, unpacked, with checksums; the interpreter that runs it",
    ),
    Entry("runtimes", "archives/install.py", "the archive in use only", "the runtime archive and its record"),
    Entry(
        "runtime-tree", "archives/install.py", "the runtime in use only", "the unpacked runtime, a manifest"
    ),
    Entry("libraries", "archives/install.py", "the archives the last build used", "native library archives"),
    Entry("pip", "cache/pip.py", "what the last 3 builds used", "pip's cache and the buildpack's sdists/"),
    Entry("env", "cache/environment.py", "one symlink", "a symlink to the current env-TOKEN/"),
    Entry("env-*", "cache/environment.py", "the current one only", "the environment, its metadata, manifest"),
    Entry("env.*.link", "cache/environment.py", "renamed at once", "the next env symlink, being swapped in"),
    Entry(
        "package-managers", "tools/fetch.py", "the pinned versions only", "package managers' tools, unpacked"
    ),
    Entry(
        "uv",
        "environment/uv.py",
        "after each build, the wheels uv built from source distributions are kept while one of the"
        " last 3 builds installed them; then `uv cache prune --ci` drops the rest (what the index"
        " can serve again)",
        "uv's cache (the uv engine)",
    ),
    Entry(
        "bytecode",
        "cache/bytecode.py",
        "what the cached environment holds; the rest goes when the cache is saved",
        "compiled modules by their source's sha256, per interpreter",
    ),
    Entry("lock-export.txt", "tools/export.py", "one file", "the last lock's export, keyed by what made it"),
    Entry(
        "known-wheels.json",
        "plan/wheels.py",
        "this build's pinned requirements",
        "pinned releases the index has a wheel of, for the runtime",
    ),
    Entry("learned.json", "plan/learning.py", "the last 200 lessons", "prerequisites learned from failures"),
    Entry(
        "mirror-index.txt", "python_version/release.py", "one file", "the mirror's index, for when it is down"
    ),
    Entry(
        "python-version",
        "python_version/release.py",
        "one file",
        "the release the last successful build used",
    ),
    Entry(
        "sbom",
        "sbom/place.py",
        "the last successful build's only",
        "its bill of materials (bin/report --sbom), reused while the environment is",
    ),
    Entry(
        "report.json",
        "lib/report.sh",
        "one file",
        "the last build's report (bin/report), written by report.py",
    ),
)


def _matches(entry: Entry, name: str) -> bool:
    if entry.name.endswith("*"):
        return name.startswith(entry.name[:-1])
    if "*" in entry.name:
        head, _, tail = entry.name.partition("*")
        return name.startswith(head) and name.endswith(tail)
    return name == entry.name


def path(cache: Path, name: str) -> Path:
    """CACHE_DIR/python/NAME for an entry of the table (a KeyError names a missing entry)."""
    if not any(entry.name == name for entry in ENTRIES):
        raise KeyError(f"{name} is not an entry of the cache table")
    return cache / name


def unknown(cache: Path) -> list[str]:
    """Names in CACHE_DIR/python that no entry of the table covers."""
    if not cache.is_dir():
        return []
    return sorted(p.name for p in cache.iterdir() if not any(_matches(e, p.name) for e in ENTRIES))


def remove_links(cache: Path) -> list[str]:
    """Remove symlinks among the entries (but `env`, which cache/environment.py checks): the
    cache's own entries are real files and directories, so a link is not ours to follow."""
    removed = []
    if cache.is_dir():
        for path in cache.iterdir():
            if path.is_symlink() and path.name != "env":
                path.unlink()
                removed.append(path.name)
    return sorted(removed)


def remove_unknown(cache: Path) -> list[str]:
    """Remove what no entry covers (never following a symlink out of the cache)."""
    removed = unknown(cache)
    for name in removed:
        target = cache / name
        if target.is_symlink() or not target.is_dir():
            target.unlink(missing_ok=True)
        else:
            shutil.rmtree(target, ignore_errors=True)
    return removed
