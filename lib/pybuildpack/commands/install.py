"""install, the core's second run (state.py): the environment and the dependencies, as the plan
says; made complete and saved to the cache."""

from __future__ import annotations

import time

from pybuildpack.cache import bytecode
from pybuildpack.context import Layout, Settings
from pybuildpack.environment import sync
from pybuildpack.environment.choose import engine_for_build
from pybuildpack.environment.complete import complete
from pybuildpack.environment.install import create_seeded
from pybuildpack.environment.retry import install_planned
from pybuildpack.plan.planner import plan_for
from pybuildpack.requirements.app import read_app
from pybuildpack.state import State


def install(layout: Layout, settings: Settings, state: State) -> None:
    from concurrent.futures import ThreadPoolExecutor  # (imported by a run that installs only)

    started = time.monotonic(), time.time()
    app = read_app(layout, settings)
    store = bytecode.store_for(layout)
    look = bytecode.holds_any(store)  # as this build found it (the seed's bytecode goes in first)
    # The plan asks the index while the engine is provided and the environment made. (uv fetching
    # ahead into a throwaway target meanwhile was measured slower: the tree it links and removes
    # cost more than the download it moved earlier.)
    with ThreadPoolExecutor(max_workers=1) as pool:
        planned = pool.submit(plan_for, layout, app, settings, state.python_version, state.default_index)
        engine = engine_for_build(layout, app, state, settings.installer)
        seeding = None
        if state.environment == "fresh":
            seeding = create_seeded(layout, store, look, settings.compile_all, say=True)
        plan = planned.result()
    before = sync.before_install(layout, state, engine)
    state.installs, plan = install_planned(layout, app, settings, state, plan, engine)
    if state.environment == "sync":
        rebuilt = sync.sync_or_rebuild(layout, app, plan, engine, store, look)
        if rebuilt is not None:
            seeding, before, state.installs = rebuilt.seeding, rebuilt.before, rebuilt.steps
    state.write(layout.work)
    complete(layout, state, engine, before, seeding, store, look, started, settings.compile_all)
