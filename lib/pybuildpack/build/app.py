"""The app as one build step sees it: its dependency files read once into the graph, where pip
will look, the native libraries it needs, the install engine and the plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pybuildpack.cache import entries
from pybuildpack.context import ConfigVars, Layout, Settings
from pybuildpack.index.select import Sources
from pybuildpack.natives.registry import Library, Trigger, load_registry
from pybuildpack.plan import learning
from pybuildpack.plan.learning import Lesson
from pybuildpack.plan.prerequisites import Knowledge
from pybuildpack.python_version.tags import marker_environment
from pybuildpack.requirements import locked, pipfilelock, poetrylock, uvlock
from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.load import load_graph
from pybuildpack.requirements.source import InstallSource, install_source
from pybuildpack.state import LibraryUse
from pybuildpack.tools.pins import versions as tool_versions

if TYPE_CHECKING:
    from pybuildpack.environment.engine import Engine
    from pybuildpack.plan.model import Plan
    from pybuildpack.tools.uv import Uv


@dataclass(frozen=True)
class App:
    """The app's dependency files, read once per run, and the settings it is built with."""

    source: InstallSource
    graph: Graph
    config: ConfigVars
    settings: Settings

    @property
    def pip_config(self) -> dict[str, str]:
        return self.config.for_pip()


# The module that checks each package manager's lock.
_READERS = {"uv": uvlock, "pipenv": pipfilelock, "poetry": poetrylock}
_LOCK_COMMANDS = {"uv": "uv lock", "pipenv": "pipenv lock", "poetry": "poetry lock"}


def lock_made_by(layout: Layout, source: InstallSource) -> str:
    """What made the app's lock, for the report, where the lock says ("" where it does not)."""
    describe = getattr(_READERS.get(source.kind), "describe", None)
    return describe(layout.app) if describe is not None else ""


def _lock_inputs(layout: Layout, source: InstallSource) -> list[Path]:
    """The files a lock is made from, besides the lock itself."""
    return [layout.app / (pipfilelock.PIPFILE if source.kind == "pipenv" else uvlock.PROJECT)]


def read_app(layout: Layout, settings: Settings) -> App:
    """The app's dependency files as a graph (a BuildError, before any download, when they are
    unusable). A lock file's graph is its export (export_lock), once decide has made it."""
    config = ConfigVars.read(layout.env_dir)
    source = install_source(layout.app, layout.data / "app-markers.txt", settings.package_manager)
    if not source.locked:
        return App(source, load_graph(layout.app, source, config.for_expansion()), config, settings)
    _READERS[source.kind].check_files(layout.app)
    export = locked.export_path(layout.work, source)
    inputs = _lock_inputs(layout, source)
    if export.is_file():
        graph = locked.graph_from_export(layout.app, source, export, inputs, config.for_expansion())
        return App(source, graph, config, settings)
    return App(source, locked.empty_graph(layout.app, source, inputs), config, settings)


def tool_index(app: App, default_index: str | None) -> str | None:
    """Where a package manager's tool is fetched from when the mirror has none: pip's index."""
    return app.config.values.get("PIP_INDEX_URL") or default_index


def export_lock(
    layout: Layout,
    app: App,
    arch: str,
    python: Path | None,
    default_index: str | None,
    *,
    groups: bool = False,
    version: str = "",
) -> App:
    """The app with its lock's graph: the package manager exports what the lock holds for the
    runtime python of release version (checking the lock is current; python None: bin/plan, no
    check), with the dependency groups too when groups (bin/test-compile). A build's export is
    kept in the cache and reused while nothing that made it changed."""
    from pybuildpack.archives.mirror import Mirror
    from pybuildpack.tools.uv import Uv

    if not app.source.locked:
        return app
    export = locked.export_path(layout.work, app.source)
    inputs = _lock_inputs(layout, app.source)
    pinned = tool_versions(layout.vendor).get(app.source.kind, "")
    facts = [pinned, version, str(groups), str(default_index), *sorted(app.config.values)]
    key = locked.export_key(app.source, inputs, facts)
    keep = layout.cache is not None and python is not None and version and not groups
    saved = entries.path(layout.cache, "lock-export.txt") if keep and layout.cache else None
    text = locked.cached_export(saved, key)
    if text is not None:
        export.parent.mkdir(parents=True, exist_ok=True)
        export.write_text(text)
    elif app.source.kind == "pipenv":
        pipfilelock.export(layout.app, export, default_index, develop=groups, bound=layout.build)
    elif app.source.kind == "poetry":
        from packaging.version import Version

        target = marker_environment(Version(version)) if version else None
        poetrylock.export(
            layout.app, export, app.config.values, all_groups=groups, environment=target, bound=layout.build
        )
    else:
        uv = Uv(layout, arch, tool_index(app, default_index), Mirror.configured(app.settings))
        uvlock.export(layout.app, uv, python, export, app.config.values, groups=groups)
    if text is None:
        locked.save_export(saved, key, export)
    graph = locked.graph_from_export(layout.app, app.source, export, inputs, app.config.for_expansion())
    app = replace(app, graph=graph)
    check_paths(layout, app)
    _warn_unpinned(app)
    return app


def check_paths(layout: Layout, app: App) -> None:
    """Every local path of the app's graph is inside the build directory, and no local package
    (nor the app built as a package) holds a link out of it (requirements/localpaths.py)."""
    from pybuildpack.requirements import localpaths

    localpaths.check(app.graph, layout.build, app.source.kind == "package")


def _warn_unpinned(app: App) -> None:
    """A lock's VCS package that names no commit installs whatever its branch holds that day."""
    from pybuildpack import output

    for entry in app.graph.requirements():
        if entry.kind == "vcs" and not entry.vcs_pinned_to_commit:
            output.warning(
                [
                    f"{app.source.path.name} locks {entry.name or entry.text} from a VCS without a commit",
                    f"Where: {entry.origin.show(app.graph.root)}",
                    "Each build installs what its branch holds that day, not what was locked.",
                    f"Pin it to a commit (its full sha) and run '{_LOCK_COMMANDS[app.source.kind]}' again.",
                ]
            )


def sources_for(app: App, default_index: str | None) -> Sources:
    """Where pip will look for the app's distributions (default_index: pip's own, or None)."""
    return Sources.from_graph(app.graph, app.pip_config, default_index)


def native_libraries(layout: Layout, app: App, sources: Sources) -> list[Trigger]:
    from pybuildpack.natives.detect import needed_libraries

    registry = load_registry(layout.data / "native-libraries.toml")
    return needed_libraries(app.graph, registry, sources, layout.downloads)


def libraries_of(layout: Layout, uses: list[LibraryUse]) -> list[tuple[Library, str]]:
    registry = {lib.name: lib for lib in load_registry(layout.data / "native-libraries.toml")}
    return [(registry[use.name], use.needed_by) for use in uses if use.name in registry]


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


def engine_for(layout: Layout, app: App, arch: str, installer: str = "uv") -> Engine:
    """The install engine: BUILDPACK_INSTALLER's (uv, the default, or pip), or pip when the graph
    holds a form uv does not accept, or when uv can't be had (the build says why)."""
    from pybuildpack import output
    from pybuildpack.environment.pip import Pip
    from pybuildpack.errors import BuildError

    if installer != "uv":
        return Pip(layout, app.graph, app.pip_config, "BUILDPACK_INSTALLER=pip")
    why = uv_unsuitable(app.graph)
    if why is None:
        from pybuildpack.environment.uv import UvEngine

        try:
            uv = _provide_uv(layout, app, arch)
        except BuildError as exc:
            why = f"uv could not be fetched ({exc.title})"
        else:
            output.info(f"Installing with uv {uv.version} (pip takes over a step uv fails)")
            return UvEngine(layout, app.graph, app.pip_config, uv)
    output.info(f"Installing with pip, not uv: {why}")
    return Pip(layout, app.graph, app.pip_config, why)


def _provide_uv(layout: Layout, app: App, arch: str) -> Uv:
    """uv, fetched into the cache (from the mirror, else the app's index) when it is not there."""
    from pybuildpack.archives.mirror import Mirror
    from pybuildpack.index.select import pip_default_index
    from pybuildpack.tools.uv import Uv

    return Uv(
        layout,
        arch,
        tool_index(app, pip_default_index(layout.vendor / "seed")),
        Mirror.configured(app.settings),
    )


def prefetch_uv(layout: Layout, app: App, arch: str, installer: str) -> None:
    """Fetch uv into the cache ahead of the install, when it will install (engine_for then finds
    it there); a failure is left for engine_for to meet and report."""
    from pybuildpack.errors import BuildError

    if installer != "uv" or uv_unsuitable(app.graph) is not None:
        return
    try:
        _provide_uv(layout, app, arch)
    except BuildError:
        pass


def learning_file(layout: Layout) -> Path | None:
    return entries.path(layout.cache, "learned.json") if layout.cache is not None else None


def knowledge_for(layout: Layout, settings: Settings, lessons: Sequence[Lesson] = ()) -> Knowledge:
    """The build prerequisites the plan knows: data/build-prerequisites.toml, the user's rules,
    and (unless detection is off) what earlier builds learned from pip's failures, plus lessons."""
    knowledge = Knowledge.load(layout.data / "build-prerequisites.toml").with_user_rules(settings.user_rules)
    if not settings.detect:
        return knowledge
    return knowledge.with_rules(
        [lesson.rule() for lesson in [*learning.load(learning_file(layout)), *lessons]]
    )


def plan_for(
    layout: Layout,
    app: App,
    settings: Settings,
    version: str,
    default_index: str | None,
    lessons: Sequence[Lesson] = (),
) -> Plan:
    from packaging.version import Version

    from pybuildpack.plan.planner import make_plan

    knowledge = knowledge_for(layout, settings, lessons)
    sources = sources_for(app, default_index)
    wheels = entries.path(layout.cache, "known-wheels.json") if layout.cache is not None else None
    return make_plan(knowledge, app.graph, settings, Version(version), sources, layout.downloads, wheels)
