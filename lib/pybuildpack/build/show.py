"""bin/plan: what the build would do, from the same functions the build calls."""

from __future__ import annotations

from pybuildpack import output
from pybuildpack.archives.mirror import Mirror
from pybuildpack.build.app import export_lock, native_libraries, plan_for, read_app, sources_for
from pybuildpack.build.version import mirror_index, resolve_version
from pybuildpack.context import Layout, Settings
from pybuildpack.index.select import pip_default_index


def show_plan(layout: Layout, settings: Settings, stack: str, arch: str) -> None:
    """bin/plan: the Python version, the requirements graph and the install plan; installs nothing."""
    from pybuildpack.plan.show import graph_lines, plan_lines

    app = read_app(layout, settings)
    resolution = resolve_version(
        layout, mirror_index(layout, Mirror.configured(settings), keep=False), stack, arch, app.source.kind
    )
    default_index = pip_default_index(layout.vendor / "seed")
    if app.source.locked:
        app = export_lock(layout, app, arch, None, default_index)
    output.step("Requirements graph")
    output.info("\n".join(graph_lines(app.graph)) or "(no requirements)")
    triggers = native_libraries(layout, app, sources_for(app, default_index))
    if triggers:
        output.step("Native libraries")
        for trigger in triggers:
            output.info(trigger.describe(layout.app))
    plan = plan_for(layout, app, settings, str(resolution.version), default_index)
    output.step(f"Install plan (for Python {resolution.version} on {stack} {arch})")
    output.info("\n".join(plan_lines(plan, app.graph, app.source.install_command)))
