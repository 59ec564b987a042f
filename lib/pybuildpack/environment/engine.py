"""The install interface: what the build asks of an install engine. Each engine is one module
behind it (environment/pip.py, environment/uv.py). Every package manager's files are first read into
the one requirements graph (requirements/), so an engine only ever installs requirements files
the build writes or the app's own, and never needs to know which package manager the app uses."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pybuildpack.environment.bytecode import Compiled


class Engine(Protocol):
    name: str

    def install(self, args: list[str], *, no_build_isolation: bool = False) -> str:
        """Install into the app's environment: args are requirement arguments (`-r FILE`, `.`).
        Returns what installed them, for the report ("uv 0.13.9"; "pip 26.3 (uv failed)").
        Raises BuildError, with a summary that names the requirement, when it fails."""

    def uninstall(self, names: list[str]) -> None:
        """Remove distributions from the environment (quietly; nothing to remove is fine)."""

    def resolve(self, args: list[str], report: Path) -> dict[str, str]:
        """What args resolve to, {canonical name: version}, without installing anything."""

    def prune(self, keep: set[str], added: list[Path]) -> None:
        """After the install, with the pip cache pruned: prune what the engine keeps in the cache
        of its own (keep: name==version of what a recent build installed; added: the files this
        build installed). Nothing, for an engine that keeps only pip's cache."""

    def tools_compiled(self) -> Compiled:
        """The packaging tools' bytecode (pip's, wheel's) compiled or copied from the store before
        the engine first ran them (environment/bytecode.py's compile_tools), for the build log."""
