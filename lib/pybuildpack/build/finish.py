"""finish, the core's last run (state.py): what the next build reuses goes into the cache."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

from pybuildpack import output
from pybuildpack.cache import entries, tree
from pybuildpack.cache import environment as envcache
from pybuildpack.context import Layout
from pybuildpack.environment import bytecode, metadata
from pybuildpack.files import replace_file
from pybuildpack.state import State


def shared_mark(layout: Layout) -> Path:
    """A file made when the slug starts sharing the cache's files (mark_shared): what is written
    into them after it, the cache checks by content (check_shared)."""
    return layout.work / "shared-since"


def mark_shared(layout: Layout) -> None:
    mark = shared_mark(layout)
    mark.unlink(missing_ok=True)
    mark.touch()


def check_shared(layout: Layout) -> None:
    """After collectstatic and the hooks: the cached environment and runtime tree, which the slug
    shares (hard links), lose what the build's own code wrote into them (even with its size and
    time put back), so that it reaches no later build."""
    cache = layout.cache
    if cache is None:
        return
    why = envcache.check_touched(cache, shared_mark(layout))
    if why is not None:
        output.step(f"Discarding the cached environment: {why} (by collectstatic or a hook)")
        output.info("The next build makes a fresh one; this build is not affected.")
    for kept in entries.path(cache, "runtime-tree").glob("*"):
        expected = tree.read_manifest(kept / tree.MANIFEST)
        if expected is not None and tree.touched_since(kept, expected, shared_mark(layout)) is not None:
            shutil.rmtree(kept, ignore_errors=True)  # the next build unpacks the (checked) archive


def save(layout: Layout, state: State) -> None:
    """After a successful build: what the build's code wrote into files shared with the cache is
    dropped (check_shared); keep the Python version for the next build; drop what the cache table
    does not know. (The environment was saved by install, before any hook ran.)"""
    cache = layout.cache
    if cache is None:
        return
    check_shared(layout)
    entries.remove_unknown(cache)
    version_file = entries.path(cache, "python-version")
    try:
        replace_file(version_file, state.python_version + "\n")
    except OSError:
        pass


def bytecode_store(layout: Layout) -> Path | None:
    """The interpreter's part of the cache's bytecode store (None without a cache)."""
    return bytecode.store_dir(entries.path(layout.cache, "bytecode")) if layout.cache is not None else None


def begin_saving_environment(layout: Layout, state: State) -> Path | None:
    """Start putting a fresh environment into the cache while its bytecode is still being compiled
    (all of it but its __pycache__ directories); None when there is nothing to start."""
    if layout.cache is None or state.environment != "fresh":
        return None
    try:
        return envcache.begin_save(layout.cache, layout.env)
    except OSError:
        return None  # save_environment tries again, and says why it can't


def save_environment(layout: Layout, state: State, started: Path | None = None) -> None:
    """The environment as install left it, into the cache (started: begin_saving_environment's):
    before collectstatic and the app's hooks run, so that what they change is never replayed by a
    later build (and what they edit in place, the next build's check of every file's content
    notices)."""
    cache = layout.cache
    if cache is None:
        return
    if state.environment == "reuse" and envcache.current_fingerprint(cache) == state.fingerprint:
        return  # the cache holds this environment already
    installed = sorted([name, version] for name, version in metadata.installed(layout.env).items())
    libraries = [asdict(use) for use in state.libraries]
    meta = envcache.Meta(state.fingerprint, state.inputs, installed, libraries)
    try:
        if state.environment == "sync":
            saved = envcache.update(cache, layout.env, meta)  # only what the sync changed
        else:
            saved = envcache.save(cache, layout.env, meta, started)
        bytecode.prune(entries.path(cache, "bytecode"), saved)
    except OSError as exc:
        output.warning(
            [
                f"Could not save the environment to the build cache: {_why(exc)}",
                "This build is fine; the next one starts without a cached environment.",
            ]
        )


def _why(exc: OSError) -> str:
    """One short line for a failed save (shutil.Error holds one message per file it could not copy)."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        first = exc.args[0][0]
        reason = str(first[-1]) if isinstance(first, tuple) else str(first)
        return f"{reason} (and {len(exc.args[0]) - 1} more files)" if len(exc.args[0]) > 1 else reason
    text = exc.strerror or str(exc)
    return text if len(text) <= 200 else text[:200] + "..."
