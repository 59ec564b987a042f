"""Syncing a restored environment to exactly the resolved requirement set: what the app's
requirements need, nothing more (removed requirements are uninstalled), nothing less; and a
fresh environment instead when the sync can't get there (sync_or_rebuild)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from pybuildpack import output
from pybuildpack.context import Layout
from pybuildpack.environment import bytecode, metadata
from pybuildpack.environment.engine import Engine
from pybuildpack.environment.install import create_seeded, install_dependencies, requirement_args
from pybuildpack.plan.model import Plan
from pybuildpack.requirements.app import App
from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.source import InstallSource
from pybuildpack.state import InstallStep, State

_SEED_ROOTS = [(name, frozenset[str]()) for name in sorted(metadata.SEED_PACKAGES)]


def before_install(layout: Layout, state: State, engine: Engine) -> dict[str, int]:
    """What the environment holds before the install (metadata.snapshot), once, in a sync, the
    requirements to install afresh are uninstalled (state.volatile)."""
    before = metadata.snapshot(layout.env)
    if state.environment == "sync":
        engine.uninstall([name for name in state.volatile if name in metadata.installed(layout.env)])
    return before


def required_names(layout: Layout, source: InstallSource, graph: Graph) -> set[str] | None:
    """What the app's requirements need, transitively, from the installed metadata (and the seed
    packages with what they need). None when a URL requirement can't be matched to what it
    installed."""
    entries: list[tuple[str | None, frozenset[str], str | None]] = []
    if source.kind == "package":
        entries.append((None, frozenset(source.selection.extras), layout.app.resolve().as_uri()))
    for entry in graph.requirements():
        if entry.from_package:
            continue  # the app (installed as a package) brings its own declared dependencies
        if not entry.applies():
            continue  # its markers exclude this runtime (the sync runs on it): pip skips it too
        extras = entry.extras
        if entry.kind == "named":
            entries.append((entry.name, extras, None))
        elif entry.kind == "path" and entry.path is not None:
            entries.append((entry.name, extras, entry.path.resolve().as_uri()))
        else:
            entries.append((entry.name, extras, entry.url))
    roots = metadata.roots_for(layout.env, entries, layout.runs_from)
    if roots is None:
        return None
    return metadata.closure(layout.env, roots + _SEED_ROOTS)


def sync(layout: Layout, source: InstallSource, graph: Graph, engine: Engine) -> list[str]:
    """Remove what is no longer required; return what is still wrong ([] when the environment
    holds exactly the required set)."""
    required = required_names(layout, source, graph)
    if required is None:  # a URL requirement pip did not record: ask the engine (with the network)
        args = requirement_args(layout, graph, source.install_args)
        want = engine.resolve(args, layout.scratch / "resolved.json")
        required = set(want) | (metadata.closure(layout.env, _SEED_ROOTS) or set())
    have = metadata.installed(layout.env)
    extra = metadata.extraneous(have, dict.fromkeys(required, ""))
    if extra:
        output.step("Removing packages no longer required")
        output.info(", ".join(f"{name} {have[name]}" for name in extra))
        engine.uninstall(extra)
    have = metadata.installed(layout.env)
    wrong = [f"{name} is required but not installed" for name in sorted(required - set(have))]
    wrong += [
        f"{name} is installed but not required"
        for name in metadata.extraneous(have, dict.fromkeys(required, ""))
    ]
    for entry in graph.requirements():
        if entry.kind == "named" and entry.requirement is not None and entry.name in have:
            if not entry.requirement.specifier.contains(have[entry.name], prereleases=True):
                wrong.append(f"{entry.name} {have[entry.name]} does not match {entry.requirement}")
    return wrong


@dataclass
class Rebuilt:
    """A fresh environment made where a sync could not get there."""

    seeding: bytecode.Pending  # its seed's bytecode
    before: dict[str, int]  # metadata.snapshot of it before the install
    steps: list[InstallStep]


def sync_or_rebuild(
    layout: Layout, app: App, plan: Plan, engine: Engine, store: Path | None, look: bool
) -> Rebuilt | None:
    """After a synced environment's install: sync it (None when it then holds exactly the
    resolved requirements), else make a fresh one and install into it (store, look: the bytecode
    store, for its seed: environment/bytecode.py)."""
    wrong = sync(layout, app.source, app.graph, engine)
    if not wrong:
        return None
    output.warning(
        [
            "The updated environment does not hold exactly the resolved requirements:",
            *wrong,
            "Building a fresh environment instead.",
        ]
    )
    shutil.rmtree(layout.env)
    seeding = create_seeded(layout, store, look, app.settings.compile_all)
    before = metadata.snapshot(layout.env)
    return Rebuilt(seeding, before, install_dependencies(layout, app.source, app.graph, plan, engine))
