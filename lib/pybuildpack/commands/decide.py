"""decide, the core's first run (state.py): the dependency files, the Python version, the runtime,
the cached environment (reuse, sync or fresh) and the native libraries."""

from __future__ import annotations

from pybuildpack.archives.install import install_runtime
from pybuildpack.context import Layout, Settings
from pybuildpack.environment import reuse
from pybuildpack.environment.choose import prefetch_uv
from pybuildpack.faults import checkpoint
from pybuildpack.natives import detect as natives
from pybuildpack.python_version.release import release_for
from pybuildpack.requirements.app import check_read, declared, lock_made_by, project_declares, read_app
from pybuildpack.state import State
from pybuildpack.tools import export


def decide(layout: Layout, settings: Settings, stack: str, arch: str, restoring: reuse.Restoring) -> None:
    """restoring: the cached environment being put in place since the run started
    (cache/environment.py's Restoring, begun by the caller before this module was imported)."""
    app = read_app(layout, settings)  # fails before any download when the app's files are unusable
    check_read(layout, app)
    resolution = release_for(layout, settings, stack, arch, app.source.kind, workspace=app.source.workspace)
    state = State(str(resolution.version), resolution.request.origin, stack, arch)
    state.install_groups = list(app.source.selection.groups)
    state.install_extras = list(app.source.selection.extras)
    state.write(layout.work)  # the report knows the version from here on
    # Without a cached environment the install will need uv: fetched while the runtime unpacks.
    if reuse.is_cold(layout):
        from concurrent.futures import ThreadPoolExecutor  # (not a warm build's: its start costs)

        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(prefetch_uv, layout, app, arch, settings.installer)
            install_runtime(layout, settings, state.python_version, stack, arch)
    else:
        install_runtime(layout, settings, state.python_version, stack, arch)
    checkpoint("runtime")
    if app.source.locked:
        app = export.export_for_build(layout, app, arch, state.python_version)
    tools = export.lock_tools(layout, app)
    made_by = lock_made_by(layout, app.source)
    state.package_manager = export.package_manager(layout, app, tools, made_by)
    cached = reuse.decide_environment(layout, app, state, tools, restoring)
    bootstrap = settings.bootstrap_libraries
    state.libraries = natives.for_build(layout, app, state.default_index, bootstrap, cached)
    state.libraries = natives.install(layout, settings, state.libraries, stack, arch)
    state.declared, state.locked = declared(layout, app), app.source.locked
    state.project_declares = project_declares(app)
    state.write(layout.work)
