"""The lines of a requirements file that install the app itself (`-e .`, `.`, `./`, `-e file:.`,
with or without extras), and those lines given the extras BUILDPACK_INSTALL_EXTRAS selects, as
`pip install .[redis]` installs a package app's (requirements/selection.py checks the names
against those the app declares). The lines are the graph's, read by requirements/parse.py: here
only the location and its extras that the reader found are put back together."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name

from pybuildpack.requirements.classify import split_url_markers, strip_extras
from pybuildpack.requirements.graph import Entry, Graph


def own_lines(graph: Graph, app: Path) -> list[Entry]:
    """The requirements (not constraints) that install the app's own directory. (An editable
    line whose location is a ${VAR} is kept as the whole line, -e ${VAR}: not one of them.)"""
    here = app.resolve()
    return [
        entry
        for entry in graph.requirements()
        if entry.kind == "path"
        and entry.path is not None
        and entry.path.resolve() == here
        and not entry.text.startswith("-")
    ]


def _with_extras(entry: Entry, extras: tuple[str, ...]) -> str:
    """entry's line (as written) with its location naming extras; a file: URL that is not
    editable becomes its path, on which pip reads extras (it reads none after a URL)."""
    written, _ = split_url_markers(entry.text)
    location, _ = strip_extras(written)
    if entry.url is not None and not entry.editable:
        location = unquote(urlsplit(location).path)
    return (entry.raw or entry.text).replace(written, f"{location}[{','.join(extras)}]", 1)


def add_extras(graph: Graph, app: Path, extras: tuple[str, ...]) -> None:
    """Each line of graph that installs the app gets extras besides those it names (its line is
    then what the engine installs: Graph.rewritten)."""
    for entry in own_lines(graph, app) if extras else []:
        had = {canonicalize_name(name) for name in entry.path_extras}
        added = tuple(name for name in extras if canonicalize_name(name) not in had)
        if not added:
            continue
        merged = (*entry.path_extras, *added)
        entry.raw = _with_extras(entry, merged)
        entry.path_extras, entry.added_extras = merged, added
