"""Which native libraries an app needs: its requirements graph at any depth, plus what extras of
its requirements bring in; decide's choice of them (for_build), said and put into the slug."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pybuildpack import output
from pybuildpack.context import Layout, Settings
from pybuildpack.natives.registry import Library, Trigger, load_registry, triggers
from pybuildpack.natives.registry import unpacked as registry_unpacked
from pybuildpack.state import LibraryUse

# The index's and the requirements graph's modules (and packaging's markers with them) are
# imported by the functions that look at a graph: finish (profile's unpacked) and an unchanged
# rebuild's decide need none of them.
if TYPE_CHECKING:
    from pybuildpack.index.select import Sources
    from pybuildpack.requirements.app import App
    from pybuildpack.requirements.graph import Entry, Graph


def needed_libraries(
    graph: Graph, registry: list[Library], sources: Sources, downloads: Path
) -> list[Trigger]:
    from pybuildpack.index.extras import extra_names

    wanted = {name for library in registry for name in library.packages}
    through_extras: dict[str, Entry] = {}
    for entry in graph.requirements():
        has_extras = bool(entry.requirement and entry.requirement.extras) or (
            entry.kind == "path" and "[" in (entry.raw or entry.text)
        )
        if not has_extras:
            continue
        try:
            names = extra_names(entry, sources, graph.root, downloads)
        except (OSError, ValueError):  # (urllib's URLError is an OSError)
            continue  # the index is unreachable: pip will say so with its own words
        for name in sorted(names & wanted):
            through_extras.setdefault(name, entry)
    return triggers(graph, registry, through_extras)


def native_libraries(layout: Layout, graph: Graph, sources: Sources) -> list[Trigger]:
    """The libraries of the registry (data/native-libraries.toml) the app's graph needs."""
    registry = load_registry(layout.data / "native-libraries.toml")
    return needed_libraries(graph, registry, sources, layout.downloads)


def for_build(
    layout: Layout,
    app: App,
    default_index: str | None,
    bootstrap: bool,
    cached: Sequence[LibraryUse] | None,
) -> list[LibraryUse]:
    """The libraries the build puts into the slug, as the build says: the cached environment's
    (cached: when it is reused as it is), else what the app's graph needs (looked for on its
    indexes, default_index: pip's; none when bootstrap is off: BUILDPACK_BOOTSTRAP_LIBRARIES=0)."""
    if cached is not None:
        if cached:
            output.step("Native libraries")
            output.info("\n".join(f"{use.name} {use.version}" for use in cached))
        return list(cached)
    from pybuildpack.index.select import Sources

    libraries = []
    found = native_libraries(layout, app.graph, Sources.from_graph(app.graph, app.pip_config, default_index))
    if found:
        output.step("Native libraries")
    for trigger in found:
        library, entry = trigger.library, trigger.entry
        if not bootstrap:
            output.info(
                f"{library.name} {library.version}: NOT bootstrapped (BUILDPACK_BOOTSTRAP_LIBRARIES=0)"
            )
            continue
        output.info(trigger.describe(app.graph.root))
        needed_by = f"{entry.name or entry.text} at {entry.origin.show(app.graph.root)}"
        libraries.append(LibraryUse(library.name, library.version, needed_by))
    return libraries


def libraries_of(layout: Layout, uses: Sequence[LibraryUse]) -> list[Library]:
    """The registry's libraries the build uses (those the registry still has)."""
    registry = {lib.name: lib for lib in load_registry(layout.data / "native-libraries.toml")}
    return [registry[use.name] for use in uses if use.name in registry]


def unpacked(layout: Layout) -> list[Library]:
    """The registry's libraries unpacked in the slug (.heroku/vendor/NAME), for bin/test-compile
    and what the build hands on (profile.py)."""
    return registry_unpacked(load_registry(layout.data / "native-libraries.toml"), layout.natives)


def install(
    layout: Layout, settings: Settings, uses: Sequence[LibraryUse], stack: str, arch: str
) -> list[LibraryUse]:
    """The libraries into .heroku/vendor/NAME, from the mirror via the cache (archives/install.py);
    uses, each with the sha256 of the archive it was unpacked from and where that was built from."""
    from pybuildpack.archives.install import install_libraries

    names = {lib.name for lib in libraries_of(layout, uses)}
    found = install_libraries(layout, settings, [use for use in uses if use.name in names], stack, arch)
    return [
        replace(use, sha256=found[use.name][0], source=found[use.name][1]) if use.name in found else use
        for use in uses
    ]
