"""A lock's export: the package manager's reading of the lock as requirements lines, for the
runtime the build installs (requirements/lockformats.py has one reader per format; uv.lock is
exported by uv, fetched here when it is needed). A build's export is kept in the cache and
reused while nothing that made it changed: a warm build of a locked app runs no tool."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from packaging.version import Version

from pybuildpack import output
from pybuildpack.context import Layout
from pybuildpack.python_version.tags import marker_environment
from pybuildpack.requirements import locked
from pybuildpack.requirements.app import App, check_paths, warn_unpinned
from pybuildpack.requirements.lockformats import ExportRequest, LockTool, reader_for
from pybuildpack.tools.pins import seed_pins
from pybuildpack.tools.pins import versions as tool_versions


def tool_index(app: App, default_index: str | None) -> str | None:
    """Where a package manager's tool is fetched from when the mirror has none: pip's index."""
    return app.config.values.get("PIP_INDEX_URL") or default_index


def _tool(layout: Layout, app: App, arch: str, name: str, default_index: str | None) -> LockTool | None:
    """The program a lock's reader names, fetched into the cache when it is not there."""
    if name != "uv":
        return None
    from pybuildpack.archives.mirror import Mirror
    from pybuildpack.tools.uv import Uv

    return Uv(
        layout, arch, tool_index(app, default_index), Mirror.configured(app.settings), "the app's lock file"
    )


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
    if not app.source.locked:
        return app
    reader = reader_for(app.source.kind)
    export = locked.export_path(layout.work, app.source)
    inputs = reader.inputs(app.source.root)
    pinned = tool_versions(layout.vendor).get(app.source.kind, "")
    facts = [pinned, version, str(groups), str(default_index), *sorted(app.config.values)]
    if app.source.member:  # a uv workspace's lock exports each member's own packages
        facts.append(f"member={app.source.member}")
    if app.source.selection:
        facts.append(app.source.selection.describe())
    key = locked.export_key(app.source, inputs, facts)
    keep = layout.cache is not None and python is not None and version and not groups
    saved = layout.cached("lock-export.txt") if keep else None
    text = locked.cached_export(saved, key)
    if text is not None:
        export.parent.mkdir(parents=True, exist_ok=True)
        export.write_text(text)
    else:
        request = ExportRequest(
            app=app.source.root,
            target=export,
            config=app.config.values,
            default_index=default_index,
            groups=groups,
            environment=marker_environment(Version(version)) if version else None,
            python=python,
            bound=layout.build,
            tool=_tool(layout, app, arch, reader.tool, default_index),
            package=app.source.member,
            selection=app.source.selection,
        )
        reader.export(request)
        locked.save_export(saved, key, export)
    root = app.source.root
    graph = locked.graph_from_export(root, app.source, export, inputs, app.config.for_expansion())
    app = replace(app, graph=graph)
    check_paths(layout, app)
    warn_unpinned(app)
    return app


def export_for_build(layout: Layout, app: App, arch: str, version: str) -> App:
    """decide's export of a locked app's lock, for the runtime of release version, as it says."""
    member = f"uv workspace member {app.source.member}" if app.source.member else ""
    output.step(f"Reading {app.source.path.name} ({member or app.source.manager})")
    if app.source.selection:
        output.info(f"with {app.source.selection.shown()}")
    from pybuildpack.index.select import pip_default_index  # (the index's modules: a lock's only)

    default_index = pip_default_index(layout.vendor / "seed")
    app = export_lock(layout, app, arch, layout.runtime_python, default_index, version=version)
    target = marker_environment(Version(version))
    count = sum(1 for entry in app.graph.requirements() if entry.applies(target))
    output.info(f"{count} packages locked for Python {version}")
    return app


def export_for_tests(layout: Layout, app: App, arch: str) -> App:
    """bin/test-compile's export of a locked app's lock: its dependency groups too, for the
    runtime the build installed."""
    from pybuildpack.index.select import pip_default_index

    default_index = pip_default_index(layout.vendor / "seed")
    return export_lock(layout, app, arch, layout.runtime_python, default_index, groups=True)


def lock_tools(layout: Layout, app: App) -> dict[str, str]:
    """The pinned tool of a locked app's package manager ({"uv": "0.13.9"}; {} for the others)."""
    pinned = tool_versions(layout.vendor)
    if not app.source.locked or app.source.manager not in pinned:
        return {}
    return {app.source.manager: pinned[app.source.manager]}


def package_manager(layout: Layout, app: App, tools: dict[str, str], made_by: str) -> str:
    """What installs the app, for the report: "uv 0.13.9", "pipenv (pipfile-spec 6)", "pip 25.1"."""
    pip = next((line.split("==")[1] for line in seed_pins(layout.vendor) if line.startswith("pip==")), "")
    described = " ".join([app.source.manager, *(tools.values() if app.source.locked else [pip])])
    return described + (f" ({made_by})" if made_by else "")
