"""The app as one build step sees it: its dependency files read once into the graph (a lock's
graph is its export, once decide has made it: tools/export.py), and its config vars."""

from __future__ import annotations

from dataclasses import dataclass, replace

from pybuildpack import output
from pybuildpack.context import ConfigVars, Layout, Settings
from pybuildpack.redact import redact
from pybuildpack.reproducible import run_url
from pybuildpack.requirements import locked, ownline
from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.load import load_graph
from pybuildpack.requirements.lockformats import reader_for
from pybuildpack.requirements.selection import choices_of, select
from pybuildpack.requirements.source import InstallSource, install_source
from pybuildpack.state import Declared


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


def read_app(layout: Layout, settings: Settings) -> App:
    """The app's dependency files as a graph (a BuildError, before any download, when they are
    unusable). A lock file's graph is its export (tools/export.py), once decide has made it."""
    config = ConfigVars.read(layout.env_dir)
    markers = layout.data / "app-markers.txt"
    source = install_source(layout.app, markers, settings.package_manager, layout.build)
    if source.locked:
        reader_for(source.kind).check(source.root)  # (before its groups are read from its files)
    # a requirements file is read first: whether it installs the app tells which extras it has
    listed = load_graph(layout.app, source, config.for_expansion()) if source.kind == "requirements" else None
    if settings.install_groups or settings.install_extras:
        itself = listed is not None and bool(ownline.own_lines(listed, layout.app))
        choices = choices_of(layout.app, source.kind, itself)
        if source.member:  # the member's own file, named from the workspace's root (its uv.lock's)
            member_file = layout.app.resolve().relative_to(source.root.resolve()) / choices.file
            choices = replace(choices, file=member_file.as_posix())
        source = replace(source, selection=select(settings.install_groups, settings.install_extras, choices))
    if listed is not None:
        ownline.add_extras(listed, layout.app, source.selection.extras)
        return App(source, listed, config, settings)
    if not source.locked:
        return App(source, load_graph(layout.app, source, config.for_expansion()), config, settings)
    reader = reader_for(source.kind)
    export = locked.export_path(layout.work, source)
    inputs = reader.inputs(source.root)
    if export.is_file():
        graph = locked.graph_from_export(source.root, source, export, inputs, config.for_expansion())
        return App(source, graph, config, settings)
    return App(source, locked.empty_graph(source.root, source, inputs), config, settings)


def lock_made_by(layout: Layout, source: InstallSource) -> str:
    """What made the app's lock, for the report, where the lock says ("" where it does not)."""
    return reader_for(source.kind).describe(source.root) if source.locked else ""


def check_paths(layout: Layout, app: App) -> None:
    """Every local path of the app's graph is inside the build directory, and no local package
    (nor the app built as a package) holds a link out of it (requirements/localpaths.py)."""
    from pybuildpack.requirements import localpaths

    localpaths.check(app.graph, layout.build, app.source.kind == "package")


def check_read(layout: Layout, app: App) -> None:
    """What decide says of the app's files as soon as they are read: their local paths checked
    (a lock's, once it is exported), and each ${VAR} that names nothing."""
    if not app.source.locked:
        check_paths(layout, app)
    for name, origin in app.graph.undefined_vars:
        output.warning(
            [
                f"${{{name}}} names no config var or environment variable",
                f"Where: {origin.show(layout.app)}",
                "pip sees it as written. Set the config var, or fix the name.",
            ]
        )


def warn_unpinned(app: App) -> None:
    """A lock's VCS package that names no commit installs whatever its branch holds that day."""
    command = reader_for(app.source.kind).command
    for entry in app.graph.requirements():
        if entry.kind == "vcs" and not entry.vcs_pinned_to_commit:
            output.warning(
                [
                    f"{app.source.path.name} locks {entry.name or entry.text} from a VCS without a commit",
                    f"Where: {entry.origin.show(app.graph.root)}",
                    "Each build installs what its branch holds that day, not what was locked.",
                    f"Pin it to a commit (its full sha) and run '{command}' again.",
                ]
            )


def project_declares(app: App) -> list[str] | None:
    """A locked app's: the distributions its project files declare (LockReader.declares: its
    pyproject.toml, a uv workspace's, its Pipfile), sorted; None for an app without a lock, or
    when they can't be read."""
    if not app.source.locked:
        return None
    found = reader_for(app.source.kind).declares(app.source.root)
    return sorted(found) if found is not None else None


def declared(layout: Layout, app: App) -> list[Declared]:
    """The app's requirements as the bill of materials records them (state.Declared, sbom/facts.py):
    each one's distribution, where it is written, the sha256 values it allows and its URL, taken
    by decide from the graph it reads anyway, so that finish knows each distribution's origin
    without reading the app again. Constraints install nothing: left out."""
    found = []
    for entry in app.graph.requirements():
        hashes = {h.split(":", 1)[1].lower() for h in entry.hashes if h.lower().startswith("sha256:")}
        url = entry.url or (run_url(entry.path.as_uri(), layout.runs_from) if entry.path is not None else "")
        extras = sorted(entry.extras)
        origin = entry.origin.show(layout.app)
        found.append(Declared(entry.name or "", origin, sorted(hashes), redact(url), extras))
    return found
