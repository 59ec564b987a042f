"""The fingerprint of everything that decides the app's environment. Same fingerprint: the cached
environment is reused as it is. Different: the inputs that changed are named."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from pybuildpack import __version__
from pybuildpack.requirements.graph import Graph, display_path

# Buildpack files whose content changes what gets installed.
_BUILDPACK_INPUTS = ("pins.txt", "build-prerequisites.toml", "native-libraries.toml")
_SKIP_DIRS = {".git", "__pycache__", ".heroku", "build", "dist", ".tox", ".venv", "node_modules"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_digest(root: Path) -> str:
    """A digest of a directory's files (names and contents), skipping caches and build output."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath) / name
            try:
                data = path.read_bytes() if not path.is_symlink() else os.readlink(path).encode()
            except OSError:
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0" + _sha(data).encode() + b"\n")
    return digest.hexdigest()


@dataclass
class Inputs:
    """The inputs, each named the way the build explains a change ("requirements/base.txt")."""

    items: dict[str, str] = field(default_factory=dict)
    volatile: list[str] = field(default_factory=list)  # VCS requirements that name a branch or tag

    def digest(self) -> str:
        return _sha(json.dumps(self.items, sort_keys=True).encode())

    def changes(self, previous: dict[str, str]) -> list[str]:
        """What differs from a previous build's inputs, in words."""
        out: list[str] = []
        for key in sorted(set(self.items) | set(previous)):
            old, new = previous.get(key), self.items.get(key)
            if old == new:
                continue
            if key.startswith("python ") or key in ("stack", "arch"):
                out.append(f"{key} {old or '(none)'} -> {new or '(none)'}")
            elif old is None:
                out.append(f"{key} added")
            elif new is None:
                out.append(f"{key} removed")
            else:
                out.append(f"{key} changed")
        return out


def collect(
    graph: Graph,
    *,
    python_version: str,
    stack: str,
    arch: str,
    vendor: Path,
    pip_config: dict[str, str],
    package_app: bool,
) -> Inputs:
    inputs = Inputs()
    items = inputs.items
    items["python version"] = python_version
    items["stack"] = stack
    items["arch"] = arch
    buildpack = hashlib.sha256(__version__.encode())
    for name in _BUILDPACK_INPUTS:
        buildpack.update((vendor / name).read_bytes())
    items["the buildpack's version"] = buildpack.hexdigest()
    root = graph.root
    for item in graph.files:
        items[display_path(item.path, root)] = _sha(item.path.read_bytes())
    for name, value in sorted(pip_config.items()):
        items[f"config var {name}"] = _sha(value.encode())
    for entry in graph.entries:
        if entry.kind == "path" and entry.path is not None and entry.path.is_dir():
            items[f"local package {display_path(entry.path, root)}"] = tree_digest(entry.path)
        elif entry.kind == "path" and entry.path is not None and entry.path.is_file():
            items[f"local package {display_path(entry.path, root)}"] = _sha(entry.path.read_bytes())
        elif entry.kind == "vcs" and not entry.vcs_pinned_to_commit:
            inputs.volatile.append(entry.name or entry.text)
    if package_app:
        items["the app (installed as a package)"] = tree_digest(root)
    return inputs
