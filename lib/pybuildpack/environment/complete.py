"""The environment made complete once its dependencies are installed: its modules compiled (while
it is made relocatable and the caches pruned), and saved to the cache before any of the app's
code runs (cache/environment.py)."""

from __future__ import annotations

import time
from pathlib import Path

from pybuildpack import output
from pybuildpack.cache import environment as envcache
from pybuildpack.cache import pip as pipcache
from pybuildpack.context import Layout
from pybuildpack.environment import bytecode, metadata
from pybuildpack.environment.engine import Engine
from pybuildpack.environment.install import started_modules
from pybuildpack.environment.relocate import make_local_installs_portable, relocate
from pybuildpack.state import State


def complete(
    layout: Layout,
    state: State,
    engine: Engine,
    before: dict[str, int],
    seeding: bytecode.Pending | None,
    store: Path | None,
    look: bool,
    started: tuple[float, float],
    every: bool,
) -> None:
    """What the install added since before (metadata.snapshot) compiled (seeding: a fresh
    environment's seed, compiling since it was made; store, look: the bytecode store; every: the
    packages' test suites too, Settings.compile_all), the environment relocated, pip's cache and
    the engine's pruned, and the environment saved to the cache. started: when the install began
    (time.monotonic(), time.time())."""
    # The modules compile while the environment is made relocatable and the caches pruned.
    added = metadata.installed_since(layout.env, before)
    # (An environment cached before the seed was compiled has the modules every start imports.)
    modules = added + (started_modules(layout.env) if seeding is None else [])
    # (A bin/post_compile hook may run pip: the packaging tools are compiled too, before it can.)
    tools = bytecode.tools_for(layout.app)
    if tools:
        modules = sorted({*modules, *bytecode.tool_modules(layout.env)})
    compiling = bytecode.start_compiling(
        layout.env,
        modules,
        store,
        look,
        layout.bytecode_mode,
        every=every,
        tools=tools,
        runs_from=layout.runs_from,
    )
    relocate(layout.env, layout.runtime)
    make_local_installs_portable(layout.env, layout.runs_from)
    # What the environment holds, for the cache (compiling adds no distribution): read once.
    installed = metadata.installed(layout.env) if layout.cache is not None else {}
    pip = pipcache.cache_dir(layout)
    if pip is not None:
        try:
            pip.mkdir(parents=True, exist_ok=True)
            pipcache.record_and_prune(pip, started[1], installed)
            engine.prune(pipcache.recent(pip), added)
        except OSError:
            pass  # the cache is best effort
    # A fresh environment goes into the cache while its modules compile; its bytecode after.
    saving = envcache.begin_saving(layout, state)
    done = compiling.wait() + engine.tools_compiled()
    if seeding is not None:
        done += seeding.wait()
    bytecode.tell(done)
    output.info(f"Done in {time.monotonic() - started[0]:.1f}s")
    # (the sha256 of what the installers wrote, from the RECORDs: the cache's manifest reads only
    # the rest, about a fifth of the bytes)
    vouched = metadata.recorded_digests(layout.env) if layout.cache is not None else None
    envcache.save_environment(layout, state, installed, saving, vouched)
