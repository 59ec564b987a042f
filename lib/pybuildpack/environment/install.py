"""Creating the app's environment and installing its dependencies into it, phase by phase as the
plan says, with an install engine (environment/engine.py)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pybuildpack
from pybuildpack import output
from pybuildpack.context import Layout
from pybuildpack.environment import bytecode, leftovers, metadata
from pybuildpack.environment.engine import Engine
from pybuildpack.environment.relocate import point_at_runtime, relocate
from pybuildpack.errors import BuildError
from pybuildpack.plan.model import Plan
from pybuildpack.process import run
from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.source import InstallSource
from pybuildpack.state import InstallStep
from pybuildpack.tools.pins import seed_pins


def create_environment(layout: Layout) -> None:
    """A fresh virtual environment on the runtime, with the pinned pip, setuptools and wheel
    installed from vendor/seed (no network)."""
    if layout.env.is_symlink():
        layout.env.unlink()
    elif layout.env.exists():
        shutil.rmtree(layout.env)
    env = dict(os.environ)
    env["VIRTUALENV_OVERRIDE_APP_DATA"] = str(layout.scratch / ".virtualenv-app-data")
    # The vendored virtualenv, isolated as the core is (-I: no PYTHON* variable applies; its
    # bytecode is written beside it whatever PYTHONDONTWRITEBYTECODE says, for the next build).
    core = str(Path(pybuildpack.__file__).resolve().parents[1])
    result = run(
        [
            str(layout.runtime_python),
            "-I",
            "-c",
            "import sys; sys.path.insert(0, sys.argv.pop(1)); "
            "from virtualenv.__main__ import run_with_catch; run_with_catch()",
            core,
            "--quiet",
            "--no-periodic-update",
            "--no-download",
            "--no-pip",
            "--no-setuptools",
            "--no-wheel",
            "--no-vcs-ignore",
            "--activators=",
            str(layout.env),
        ],
        env=env,
    )
    if result.returncode != 0:
        raise BuildError(
            "Creating the virtual environment failed",
            where=str(layout.env),
            details=result.tail[-10:],
            code="environment::virtualenv-failed",
        )
    seed_environment(layout.env, sorted((layout.vendor / "seed").glob("*.whl")))
    relocate(layout.env, layout.runtime)


def reopen_environment(layout: Layout) -> None:
    """A built slug's environment, ready for more installs (bin/test-compile): its pyvenv.cfg's
    `home`, which the slug's leaves out (relocate.leave_for_the_slug), named again at the runtime
    where it is, so that the engines start it as the build's did. Heroku CI's tests then run it
    where it was built, as it names."""
    point_at_runtime(layout.env, layout.runtime)


def create_seeded(
    layout: Layout, store: Path | None, look: bool, every: bool, *, say: bool = False
) -> bytecode.Pending:
    """A fresh environment (create_environment), its seed (pip, setuptools, wheel) compiling at
    once, as pip compiles what it installs: while the engine downloads, the cores are mostly idle.
    every: its test suites too (Settings.compile_all). say: the build log says what it holds."""
    create_environment(layout)
    added = metadata.installed_since(layout.env, {})
    pending = bytecode.start_compiling(
        layout.env, added, store, look, layout.bytecode_mode, every=every, runs_from=layout.runs_from
    )
    if say:
        output.info(f"{layout.shown(layout.env)} (virtualenv) with {', '.join(seed_pins(layout.vendor))}")
    return pending


def seed_environment(env: Path, wheels: list[Path]) -> None:
    """Install pure-Python wheels into env with `installer` (what pip does, without pip's start-up
    or an index)."""
    from installer import install
    from installer.destinations import SchemeDictionaryDestination
    from installer.sources import WheelFile

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = env / "lib" / version / "site-packages"
    scheme = {
        "purelib": str(site),
        "platlib": str(site),
        "headers": str(env / "include" / "site" / version),
        "scripts": str(env / "bin"),
        "data": str(env),
    }
    destination = SchemeDictionaryDestination(
        scheme, interpreter=str(env / "bin" / "python"), script_kind="posix"
    )
    for wheel in wheels:
        with WheelFile.open(wheel) as source:
            install(source, destination, additional_metadata={"INSTALLER": b"pip\n"})


def started_modules(env: Path) -> list[Path]:
    """The seed's modules that every interpreter start imports (setuptools' _distutils_hack, which
    its distutils-precedence.pth loads): compiled with the app's, so that no dyno compiles them."""
    return sorted(env.glob("lib/python*/site-packages/_distutils_hack/*.py"))


def _write(path: Path, lines: list[str]) -> Path:
    """A file of lines the engine reads (only the build's own user can read it: it may hold the
    values of the ${VAR}s the app's requirements expand)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def _phase_file(layout: Layout, graph: Graph, name: str, lines: list[str]) -> Path:
    """A requirements file for one phase: the app's options and constraints, then lines, with the
    ${VAR}s the app's files expand put in (the engine is handed no variable of the app's)."""
    head = list(graph.option_lines)
    if graph.rewritten:
        constraints = [graph.expand(entry.raw or entry.text) for entry in graph.constraints()]
        if constraints:
            head.append(f"-c {_write(layout.scratch / 'constraints.txt', constraints)}")
    else:
        head += [f"-c {f.path}" for f in graph.files if f.constraint]
    return _write(layout.scratch / f"phase-{name}.txt", [graph.expand(line) for line in [*head, *lines]])


def requirement_args(layout: Layout, graph: Graph, args: list[str], name: str = "requirements") -> list[str]:
    """What the engine installs the app's requirements from: args (`-r requirements.txt`, the
    app's own files), or, when the build must hand it the lines as it read them (Graph.rewritten:
    ${VAR}s expanded), one file the build writes with every requirement of the graph."""
    if not args or not graph.rewritten:
        return args
    lines = [entry.raw or entry.text for entry in graph.requirements()]
    return ["-r", str(_phase_file(layout, graph, name, lines))]


def final_installs(layout: Layout, source: InstallSource, graph: Graph) -> list[list[str]]:
    """The last install's arguments. A lock's packages are installed exactly, without dependency
    resolution (--no-deps): those pinned with hashes in one step (pip checks every hash), then those
    that can have none (the app itself, local paths, VCS URLs), which pip's hash-checking mode
    would refuse."""
    if not source.locked:
        return [requirement_args(layout, graph, source.install_args)]
    steps = []
    hashed = [entry.raw for entry in graph.requirements() if entry.hashes]
    other = [entry.raw for entry in graph.requirements() if not entry.hashes]
    for name, lines in (("locked", hashed), ("locked-unhashed", other)):
        if lines:
            steps.append(["--no-deps", "-r", str(_phase_file(layout, graph, name, lines))])
    return steps


def install_dependencies(
    layout: Layout, source: InstallSource, graph: Graph, plan: Plan, engine: Engine
) -> list[InstallStep]:
    """Each phase of the plan, in order; what installed each (for the report). What the builds of
    local packages leave in the app's directory is removed after them (leftovers.py)."""
    left = leftovers.snapshot(leftovers.built_in_place(graph, source.kind == "package"))
    try:
        return _install_phases(layout, source, graph, plan, engine)
    finally:
        leftovers.remove_new(left)


def _install_phases(
    layout: Layout, source: InstallSource, graph: Graph, plan: Plan, engine: Engine
) -> list[InstallStep]:
    exact = ["--no-deps"] if source.locked else []  # a lock holds every package it needs
    steps = []
    if plan.prerequisites:
        output.step("Installing build prerequisites first")
        phase = _phase_file(layout, graph, "prerequisites", [p.line for p in plan.prerequisites])
        steps.append(InstallStep("build prerequisites", engine.install([*exact, "-r", str(phase)])))
    for item in plan.deferred:
        name = item.entry.name or item.entry.text
        output.step(f"Building {name} without build isolation")
        phase = _phase_file(
            layout, graph, f"deferred-{item.entry.name or 'x'}", [item.entry.raw or item.entry.text]
        )
        by = engine.install([*exact, "-r", str(phase)], no_build_isolation=True)
        steps.append(InstallStep(f"{name} without build isolation", by))
    if plan.ordered:
        output.step(f"Installing the rest of the dependencies {source.reason}")
    else:
        output.step(f"Installing dependencies {source.reason}")
    if source.selection and not source.locked:  # (a lock's export says it: tools/export.py)
        output.info(f"with {source.selection.shown()}")
    for args in final_installs(layout, source, graph):
        steps.append(InstallStep(f"dependencies {source.reason}", engine.install(args)))
    return steps
