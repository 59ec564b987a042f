"""plan (bin/plan): what the build would do, from the same functions the build calls; installs
nothing."""

from __future__ import annotations

from pybuildpack import output
from pybuildpack.context import Layout, Settings
from pybuildpack.index.select import Sources, pip_default_index
from pybuildpack.natives.detect import native_libraries
from pybuildpack.plan.planner import plan_for
from pybuildpack.plan.show import graph_lines, tell_plan
from pybuildpack.python_version.release import release_for
from pybuildpack.requirements.app import read_app
from pybuildpack.tools.export import export_lock
from pybuildpack.webapp import procfile


def show_plan(layout: Layout, settings: Settings, stack: str, arch: str) -> None:
    """bin/plan: the Python version, the requirements graph, the install plan and the web process
    the app gets without a Procfile."""
    app = read_app(layout, settings)
    workspace = app.source.workspace
    resolution = release_for(
        layout, settings, stack, arch, app.source.kind, planning=True, workspace=workspace
    )
    default_index = pip_default_index(layout.vendor / "seed")
    if app.source.locked:
        app = export_lock(layout, app, arch, None, default_index)
    if app.source.selection:
        output.step("Groups and extras installed besides the default set")
        output.info(app.source.selection.shown())
    output.step("Requirements graph")
    output.info("\n".join(graph_lines(app.graph)) or "(no requirements)")
    triggers = native_libraries(
        layout, app.graph, Sources.from_graph(app.graph, app.pip_config, default_index)
    )
    if triggers:
        output.step("Native libraries")
        for trigger in triggers:
            output.info(trigger.describe(app.graph.root))
    plan = plan_for(layout, app, settings, str(resolution.version), default_index)
    title = f"Install plan (for Python {resolution.version} on {stack} {arch})"
    tell_plan(plan, app.graph, app.source.install_command, title)
    names = frozenset(entry.name for entry in app.graph.requirements() if entry.name)
    title, lines = procfile.planned(layout.build, layout.env, names, layout.app)
    output.step(title)
    output.info("\n".join(lines))
