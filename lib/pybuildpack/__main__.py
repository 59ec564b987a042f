"""Command line of the buildpack's Python core, called by bin/compile."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from pybuildpack import output
from pybuildpack.errors import BuildError

# Each subcommand imports what it uses when it runs: a build starts this program several times,
# and most runs need a small part of the package.
if TYPE_CHECKING:
    from pybuildpack.environment.install import Layout
    from pybuildpack.python_version.resolve import Resolution


def _python_version(args: argparse.Namespace) -> int:
    resolution = _resolve_version(args)
    Path(args.result).write_text(f"{resolution.version}\n{resolution.request.origin}\n")
    return 0


def _resolve_version(args: argparse.Namespace) -> Resolution:
    from pybuildpack.python_version.files import app_request
    from pybuildpack.python_version.resolve import KnownVersions, MirrorIndex, resolve

    known = KnownVersions.load(Path(args.known))
    mirror = None
    if args.mirror_index:
        text = Path(args.mirror_index).read_text(errors="replace")
        mirror = MirrorIndex.parse(text, args.stack, args.arch)
    request = app_request(Path(args.app), args.cached_version or None)
    resolution = resolve(request, known, mirror, f"{args.stack} {args.arch}")
    how = "newest matching " if request.kind != "exact" else ""
    output.step(f"Python {resolution.version} ({how}from {request.origin})")
    for note in request.notes:
        output.info(note)
    for warning in resolution.warnings:
        output.warning(warning)
    return resolution


def _plan(args: argparse.Namespace) -> int:
    """bin/plan: the Python version, the requirements graph and the install plan; installs nothing."""
    from pybuildpack.environment.install import Settings, make_plan
    from pybuildpack.natives.detect import needed_libraries
    from pybuildpack.natives.registry import load_registry
    from pybuildpack.plan.planner import Sources
    from pybuildpack.plan.show import graph_lines, plan_lines
    from pybuildpack.python_version.tags import tags_for
    from pybuildpack.requirements.load import load_graph
    from pybuildpack.requirements.source import install_source

    app = Path(args.app)
    resolution = _resolve_version(args)
    source = install_source(app)
    env_dir = Path(args.env_dir) if args.env_dir else None
    graph = load_graph(app, source, env_dir)
    output.step("Requirements graph")
    output.info("\n".join(graph_lines(graph)) or "(no requirements)")
    final = "pip install -r requirements.txt" if source.kind == "requirements" else "pip install ."
    with tempfile.TemporaryDirectory() as downloads:
        plan = make_plan(
            Path(args.vendor),
            graph,
            Settings.from_env(),
            tags_for(resolution.version),
            _pip_default_index(),
            Path(downloads),
        )
        sources = Sources.from_graph(graph, dict(os.environ), _pip_default_index())
        registry = load_registry(Path(args.vendor) / "native-libraries.toml")
        found = needed_libraries(graph, registry, sources, Path(downloads))
    if found:
        output.step("Native libraries")
        for trigger in found:
            output.info(trigger.describe(app))
    output.step(f"Install plan (for Python {resolution.version} on {args.stack} {args.arch})")
    output.info("\n".join(plan_lines(plan, graph, final)))
    return 0


def _pip_default_index() -> str | None:
    try:
        from pip._internal.models.index import PyPI  # the interpreter's own pip, when it has one
    except ImportError:
        return os.environ.get("PIP_INDEX_URL") or None
    return str(PyPI.simple_url)


def _check_app(args: argparse.Namespace) -> int:
    """Fail before anything is downloaded when the app's dependency files are unusable."""
    from pybuildpack.requirements.load import load_graph
    from pybuildpack.requirements.source import install_source

    app = Path(args.app)
    load_graph(app, install_source(app), Path(args.env_dir) if args.env_dir else None)
    return 0


def _layout(args: argparse.Namespace) -> Layout:
    from pybuildpack.environment.install import Layout
    from pybuildpack.natives.registry import load_registry

    app = Path(args.app)
    vendor = Path(args.vendor)
    wanted = {name for name in getattr(args, "libraries", "").split(",") if name}
    libraries = tuple(lib for lib in load_registry(vendor / "native-libraries.toml") if lib.name in wanted)
    return Layout(
        app=app,
        runtime=Path(args.runtime),
        env=Path(args.env),
        tools=Path(args.tools),
        vendor=vendor,
        pip_cache=Path(args.pip_cache) if args.pip_cache else None,
        env_dir=Path(args.env_dir) if args.env_dir else None,
        libraries=libraries,
    )


def _prepare(args: argparse.Namespace) -> int:
    from pybuildpack import build as steps
    from pybuildpack.environment.install import Settings
    from pybuildpack.requirements.source import install_source

    layout = _layout(args)
    lines = steps.prepare(
        layout,
        install_source(layout.app),
        Settings.from_env(),
        stack=args.stack,
        arch=args.arch,
        python_version=args.python_version,
        cache_state=Path(args.cache_state) if args.cache_state else None,
        state_file=Path(args.state_file),
    )
    Path(args.result).write_text("".join(f"{line}\n" for line in lines))
    return 0


def _install(args: argparse.Namespace) -> int:
    from pybuildpack import build as steps
    from pybuildpack.environment.install import Settings
    from pybuildpack.requirements.source import install_source

    layout = _layout(args)
    steps.install(layout, install_source(layout.app), Settings.from_env(), Path(args.state_file))
    return 0


def _save(args: argparse.Namespace) -> int:
    from pybuildpack import build as steps

    steps.save(_layout(args), Path(args.state_file), Path(args.cache_state))
    return 0


def _report(args: argparse.Namespace) -> int:
    from pybuildpack import report

    report.write(Path(args.out), args.field or [], args.timers, Path(args.env) if args.env else None)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pybuildpack")
    sub = top.add_subparsers(dest="command", required=True)

    def version_arguments(command: argparse.ArgumentParser) -> None:
        """What deciding the Python version needs (python-version and plan)."""
        command.add_argument("--app", required=True)
        command.add_argument("--known", required=True, help="vendor/python-versions.toml")
        command.add_argument("--cached-version", default="")
        command.add_argument("--mirror-index", default="")
        command.add_argument("--stack", required=True)
        command.add_argument("--arch", required=True)

    version = sub.add_parser("python-version", help="decide which Python release to install")
    version_arguments(version)
    version.add_argument("--result", required=True, help="file that receives the chosen version")
    version.set_defaults(func=_python_version)

    rep = sub.add_parser("write-report", help="write the build report (JSON)")
    rep.add_argument("--out", required=True)
    rep.add_argument("--field", action="append", help="KEY=VALUE")
    rep.add_argument("--timers", default="")
    rep.add_argument("--env", default="")
    rep.set_defaults(func=_report)

    plan = sub.add_parser("plan", help="print the requirements graph and the install plan")
    version_arguments(plan)
    plan.add_argument("--vendor", required=True)
    plan.add_argument("--env-dir", default="")
    plan.set_defaults(func=_plan)

    check = sub.add_parser("check-app", help="fail early when the app declares no dependencies")
    check.add_argument("--app", required=True)
    check.add_argument("--env-dir", default="")
    check.set_defaults(func=_check_app)

    for name, func, text in (
        ("prepare", _prepare, "put the environment in place; decide which native libraries to bootstrap"),
        ("install", _install, "install the app's dependencies into the environment"),
        ("save-cache", _save, "save the environment to the build cache"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("--app", required=True)
        command.add_argument("--runtime", required=True)
        command.add_argument("--env", required=True)
        command.add_argument("--tools", required=True)
        command.add_argument("--vendor", required=True)
        command.add_argument("--pip-cache", default="")
        command.add_argument("--env-dir", default="")
        command.add_argument("--state-file", required=True)
        command.add_argument("--cache-state", default="")
        if name == "prepare":
            command.add_argument("--stack", required=True)
            command.add_argument("--arch", required=True)
            command.add_argument("--python-version", required=True)
            command.add_argument("--result", required=True)
        else:
            command.add_argument(
                "--libraries", default="", help="comma-separated, unpacked in .heroku/vendor"
            )
        command.set_defaults(func=func)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BuildError as exc:
        output.error(exc.lines())
        return 1
    except Exception:
        output.error(
            [
                "Internal error in the Python buildpack",
                *traceback.format_exc().splitlines(),
                "",
                "This is a bug in the buildpack, not in your app. Please report it with this output.",
            ]
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
