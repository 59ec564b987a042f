"""Which native libraries an app needs: its requirements graph at any depth, plus what extras of
its requirements bring in."""

from __future__ import annotations

import urllib.error
from pathlib import Path

from pybuildpack.index.extras import extra_names
from pybuildpack.index.select import Sources
from pybuildpack.natives.registry import Library, Trigger, triggers
from pybuildpack.requirements.graph import Entry, Graph


def needed_libraries(
    graph: Graph, registry: list[Library], sources: Sources, downloads: Path
) -> list[Trigger]:
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
        except (urllib.error.URLError, OSError, ValueError):
            continue  # the index is unreachable: pip will say so with its own words
        for name in sorted(names & wanted):
            through_extras.setdefault(name, entry)
    return triggers(graph, registry, through_extras)
