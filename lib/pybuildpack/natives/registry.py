"""Native libraries: the registry (data/native-libraries.toml), which ones an app's requirements
trigger, and the environment that builds and runs against them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from pybuildpack.requirements.graph import Entry, Graph
from pybuildpack.toml import load_toml

# Variables that hold lists: how their items are joined.
_LIST_SEPARATORS = {
    "CPATH": ":",
    "LIBRARY_PATH": ":",
    "PKG_CONFIG_PATH": ":",
    "LD_LIBRARY_PATH": ":",
    "CFLAGS": " ",
    "CPPFLAGS": " ",
}


@dataclass(frozen=True)
class Library:
    name: str
    version: str
    packages: tuple[str, ...]  # canonical names of the distributions that need it
    reason: str
    build_env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Trigger:
    library: Library
    entry: Entry  # the requirement that needs it

    def describe(self, root: Path) -> str:
        """'libmemcached 1.1.4: pylibmc (requirements/base.txt:2) needs it: <why>'"""
        library, entry = self.library, self.entry
        return (
            f"{library.name} {library.version}: {entry.name or entry.text} "
            f"({entry.origin.show(root)}) needs it: {library.reason}"
        )


def load_registry(path: Path) -> list[Library]:
    data = load_toml(path)
    return [
        Library(
            name=item["name"],
            version=item["version"],
            packages=tuple(canonicalize_name(p) for p in item["packages"]),
            reason=item["reason"],
            build_env=dict(item.get("build-env", {})),
        )
        for item in data.get("library", [])
    ]


def triggers(
    graph: Graph, registry: list[Library], extra_names: dict[str, Entry] | None = None
) -> list[Trigger]:
    """The libraries the app needs: one trigger per library, naming the first requirement (in
    reading order) that needs it. extra_names maps names found through extras to the entry that
    brought them in."""
    found: dict[str, Trigger] = {}
    candidates = [(e.name, e) for e in graph.requirements() if e.name]
    candidates += list((extra_names or {}).items())
    for name, entry in candidates:
        for library in registry:
            if name in library.packages and library.name not in found:
                found[library.name] = Trigger(library, entry)
    return list(found.values())


def _join(env: dict[str, str], key: str, value: str) -> None:
    separator = _LIST_SEPARATORS.get(key)
    current = env.get(key, "")
    if separator and current:
        env[key] = f"{value}{separator}{current}"
    else:
        env[key] = value


def build_environment(base: dict[str, str], libraries: list[Library], vendor_dir: Path) -> dict[str, str]:
    """base plus what compilers, linkers and pkg-config need to find the libraries."""
    env = dict(base)
    for library in libraries:
        prefix = vendor_dir / library.name
        _join(env, "CPATH", str(prefix / "include"))
        _join(env, "LIBRARY_PATH", str(prefix / "lib"))
        _join(env, "PKG_CONFIG_PATH", str(prefix / "lib" / "pkgconfig"))
        _join(env, "LD_LIBRARY_PATH", str(prefix / "lib"))
        # No -L in LDFLAGS: build tools split LDFLAGS on spaces, and a build directory may hold
        # one; the compiler finds the library through LIBRARY_PATH.
        for key, value in library.build_env.items():
            _join(env, key, value.replace("{prefix}", str(prefix)))
    return env
