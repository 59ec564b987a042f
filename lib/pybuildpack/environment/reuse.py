"""What becomes of the cached environment, decided by decide: reused as it is (the app's inputs
unchanged), synced (a change a sync can make: the requirements installed afresh are named), or a
fresh one made (cache/fingerprint.py says which inputs changed, and whether they rebuild)."""

from __future__ import annotations

from pybuildpack import output
from pybuildpack.cache import fingerprint
from pybuildpack.cache.environment import Restoring, current_fingerprint, mark_shared
from pybuildpack.cache.tree import same_filesystem
from pybuildpack.context import Layout
from pybuildpack.environment import metadata
from pybuildpack.environment.relocate import relocate
from pybuildpack.requirements.app import App
from pybuildpack.state import LibraryUse, State

__all__ = ["Restoring", "decide_environment", "is_cold"]


def is_cold(layout: Layout) -> bool:
    """No cached environment to start from (the install will need its engine: fetched early)."""
    if layout.layers is not None:
        return not (layout.env / "pyvenv.cfg").is_file()
    return layout.cache is None or current_fingerprint(layout.cache) is None


def _say_if_copied(layout: Layout) -> None:
    """Once a build: the cache is on another filesystem, so what it keeps is copied, not linked."""
    if layout.layers is None and layout.cache is not None and not same_filesystem(layout.cache, layout.build):
        output.info(
            "CACHE_DIR is on another filesystem than the build directory: the cache keeps copies"
            " (a warm build copies the environment instead of linking it)"
        )


def _decide_environment(
    layout: Layout, inputs: fingerprint.Inputs, restoring: Restoring
) -> tuple[str, list[LibraryUse], list[str]]:
    """Restore the cached environment (or not); (mode, the cached environment's libraries, the
    requirements to install afresh in a sync: VCS branches and tags, and hash-checked requirements
    whose hashes are new, which pip would not check if it kept the installed copy)."""
    meta, why = restoring.result()
    mark_shared(layout)  # the slug shares the cache's files from here on (check_shared)
    if meta is None:
        output.step(f"Creating the environment ({why})")
        return "fresh", [], []
    changes = inputs.changes(meta.inputs)
    volatile = [f"{name} names a branch or tag: resolved again" for name in inputs.volatile]
    libraries = [LibraryUse(**item) for item in meta.libraries]
    if meta.fingerprint == inputs.digest() and not volatile:
        output.step("Reusing the cached environment (requirements unchanged)")
        relocate(layout.env, layout.runtime)
        if layout.layers is not None:
            mark_shared(layout)  # the layers as the buildpack leaves them (install does not run)
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


def decide_environment(
    layout: Layout, app: App, state: State, tools: dict[str, str], restoring: Restoring
) -> list[LibraryUse] | None:
    """The app's inputs fingerprinted, and the cached environment reused, synced or not (state's
    environment, volatile, fingerprint, inputs and, unless reused, default_index); the cached
    environment's native libraries when it is reused as it is, else None."""
    inputs = fingerprint.collect(
        app.graph,
        python_version=state.python_version,
        stack=state.stack,
        arch=state.arch,
        buildpack=layout.buildpack,
        pip_config=app.pip_config,
        package_app=app.source.kind == "package",
        tools=tools,
        selection=app.source.selection,
        compile_all=app.settings.compile_all,
    )
    state.environment, libraries, state.volatile = _decide_environment(layout, inputs, restoring)
    _say_if_copied(layout)  # (after the step line that says what becomes of the environment)
    state.fingerprint, state.inputs = inputs.digest(), inputs.items
    if state.environment == "reuse":
        return libraries
    from pybuildpack.index.select import pip_default_index  # (the index's modules: not for a reuse)

    state.default_index = pip_default_index(layout.vendor / "seed")
    return None
