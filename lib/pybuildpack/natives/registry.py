"""Native libraries: the registry (data/native-libraries.toml), which ones an app's requirements
trigger, and the environment that builds and runs against them: build_variables (the app's
dependencies, and later buildpacks through `export`) and run_variables (the dyno, through
.profile.d), the one place either is written (profile.py writes both files from them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from pybuildpack.toml import load_toml

if TYPE_CHECKING:  # (the graph's module imports packaging's markers: not for a warm build's finish)
    from pybuildpack.requirements.graph import Entry, Graph

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


def separator(key: str) -> str | None:
    """How a list variable's items are joined (None: the variable holds one value)."""
    return _LIST_SEPARATORS.get(key)


def build_variables(library: Library, prefix: str) -> list[tuple[str, str]]:
    """(variable, value) that compilers, linkers and pkg-config need to find the library unpacked
    at prefix (a path, or a shell expression such as "${_pybp_app}/.heroku/vendor/NAME"); a list
    variable's value goes before what it holds."""
    # No -L in LDFLAGS: build tools split LDFLAGS on spaces, and a build directory may hold one;
    # the compiler finds the library through LIBRARY_PATH.
    return [
        ("CPATH", f"{prefix}/include"),
        ("LIBRARY_PATH", f"{prefix}/lib"),
        ("PKG_CONFIG_PATH", f"{prefix}/lib/pkgconfig"),
        ("LD_LIBRARY_PATH", f"{prefix}/lib"),
        *((key, value.replace("{prefix}", prefix)) for key, value in library.build_env.items()),
    ]


def run_variables(library: Library, prefix: str) -> list[tuple[str, str]]:
    """(variable, value) that a process running against the library unpacked at prefix needs."""
    return [("LD_LIBRARY_PATH", f"{prefix}/lib")]


def _join(env: dict[str, str], key: str, value: str) -> None:
    joined_by = separator(key)
    current = env.get(key, "")
    if joined_by and current:
        env[key] = f"{value}{joined_by}{current}"
    else:
        env[key] = value


def build_environment(base: dict[str, str], libraries: list[Library], vendor_dir: Path) -> dict[str, str]:
    """base plus what compilers, linkers and pkg-config need to find the libraries."""
    env = dict(base)
    for library in libraries:
        for key, value in build_variables(library, str(vendor_dir / library.name)):
            _join(env, key, value)
    return env


def unpacked(registry: list[Library], vendor_dir: Path) -> list[Library]:
    """The registry's libraries unpacked in vendor_dir (the slug's), by name."""
    return sorted(
        (lib for lib in registry if (vendor_dir / lib.name / "lib").is_dir()), key=lambda lib: lib.name
    )
