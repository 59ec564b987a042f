"""decide, the core's first run (state.py): the dependency files, the Python version, the runtime,
the cached environment (reuse, sync or fresh) and the native libraries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from packaging.version import Version

from pybuildpack import output
from pybuildpack.archives import install as archives
from pybuildpack.archives.mirror import Mirror
from pybuildpack.build.app import (
    check_paths,
    export_lock,
    libraries_of,
    lock_made_by,
    native_libraries,
    prefetch_uv,
    read_app,
    sources_for,
)
from pybuildpack.build.finish import mark_shared
from pybuildpack.build.version import mirror_index, resolve_version
from pybuildpack.cache import environment as envcache
from pybuildpack.cache import fingerprint
from pybuildpack.cache.tree import same_filesystem
from pybuildpack.context import Layout, Settings
from pybuildpack.environment import metadata
from pybuildpack.environment.install import pins
from pybuildpack.environment.relocate import relocate
from pybuildpack.faults import checkpoint
from pybuildpack.index.select import pip_default_index
from pybuildpack.python_version.tags import marker_environment
from pybuildpack.state import LibraryUse, State
from pybuildpack.tools.pins import versions as tool_versions


def _say_if_copied(layout: Layout) -> None:
    """Once a build: the cache is on another filesystem, so what it keeps is copied, not linked."""
    if layout.cache is not None and not same_filesystem(layout.cache, layout.build):
        output.info(
            "CACHE_DIR is on another filesystem than the build directory: the cache keeps copies"
            " (a warm build copies the environment instead of linking it)"
        )


def _decide_environment(
    layout: Layout, inputs: fingerprint.Inputs, restoring: envcache.Restoring
) -> tuple[str, list[LibraryUse], list[str]]:
    """Restore the cached environment (or not); (mode, the cached environment's libraries, the
    requirements to install afresh in a sync: VCS branches and tags, and hash-checked requirements
    whose hashes are new, which pip would not check if it kept the installed copy)."""
    meta, why = restoring.result()
    mark_shared(layout)  # the slug shares the cache's files from here on (finish.check_shared)
    if meta is None:
        output.step(f"Creating the environment ({why})")
        return "fresh", [], []
    changes = inputs.changes(meta.inputs)
    volatile = [f"{name} names a branch or tag: resolved again" for name in inputs.volatile]
    libraries = [LibraryUse(**item) for item in meta.libraries]
    if meta.fingerprint == inputs.digest() and not volatile:
        output.step("Reusing the cached environment (requirements unchanged)")
        relocate(layout.env, layout.runtime)
        return "reuse", libraries, []
    if any(change.rebuilds for change in changes):
        shown = [str(c) for c in changes if fingerprint.kind_of(c.key) != fingerprint.HASHES]
        output.step("Rebuilding the environment: " + "; ".join(shown))
        return "fresh", [], []
    have = metadata.installed(layout.env)
    rehash = [name for name in inputs.rehash(meta.inputs) if name in have]
    said = [str(c) for c in changes if fingerprint.kind_of(c.key) != fingerprint.HASHES]
    if rehash:
        said.append(f"new hashes for {', '.join(rehash)}: installed afresh")
    output.step(f"Updating the cached environment: {'; '.join(said + volatile)}")
    relocate(layout.env, layout.runtime)
    return "sync", libraries, list(inputs.volatile) + rehash


def decide(layout: Layout, settings: Settings, stack: str, arch: str, restoring: envcache.Restoring) -> None:
    """restoring: the cached environment being put in place since the run started
    (envcache.Restoring, begun by the caller before this module was imported)."""
    app = read_app(layout, settings)  # fails before any download when the app's files are unusable
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
    mirror = Mirror.required(settings)
    resolution = resolve_version(layout, mirror_index(layout, mirror), stack, arch, app.source.kind)
    state = State(str(resolution.version), resolution.request.origin, stack, arch)
    state.write(layout.work)  # the report knows the version from here on
    # Without a cached environment the install will need uv: fetched while the runtime unpacks.
    cold = layout.cache is None or envcache.current_fingerprint(layout.cache) is None
    with ThreadPoolExecutor(max_workers=1) as pool:
        if cold:
            pool.submit(prefetch_uv, layout, app, arch, settings.installer)
        archives.install_runtime(layout, mirror, state.python_version, stack, arch)
    checkpoint("runtime")
    tools: dict[str, str] = {}
    if app.source.locked:
        output.step(f"Reading {app.source.path.name} ({app.source.manager})")
        default_index = pip_default_index(layout.vendor / "seed")
        app = export_lock(
            layout, app, arch, layout.runtime_python, default_index, version=state.python_version
        )
        pinned = tool_versions(layout.vendor)
        tools = {app.source.manager: pinned[app.source.manager]} if app.source.manager in pinned else {}
        target = marker_environment(Version(state.python_version))
        count = sum(1 for entry in app.graph.requirements() if entry.applies(target))
        output.info(f"{count} packages locked for Python {state.python_version}")
    pip = next((line.split("==")[1] for line in pins(layout) if line.startswith("pip==")), "")
    state.package_manager = " ".join([app.source.manager, *(tools.values() if app.source.locked else [pip])])
    made = lock_made_by(layout, app.source) if app.source.locked else ""
    state.package_manager += f" ({made})" if made else ""
    inputs = fingerprint.collect(
        app.graph,
        python_version=state.python_version,
        stack=stack,
        arch=arch,
        buildpack=layout.buildpack,
        pip_config=app.pip_config,
        package_app=app.source.kind == "package",
        tools=tools,
    )
    state.environment, libraries, state.volatile = _decide_environment(layout, inputs, restoring)
    _say_if_copied(layout)  # (after the step line that says what becomes of the environment)
    state.fingerprint, state.inputs = inputs.digest(), inputs.items
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
    archives.install_libraries(layout, mirror, libraries_of(layout, libraries), stack, arch)
    state.write(layout.work)
