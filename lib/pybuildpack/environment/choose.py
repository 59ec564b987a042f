"""Which install engine installs the app: BUILDPACK_INSTALLER's (uv, the default, or pip), or pip
when the graph holds a form uv does not read, or when uv can't be had (the build says why)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pybuildpack import output
from pybuildpack.context import Layout
from pybuildpack.errors import BuildError
from pybuildpack.natives.detect import libraries_of
from pybuildpack.natives.registry import Library
from pybuildpack.requirements.app import App
from pybuildpack.requirements.graph import Graph
from pybuildpack.state import State

if TYPE_CHECKING:
    from pybuildpack.environment.engine import Engine
    from pybuildpack.tools.uv import Uv


def uv_unsuitable(graph: Graph) -> str | None:
    """Why uv can't install what pip would from this graph (the line that says so), or None."""
    for entry in graph.entries:
        if entry.editable and entry.kind == "vcs":
            return (
                f"{entry.origin.show(graph.root)} is an editable VCS requirement, which uv does not install"
            )
        if entry.split:
            return (
                f"{entry.origin.show(graph.root)} continues its requirement on the next line "
                "(a backslash before a version or marker), which uv does not read"
            )
    for option in ("pre", "prefer_binary", "use_feature"):
        if option in graph.options:
            flag = option.replace("_", "-")
            return f"the requirements use --{flag}, which uv does not read in a requirements file"
    return None


def engine_for(
    layout: Layout, app: App, arch: str, installer: str = "uv", libraries: Sequence[Library] = ()
) -> Engine:
    """The install engine: BUILDPACK_INSTALLER's (uv, the default, or pip), or pip when the graph
    holds a form uv does not accept, or when uv can't be had (the build says why). libraries: the
    native libraries unpacked in the slug, which the engine builds against."""
    from pybuildpack.environment.pip import Pip

    if installer != "uv":
        return Pip(layout, app.graph, app.pip_config, libraries, "BUILDPACK_INSTALLER=pip")
    why = uv_unsuitable(app.graph)
    if why is None:
        from pybuildpack.environment.uv import UvEngine

        try:
            uv = _provide_uv(layout, app, arch)
        except BuildError as exc:
            why = f"uv could not be fetched ({exc.title})"
        else:
            output.info(f"Installing with uv {uv.version} (pip takes over a step uv fails)")
            return UvEngine(layout, app.graph, app.pip_config, libraries, uv)
    output.info(f"Installing with pip, not uv: {why}")
    return Pip(layout, app.graph, app.pip_config, libraries, why)


def engine_for_build(layout: Layout, app: App, state: State, installer: str) -> Engine:
    """install's engine, for the native libraries decide put into the slug (state.libraries)."""
    return engine_for(layout, app, state.arch, installer, libraries_of(layout, state.libraries))


def _provide_uv(layout: Layout, app: App, arch: str) -> Uv:
    """uv, fetched into the cache (from the mirror, else the app's index) when it is not there."""
    from pybuildpack.archives.mirror import Mirror
    from pybuildpack.index.select import pip_default_index
    from pybuildpack.tools.export import tool_index
    from pybuildpack.tools.uv import Uv

    index = tool_index(app, pip_default_index(layout.vendor / "seed"))
    return Uv(layout, arch, index, Mirror.configured(app.settings))


def prefetch_uv(layout: Layout, app: App, arch: str, installer: str) -> None:
    """Fetch uv into the cache ahead of the install, when it will install (engine_for then finds
    it there); a failure is left for engine_for to meet and report."""
    if installer != "uv" or uv_unsuitable(app.graph) is not None:
        return
    try:
        _provide_uv(layout, app, arch)
    except BuildError:
        pass
