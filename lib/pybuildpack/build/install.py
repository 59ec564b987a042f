"""install, the core's second run (state.py): the environment and the dependencies, as the plan
says; and bin/test-compile's test requirements, by the same engine."""

from __future__ import annotations

import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from pybuildpack import output
from pybuildpack.build.app import (
    App,
    engine_for,
    export_lock,
    knowledge_for,
    learning_file,
    libraries_of,
    plan_for,
    read_app,
)
from pybuildpack.build.finish import begin_saving_environment, bytecode_store, mark_shared, save_environment
from pybuildpack.context import ConfigVars, Layout, Settings
from pybuildpack.environment import bytecode, metadata
from pybuildpack.environment.pipfailure import InstallFailed, missing_at_build
from pybuildpack.environment.relocate import relocate
from pybuildpack.natives.registry import load_registry
from pybuildpack.plan import learning
from pybuildpack.state import State


def install(layout: Layout, settings: Settings, state: State) -> None:
    from pybuildpack.cache import pip as pipcache
    from pybuildpack.environment.install import (
        install_dependencies,
        pins,
        started_modules,
    )
    from pybuildpack.environment.sync import sync
    from pybuildpack.plan.show import plan_lines

    started, wall_started = time.monotonic(), time.time()
    layout = replace(layout, libraries=tuple(lib for lib, _ in libraries_of(layout, state.libraries)))
    app = read_app(layout, settings)
    store = bytecode_store(layout)
    look = bytecode.holds_any(store)  # as this build found it (the seed's bytecode goes in first)
    # The plan asks the index while the engine is provided and the environment made. (uv fetching
    # ahead into a throwaway target meanwhile was measured slower: the tree it links and removes
    # cost more than the download it moved earlier.)
    with ThreadPoolExecutor(max_workers=1) as pool:
        planned = pool.submit(plan_for, layout, app, settings, state.python_version, state.default_index)
        engine = engine_for(layout, app, state.arch, settings.installer)
        seeding = None
        if state.environment == "fresh":
            seeding = _create(layout, store, look)
            output.info(f".heroku/{layout.env.name} (virtualenv) with {', '.join(pins(layout))}")
        plan = planned.result()
    output.step("Install plan")
    output.info("\n".join(plan_lines(plan, app.graph, app.source.install_command)))
    before = metadata.snapshot(layout.env)
    if state.environment == "sync":
        engine.uninstall([name for name in state.volatile if name in metadata.installed(layout.env)])
    try:
        steps = install_dependencies(layout, app.source, app.graph, plan, engine)
    except InstallFailed as failure:
        # One retry, never more: after emptying a damaged pip cache, or with what pip's failure taught.
        damaged = _discard_damaged_pip_cache(layout, failure.tail)
        lessons = [] if damaged else _lessons(layout, app, settings, failure)
        if damaged:
            output.step("pip's cache held a damaged file: it was emptied. Retrying")
        elif lessons:
            for lesson in lessons:
                output.step(f"{lesson.describe()}; retrying")
                output.info(f"pip said: {lesson.evidence}")
            plan = plan_for(layout, app, settings, state.python_version, state.default_index, lessons)
            output.step("Install plan")
            output.info("\n".join(plan_lines(plan, app.graph, app.source.install_command)))
        else:
            raise
        steps = install_dependencies(layout, app.source, app.graph, plan, engine)
        learning.save(learning_file(layout), lessons)
    if state.environment == "sync":
        wrong = sync(layout, app.source, app.graph, engine)
        if wrong:
            output.warning(
                [
                    "The updated environment does not hold exactly the resolved requirements:",
                    *wrong,
                    "Building a fresh environment instead.",
                ]
            )
            shutil.rmtree(layout.env)
            seeding = _create(layout, store, look)
            before = metadata.snapshot(layout.env)
            steps = install_dependencies(layout, app.source, app.graph, plan, engine)
    state.installs = steps
    state.write(layout.work)
    # The modules compile while the environment is made relocatable and the caches pruned.
    added = metadata.installed_since(layout.env, before)
    # (An environment cached before the seed was compiled has the modules every start imports.)
    modules = added + (started_modules(layout.env) if seeding is None else [])
    compiling = bytecode.start_compiling(layout.env, modules, store, look)
    relocate(layout.env, layout.runtime)
    if layout.pip_cache is not None:
        try:
            layout.pip_cache.mkdir(parents=True, exist_ok=True)
            pipcache.record_and_prune(layout.pip_cache, wall_started, metadata.installed(layout.env))
            prune = getattr(engine, "prune", None)
            if prune is not None:
                prune(pipcache.recent(layout.pip_cache), added)
        except OSError:
            pass  # the cache is best effort
    # A fresh environment goes into the cache while its modules compile; its bytecode after.
    saving = begin_saving_environment(layout, state)
    done = compiling.wait()
    if seeding is not None:
        seeded = seeding.wait()
        done = bytecode.Compiled(done.linked + seeded.linked, done.compiled + seeded.compiled)
    _tell(done)
    output.info(f"Done in {time.monotonic() - started:.1f}s")
    save_environment(layout, state, saving)
    if state.environment == "fresh":
        mark_shared(layout)  # a fresh environment shares nothing with the cache before it is saved


def _create(layout: Layout, store: Path | None, look: bool) -> bytecode.Pending:
    """A fresh environment (create_environment), its seed (pip, setuptools, wheel) compiling at
    once, as pip compiles what it installs: while the engine downloads, the cores are mostly idle."""
    from pybuildpack.environment.install import create_environment

    create_environment(layout)
    return bytecode.start_compiling(layout.env, metadata.installed_since(layout.env, {}), store, look)


def _tell(compiled: bytecode.Compiled) -> None:
    if compiled.compiled or compiled.linked:
        output.info(compiled.describe())


_DAMAGED_RE = re.compile(r"located at (?P<path>\S+) is invalid|BadZipFile|zipfile\.BadZipFile")


def _discard_damaged_pip_cache(layout: Layout, tail: list[str]) -> bool:
    """When pip failed on a damaged file of its own cache (a truncated wheel), empty the caches it
    builds and downloads into (pip keeps no checksum of them): True when there was one."""
    cache = layout.pip_cache
    if cache is None or not any(_DAMAGED_RE.search(line) for line in tail):
        return False
    for name in ("wheels", "http-v2"):
        shutil.rmtree(cache / name, ignore_errors=True)
    return True


def _lessons(layout: Layout, app: App, settings: Settings, failure: InstallFailed) -> list[learning.Lesson]:
    """What pip's failure teaches that the plan did not know already (nothing when learning is off)."""
    if not settings.detect:
        return []
    knowledge = knowledge_for(layout, settings)
    known = {(r.name, n) for r in knowledge.rules for n in r.needs}
    lessons = learning.explain(missing_at_build(failure.tail), app.graph, knowledge)
    return [lesson for lesson in lessons if (lesson.package, lesson.needs) not in known]


def install_test_requirements(layout: Layout, settings: Settings, requirements: Path, arch: str) -> None:
    """bin/test-compile (Heroku CI): what the app's tests need, into the environment the build
    made, by the same engine in the same environment as the build's own install: a locked app's
    dependency groups (uv's dev group), then requirements-test.txt when the app has one."""
    from pybuildpack.environment.install import final_installs, requirement_args
    from pybuildpack.index.select import pip_default_index
    from pybuildpack.requirements.parse import parse_requirements

    config = ConfigVars.read(layout.env_dir)
    registry = load_registry(layout.data / "native-libraries.toml")
    layout = replace(layout, libraries=tuple(lib for lib in registry if (layout.natives / lib.name).is_dir()))
    app = read_app(layout, settings)
    before = metadata.snapshot(layout.env)
    if app.source.locked:
        default_index = pip_default_index(layout.vendor / "seed")
        app = export_lock(layout, app, arch, layout.runtime_python, default_index, groups=True)
        output.step(f"Installing test dependencies from {app.source.path.name} (its dependency groups)")
        engine = engine_for(layout, app, arch, settings.installer)
        for args in final_installs(layout, app.source, app.graph):
            engine.install(args)
    if requirements.is_file():
        graph = parse_requirements(requirements, layout.app, config.for_expansion())
        output.step(f"Installing test dependencies from {requirements.name}")
        tests = App(app.source, graph, config, settings)
        args = requirement_args(layout, graph, ["-r", str(requirements)], "tests")
        engine_for(layout, tests, arch, settings.installer).install(args)
    _tell(bytecode.compile_installed(layout.env, metadata.installed_since(layout.env, before), None))
