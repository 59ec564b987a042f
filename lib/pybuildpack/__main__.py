"""Command line of the buildpack's Python core, called by bin/compile."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from . import output
from .appfiles import install_source
from .errors import BuildError
from .graphload import load_graph
from .install import Layout, Settings, build
from .versionfiles import app_request
from .versions import KnownVersions, MirrorIndex, resolve


def _python_version(args: argparse.Namespace) -> int:
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
    Path(args.result).write_text(f"{resolution.version}\n")
    return 0


def _check_app(args: argparse.Namespace) -> int:
    """Fail before anything is downloaded when the app's dependency files are unusable."""
    app = Path(args.app)
    load_graph(app, install_source(app))
    return 0


def _install(args: argparse.Namespace) -> int:
    app = Path(args.app)
    layout = Layout(
        app=app,
        runtime=Path(args.runtime),
        env=Path(args.env),
        tools=Path(args.tools),
        vendor=Path(args.vendor),
        pip_cache=Path(args.pip_cache) if args.pip_cache else None,
    )
    build(layout, install_source(app), Settings.from_env())
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pybuildpack")
    sub = top.add_subparsers(dest="command", required=True)

    version = sub.add_parser("python-version", help="decide which Python release to install")
    version.add_argument("--app", required=True)
    version.add_argument("--known", required=True, help="vendor/python-versions.toml")
    version.add_argument("--cached-version", default="")
    version.add_argument("--mirror-index", default="")
    version.add_argument("--stack", required=True)
    version.add_argument("--arch", required=True)
    version.add_argument("--result", required=True, help="file that receives the chosen version")
    version.set_defaults(func=_python_version)

    check = sub.add_parser("check-app", help="fail early when the app declares no dependencies")
    check.add_argument("--app", required=True)
    check.set_defaults(func=_check_app)

    install = sub.add_parser("install", help="create the environment and install the app's dependencies")
    install.add_argument("--app", required=True)
    install.add_argument("--runtime", required=True)
    install.add_argument("--env", required=True)
    install.add_argument("--tools", required=True)
    install.add_argument("--vendor", required=True)
    install.add_argument("--pip-cache", default="")
    install.set_defaults(func=_install)
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
