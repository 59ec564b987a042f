"""install-test (bin/test-compile, Heroku CI): what the app's tests need, into the environment the
build made, by the same engine in the same environment as the build's own install: a locked app's
dependency groups (uv's dev group), then requirements-test.txt when the app has one."""

from __future__ import annotations

from pathlib import Path

from pybuildpack import output
from pybuildpack.context import Layout, Settings
from pybuildpack.environment import bytecode, metadata
from pybuildpack.environment.choose import engine_for
from pybuildpack.environment.install import final_installs, reopen_environment, requirement_args
from pybuildpack.natives.detect import unpacked
from pybuildpack.requirements.app import App, read_app
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.tools.export import export_for_tests


def install_test_requirements(layout: Layout, settings: Settings, requirements: Path, arch: str) -> None:
    """The test requirements (requirements: requirements-test.txt, when it is a file)."""
    reopen_environment(layout)
    libraries = unpacked(layout)
    app = read_app(layout, settings)
    before = metadata.snapshot(layout.env)
    if app.source.locked:
        app = export_for_tests(layout, app, arch)
        output.step(f"Installing test dependencies from {app.source.path.name} (its dependency groups)")
        engine = engine_for(layout, app, arch, settings.installer, libraries)
        for args in final_installs(layout, app.source, app.graph):
            engine.install(args)
    if requirements.is_file():
        graph = parse_requirements(requirements, layout.app, app.config.for_expansion())
        output.step(f"Installing test dependencies from {requirements.name}")
        tests = App(app.source, graph, app.config, settings)
        args = requirement_args(layout, graph, ["-r", str(requirements)], "tests")
        engine = engine_for(layout, tests, arch, settings.installer, libraries)
        engine.install(args)
    added = metadata.installed_since(layout.env, before)
    compiled = bytecode.compile_installed(
        layout.env, added, None, every=settings.compile_all, runs_from=layout.runs_from
    )
    bytecode.tell(compiled)
