"""decide, the core's first run (state.py): the dependency files, the Python version, the runtime,
the cached environment (reuse, sync or fresh) and the native libraries."""

from __future__ import annotations

from pybuildpack import output
from pybuildpack.archives import install as archives
from pybuildpack.archives.mirror import Mirror
from pybuildpack.build.app import libraries_of, native_libraries, read_app, sources_for
from pybuildpack.build.version import mirror_index, resolve_version
from pybuildpack.cache import entries, fingerprint
from pybuildpack.cache import environment as envcache
from pybuildpack.context import Layout, Settings
from pybuildpack.environment.relocate import relocate
from pybuildpack.faults import checkpoint
from pybuildpack.index.select import pip_default_index
from pybuildpack.state import LibraryUse, State


def _decide_environment(
    layout: Layout, inputs: fingerprint.Inputs, hash_checked: bool
) -> tuple[str, list[LibraryUse]]:
    """Restore the cached environment (or not); (mode, the cached environment's libraries).
    Hash-checked requirements that changed are installed afresh: pip checks no hash of what is
    installed already, so a synced environment would keep a package the new hashes reject."""
    meta, why = (None, "no cache") if layout.cache is None else envcache.restore(layout.cache, layout.env)
    if meta is None:
        output.step(f"Creating the environment ({why})")
        return "fresh", []
    changes = inputs.changes(meta.inputs)
    volatile = [f"{name} names a branch or tag: resolved again" for name in inputs.volatile]
    libraries = [LibraryUse(**item) for item in meta.libraries]
    if meta.fingerprint == inputs.digest() and not volatile:
        output.step("Reusing the cached environment (requirements unchanged)")
        relocate(layout.env, layout.runtime)
        return "reuse", libraries
    if any(change.rebuilds for change in changes):
        output.step("Rebuilding the environment: " + "; ".join(str(c) for c in changes))
        return "fresh", []
    why = "; ".join([str(c) for c in changes] + volatile)
    if hash_checked:
        output.step(f"Rebuilding the environment: {why} (hash-checked requirements are installed afresh)")
        return "fresh", []
    output.step(f"Updating the cached environment: {why}")
    relocate(layout.env, layout.runtime)
    return "sync", libraries


def decide(layout: Layout, settings: Settings, stack: str, arch: str) -> None:
    app = read_app(layout)  # fails before any download when the app's files are unusable
    for name, origin in app.graph.undefined_vars:
        output.warning(
            [
                f"${{{name}}} names no config var or environment variable",
                f"Where: {origin.show(layout.app)}",
                "pip sees it as written. Set the config var, or fix the name.",
            ]
        )
    if layout.cache is not None:
        entries.remove_links(layout.cache)
    mirror = Mirror.required()
    resolution = resolve_version(layout, mirror_index(layout, mirror), stack, arch)
    state = State(str(resolution.version), resolution.request.origin, stack, arch)
    state.write(layout.work)  # the report knows the version from here on
    archives.install_runtime(layout, state.python_version, stack, arch)
    checkpoint("runtime")
    inputs = fingerprint.collect(
        app.graph,
        python_version=state.python_version,
        stack=stack,
        arch=arch,
        buildpack=layout.buildpack,
        pip_config=app.pip_config,
        package_app=app.source.kind == "package",
    )
    hash_checked = "require_hashes" in app.graph.options or any(e.hashes for e in app.graph.entries)
    state.environment, libraries = _decide_environment(layout, inputs, hash_checked)
    state.fingerprint, state.inputs, state.volatile = inputs.digest(), inputs.items, inputs.volatile
    if state.environment != "reuse":
        state.default_index = pip_default_index(layout.vendor / "seed")
        libraries = []
        triggers = native_libraries(layout, app, sources_for(app, state.default_index))
        if triggers:
            output.step("Native libraries")
        for trigger in triggers:
            library, entry = trigger.library, trigger.entry
            if not settings.bootstrap_libraries:
                output.info(
                    f"{library.name} {library.version}: NOT bootstrapped (BUILDPACK_BOOTSTRAP_LIBRARIES=0)"
                )
                continue
            output.info(trigger.describe(layout.app))
            needed_by = f"{entry.name or entry.text} at {entry.origin.show(layout.app)}"
            libraries.append(LibraryUse(library.name, library.version, needed_by))
    elif libraries:
        output.step("Native libraries")
        output.info("\n".join(f"{use.name} {use.version}" for use in libraries))
    state.libraries = libraries
    archives.install_libraries(layout, libraries_of(layout, libraries), stack, arch)
    state.write(layout.work)
