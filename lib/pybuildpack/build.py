"""The build's Python steps, in order: prepare (the environment: reused, synced or fresh; the
native libraries), install (the dependencies, then the environment is verified), save (the cache).
They hand each other a small state file."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from packaging.tags import sys_tags

from pybuildpack import output
from pybuildpack.cache import environment as envcache
from pybuildpack.cache import pip as pipcache
from pybuildpack.cache.fingerprint import Inputs, collect
from pybuildpack.environment import metadata as sync
from pybuildpack.environment.install import (
    Layout,
    Settings,
    create_environment,
    default_index_url,
    install_dependencies,
    make_plan,
    pip_environment,
)
from pybuildpack.environment.relocate import relocate
from pybuildpack.errors import BuildError
from pybuildpack.natives.detect import needed_libraries
from pybuildpack.natives.registry import load_registry
from pybuildpack.plan.planner import Sources
from pybuildpack.plan.show import plan_lines
from pybuildpack.process import run
from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.load import config_vars, load_graph
from pybuildpack.requirements.source import InstallSource

# Inputs whose change makes the old environment useless: compiled extensions, the tools.
_REBUILD_ON = ("python version", "stack", "arch", "the buildpack's version")


@dataclass
class State:
    mode: str  # "reuse" | "sync" | "fresh"
    fingerprint: str
    inputs: dict[str, str]
    volatile: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    default_index: str | None = None  # pip's own index, asked of pip once per build

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))
        path.with_name(path.name + ".mode").write_text(self.mode + "\n")  # for bin/compile

    @classmethod
    def read(cls, path: Path) -> State:
        return cls(**json.loads(path.read_text()))


def _pins(layout: Layout) -> list[str]:
    lines = [line.strip() for line in (layout.vendor / "pins.txt").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _pip_config(graph: Graph, env_dir: Path | None) -> dict[str, str]:
    """The config vars that reach pip: the allowed PIP_* ones and those the files expand."""
    names = set(os.environ.get("BUILDPACK_PIP_CONFIG_VARS", "").split())
    config = config_vars(env_dir)
    out = {name: os.environ[name] for name in names if name in os.environ}
    out.update({name: config[name] for name in graph.used_vars if name in config})
    return out


def _libraries(
    layout: Layout, graph: Graph, settings: Settings, stack: str, arch: str, default_index: str | None
) -> list[str]:
    registry = load_registry(layout.vendor / "native-libraries.toml")
    sources = Sources.from_graph(graph, dict(os.environ), default_index)
    found = needed_libraries(graph, registry, sources, (layout.pip_cache or layout.tools) / "sdists")
    lines = []
    if found:
        output.step("Native libraries")
    for trigger in found:
        library, entry = trigger.library, trigger.entry
        label = entry.name or entry.text
        where = entry.origin.show(layout.app)
        what = f"{library.name} {library.version} (needed by {label} at {where})"
        if not settings.bootstrap_libraries:
            output.info(
                f"{library.name} {library.version}: NOT bootstrapped (BUILDPACK_BOOTSTRAP_LIBRARIES=0)"
            )
            continue
        output.info(trigger.describe(layout.app))
        lines.append("\t".join([library.name, library.version, library.archive(stack, arch), what]))
    return lines


def _decide(meta: envcache.Meta | None, why: str, inputs: Inputs) -> tuple[str, str]:
    """(mode, the sentence that says why)."""
    if meta is None:
        return "fresh", f"Creating the environment ({why})"
    changes = inputs.changes(meta.inputs)
    volatile = [f"{name} names a branch or tag: resolved again" for name in inputs.volatile]
    if meta.fingerprint == inputs.digest() and not volatile:
        return "reuse", "Reusing the cached environment (requirements unchanged)"
    if any(change.startswith(_REBUILD_ON) for change in changes):
        return "fresh", "Rebuilding the environment: " + "; ".join(changes)
    return "sync", "Updating the cached environment: " + "; ".join(changes + volatile)


def prepare(
    layout: Layout,
    source: InstallSource,
    settings: Settings,
    *,
    stack: str,
    arch: str,
    python_version: str,
    cache_state: Path | None,
    state_file: Path,
) -> list[str]:
    """Put an environment in place and decide the native libraries. Returns the library lines."""
    graph = load_graph(layout.app, source, layout.env_dir)
    inputs = collect(
        graph,
        python_version=python_version,
        stack=stack,
        arch=arch,
        vendor=layout.vendor,
        pip_config=_pip_config(graph, layout.env_dir),
        package_app=source.kind == "package",
    )
    meta, why = (None, "no cache") if cache_state is None else envcache.restore(cache_state, layout.env)
    mode, sentence = _decide(meta, why, inputs)
    output.step(sentence)
    if mode == "fresh":
        create_environment(layout)
        output.info(f".heroku/{layout.env.name} (virtualenv) with {', '.join(_pins(layout))}")
    else:
        relocate(layout.env, layout.runtime)
    if mode == "reuse" and meta is not None:
        libraries = meta.libraries
        if libraries:
            output.step("Native libraries")
            output.info("\n".join(f"{line.split(chr(9))[0]} {line.split(chr(9))[1]}" for line in libraries))
        default_index = None
    else:
        default_index = default_index_url(layout.env_python)
        libraries = _libraries(layout, graph, settings, stack, arch, default_index)
    State(mode, inputs.digest(), inputs.items, inputs.volatile, libraries, default_index).write(state_file)
    return libraries


def _report(layout: Layout, source: InstallSource, graph: Graph) -> dict[str, str]:
    """What pip resolves the app's requirements to, without installing."""
    report = layout.tools / "resolved.json"
    target = ["-r", str(source.path.relative_to(layout.app))] if source.kind == "requirements" else ["."]
    config = config_vars(layout.env_dir)
    referenced = {name: config[name] for name in graph.used_vars if name in config}
    result = run(
        [
            str(layout.env_python),
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            str(report),
            *target,
        ],
        cwd=layout.app,
        env=pip_environment(layout, referenced),
        quiet=True,
    )
    if result.returncode != 0:
        raise BuildError(
            "Could not resolve the requirements to verify the environment",
            details=result.tail[-15:],
            code="verify-resolve-failed",
        )
    return sync.resolved_from_report(report)


def _uninstall(layout: Layout, names: list[str]) -> None:
    if names:
        run(
            [str(layout.env_python), "-m", "pip", "uninstall", "--yes", "--quiet", *names],
            env=pip_environment(layout),
            quiet=True,
        )


def _required_names(layout: Layout, source: InstallSource, graph: Graph) -> set[str] | None:
    """What the app's requirements need, transitively, from the installed metadata."""
    entries: list[tuple[str | None, frozenset[str], str | None]] = []
    if source.kind == "package":
        entries.append((None, frozenset(), layout.app.resolve().as_uri()))
    for entry in graph.requirements():
        if entry.from_package:
            continue  # the app (installed as a package) brings its own declared dependencies
        extras = frozenset(entry.requirement.extras) if entry.requirement else frozenset()
        if entry.kind == "named":
            entries.append((entry.name, extras, None))
        elif entry.kind == "path" and entry.path is not None:
            entries.append((entry.name, extras, entry.path.resolve().as_uri()))
        else:
            entries.append((entry.name, extras, entry.url))
    roots = sync.roots_for(layout.env, entries)
    if roots is None:
        return None
    tools = [(name, frozenset()) for name in sorted(sync.TOOLS)]  # and what they need (packaging)
    return sync.closure(layout.env, roots + tools)


def _sync(layout: Layout, source: InstallSource, graph: Graph) -> list[str]:
    """Bring a restored environment to exactly the required set. Returns what is still wrong."""
    required = _required_names(layout, source, graph)
    if required is None:  # a URL requirement pip did not record: ask pip (with the network)
        want = _report(layout, source, graph)
        required = set(want) | (sync.closure(layout.env, [(n, frozenset()) for n in sync.TOOLS]) or set())
    have = sync.installed(layout.env)
    extra = sync.extraneous(have, {name: "" for name in required})
    if extra:
        output.step("Removing packages no longer required")
        output.info(", ".join(f"{name} {have[name]}" for name in extra))
        _uninstall(layout, extra)
    have = sync.installed(layout.env)
    wrong = [f"{name} is required but not installed" for name in sorted(required - set(have))]
    wrong += [
        f"{name} is installed but not required" for name in sync.extraneous(have, dict.fromkeys(required, ""))
    ]
    for entry in graph.requirements():
        if entry.kind == "named" and entry.requirement is not None and entry.name in have:
            if not entry.requirement.specifier.contains(have[entry.name], prereleases=True):
                wrong.append(f"{entry.name} {have[entry.name]} does not match {entry.requirement}")
    return wrong


def install(layout: Layout, source: InstallSource, settings: Settings, state_file: Path) -> None:
    started = time.monotonic()
    wall_started = time.time()
    state = State.read(state_file)
    if state.mode == "reuse":
        return
    graph = load_graph(layout.app, source, layout.env_dir)
    plan = make_plan(
        layout.vendor,
        graph,
        settings,
        list(sys_tags()),
        state.default_index,
        (layout.pip_cache or layout.tools) / "sdists",
    )
    final = "pip install -r requirements.txt" if source.kind == "requirements" else "pip install ."
    output.step("Install plan")
    output.info("\n".join(plan_lines(plan, graph, final)))
    if state.mode == "sync":
        volatile = [name for name in state.volatile if name in sync.installed(layout.env)]
        _uninstall(layout, volatile)
    install_dependencies(layout, source, graph, plan)
    if state.mode == "sync":
        wrong = _sync(layout, source, graph)
        if wrong:
            output.warning(
                [
                    "The updated environment does not hold exactly the resolved requirements:",
                    *wrong,
                    "Building a fresh environment instead.",
                ]
            )
            shutil.rmtree(layout.env)
            create_environment(layout)
            install_dependencies(layout, source, graph, plan)
    relocate(layout.env, layout.runtime)
    if layout.pip_cache is not None and layout.pip_cache.is_dir():
        try:
            pipcache.record_and_prune(layout.pip_cache, wall_started, sync.installed(layout.env))
        except OSError:
            pass  # the cache is best effort
    output.info(f"Done in {time.monotonic() - started:.1f}s")


def save(layout: Layout, state_file: Path, cache_state: Path) -> None:
    state = State.read(state_file)
    if state.mode == "reuse" and envcache.current_fingerprint(cache_state) == state.fingerprint:
        return  # the cache holds this environment already
    installed = sorted([name, version] for name, version in sync.installed(layout.env).items())
    meta = envcache.Meta(state.fingerprint, state.inputs, installed, state.libraries)
    try:
        envcache.save(cache_state, layout.env, meta)
    except OSError as exc:
        output.warning(
            [
                f"Could not save the environment to the build cache: {exc.strerror or exc}",
                "This build is fine; the next one starts without a cached environment.",
            ]
        )
