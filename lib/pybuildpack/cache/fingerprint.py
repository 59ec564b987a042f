"""The fingerprint of everything that decides the app's environment. Same fingerprint: the cached
environment is reused as it is. Different: the inputs that changed are named."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pybuildpack import __version__
from pybuildpack.files import sha256_of_fd
from pybuildpack.requirements.graph import Graph, display_path
from pybuildpack.requirements.localpaths import OUTPUT_AT_TOP
from pybuildpack.requirements.selection import Selection

# Buildpack files whose content changes what gets installed.
_BUILDPACK_INPUTS = ("vendor/pins.txt", "data/build-prerequisites.toml", "data/native-libraries.toml")
# Not part of a package's source: caches anywhere, and build output at the package's top.
_SKIP_ANYWHERE = {".git", "__pycache__"}
_SKIP_AT_TOP = OUTPUT_AT_TOP


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entry_digest(path: Path) -> str | None:
    """What a tree's entry contributes: a regular file its content's sha256, a symbolic link its
    target as written (never followed), a special file (a device, a pipe) its kind only: the
    fingerprint never opens one (reading /dev/console blocks)."""
    try:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            return "link:" + _sha(os.readlink(path).encode())
        if stat.S_ISREG(mode):
            return _file_sha(path)
    except OSError:
        return None
    return f"special:{stat.S_IFMT(mode):o}"


def _file_sha(path: Path) -> str:
    """A regular file's sha256, opened without following a link or blocking on a special file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        return sha256_of_fd(fd) if stat.S_ISREG(os.fstat(fd).st_mode) else "special"
    finally:
        os.close(fd)


def tree_digest(root: Path) -> str:
    """A digest of a directory's files (names and contents), skipping caches and build output.
    Links are recorded by their target and never followed (os.walk does not descend into a link
    to a directory), so the digest reads nothing outside the tree."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        skip = _SKIP_ANYWHERE | _SKIP_AT_TOP if dirpath == str(root) else _SKIP_ANYWHERE
        dirnames[:] = sorted(d for d in dirnames if d not in skip and not d.endswith(".egg-info"))
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in sorted([*filenames, *links]):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath) / name
            entry = _entry_digest(path)
            if entry is None:
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0" + entry.encode() + b"\n")
    return digest.hexdigest()


# Inputs are keyed by identifiers: KIND or KIND:NAME. Sentences are made from them (describe), so
# rewording a message never changes what a key means.
PYTHON_VERSION = "python-version"
STACK = "stack"
ARCH = "arch"
BUILDPACK = "buildpack"
FILE = "file"  # FILE:path of a requirements file
CONFIG_VAR = "config-var"  # CONFIG_VAR:NAME
LOCAL_PACKAGE = "local-package"  # LOCAL_PACKAGE:path
APP_PACKAGE = "app-package"
TOOL = "tool"  # TOOL:NAME, the version of the package manager that exports a lock file
HASHES = "hashes"  # HASHES:NAME, the version and --hash values a requirement pins
GROUPS = "install-groups"  # the groups installed besides the default set (when any)
EXTRAS = "install-extras"  # the app's own extras installed (when any)
COMPILE_ALL = "compile-all"  # BUILDPACK_COMPILE_ALL, only when on (the packages' test suites compiled)
# Inputs whose change makes the old environment useless (compiled extensions, the seed packages)
# or not what a fresh one would be (its bytecode): it is rebuilt, not synced.
REBUILD_ON = frozenset({PYTHON_VERSION, STACK, ARCH, BUILDPACK, COMPILE_ALL})
_VALUED = frozenset({PYTHON_VERSION, STACK, ARCH, GROUPS, EXTRAS})  # a change shows the old and new value
_NAMES = {
    PYTHON_VERSION: "python version",
    STACK: "stack",
    ARCH: "arch",
    BUILDPACK: "the buildpack's version",
    APP_PACKAGE: "the app (installed as a package)",
    CONFIG_VAR: "config var {}",
    LOCAL_PACKAGE: "local package {}",
    TOOL: "{}'s version",
    HASHES: "the hashes of {}",
    COMPILE_ALL: "config var BUILDPACK_COMPILE_ALL",
    FILE: "{}",
    GROUPS: "BUILDPACK_INSTALL_GROUPS",
    EXTRAS: "BUILDPACK_INSTALL_EXTRAS",
}


def kind_of(key: str) -> str:
    return key.partition(":")[0]


def describe(key: str) -> str:
    """The words for an input: 'python version', 'requirements/base.txt', 'config var X'."""
    kind, _, name = key.partition(":")
    template = _NAMES.get(kind, key)
    return template.format(name) if name else template


@dataclass(frozen=True)
class Change:
    key: str
    old: str | None
    new: str | None

    @property
    def rebuilds(self) -> bool:
        return kind_of(self.key) in REBUILD_ON

    def __str__(self) -> str:
        what = describe(self.key)
        if kind_of(self.key) in _VALUED:
            return f"{what} {self.old or '(none)'} -> {self.new or '(none)'}"
        if self.old is None:
            return f"{what} added"
        if self.new is None:
            return f"{what} removed"
        return f"{what} changed"


@dataclass
class Inputs:
    """The inputs, by identifier (see describe for the words)."""

    items: dict[str, str] = field(default_factory=dict)
    volatile: list[str] = field(default_factory=list)  # VCS requirements that name a branch or tag

    def digest(self) -> str:
        return _sha(json.dumps(self.items, sort_keys=True).encode())

    def rehash(self, previous: dict[str, str]) -> list[str]:
        """The requirements whose --hash values are new or changed since a previous build: pip
        checks no hash of what is installed already, so these are installed afresh."""
        prefix = f"{HASHES}:"
        return sorted(
            key[len(prefix) :]
            for key, value in self.items.items()
            if key.startswith(prefix) and previous.get(key) != value
        )

    def changes(self, previous: dict[str, str]) -> list[Change]:
        """What differs from a previous build's inputs (str() of each says it in words)."""
        out: list[Change] = []
        for key in sorted(set(self.items) | set(previous), key=lambda k: (describe(k), k)):
            old, new = previous.get(key), self.items.get(key)
            if old != new:
                out.append(Change(key, old, new))
        return out


def collect(
    graph: Graph,
    *,
    python_version: str,
    stack: str,
    arch: str,
    buildpack: Path,
    pip_config: dict[str, str],
    package_app: bool,
    tools: dict[str, str] | None = None,
    selection: Selection | None = None,
    compile_all: bool = False,
) -> Inputs:
    inputs = Inputs()
    items = inputs.items
    items[PYTHON_VERSION] = python_version
    items[STACK] = stack
    items[ARCH] = arch
    version = hashlib.sha256(__version__.encode())
    for name in _BUILDPACK_INPUTS:
        version.update((buildpack / name).read_bytes())
    items[BUILDPACK] = version.hexdigest()
    root = graph.root
    for item in graph.files:
        items[f"{FILE}:{display_path(item.path, root)}"] = _sha(item.path.read_bytes())
    for name, value in sorted({**graph.expanded_vars, **pip_config}.items()):
        items[f"{CONFIG_VAR}:{name}"] = _sha(value.encode())
    for entry in graph.entries:
        if entry.kind == "path" and entry.path is not None and entry.path.is_dir():
            items[f"{LOCAL_PACKAGE}:{display_path(entry.path, root)}"] = tree_digest(entry.path)
        elif entry.kind == "path" and entry.path is not None and entry.path.exists():
            found = _entry_digest(entry.path)
            items[f"{LOCAL_PACKAGE}:{display_path(entry.path, root)}"] = found or "(unreadable)"
        elif entry.kind == "vcs" and not entry.vcs_pinned_to_commit:
            inputs.volatile.append(entry.name or entry.text)
        if entry.hashes and entry.name:
            pinned = "\n".join([entry.pinned_version or entry.text, *sorted(entry.hashes)])
            items[f"{HASHES}:{entry.name}"] = _sha(pinned.encode())
    if package_app:
        items[APP_PACKAGE] = tree_digest(root)
    for name, version in sorted((tools or {}).items()):
        items[f"{TOOL}:{name}"] = version
    if selection is not None and selection.groups:
        items[GROUPS] = ",".join(selection.groups)
    if selection is not None and selection.extras:
        items[EXTRAS] = ",".join(selection.extras)
    if compile_all:  # (absent when off: the fingerprints of environments cached before it are kept)
        items[COMPILE_ALL] = "1"
    return inputs
