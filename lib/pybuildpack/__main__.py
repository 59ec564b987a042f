"""The Python core's command line: the seam with bin/compile, bin/plan and bin/test-compile
(state.py describes it). Argument parsing only; the work is in commands/, one module per command."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from pybuildpack import output
from pybuildpack.errors import BuildError
from pybuildpack.redact import redact

_IO_FIX = (
    "Check that the build directory and CACHE_DIR can be written, and that the disk is not full.\n"
    "A path the app names (a requirements file, a local package) must be a readable file or directory."
)

# Each command imports what it uses when it runs: a build starts this program three times, and a
# warm build's install run returns after reading the state.
if TYPE_CHECKING:
    from pybuildpack.context import Layout


def _layout(args: argparse.Namespace) -> Layout:
    from pybuildpack.context import Layout

    return Layout(
        app=Path(args.app),
        build=Path(args.build),
        buildpack=Path(args.buildpack),
        work=Path(args.work),
        cache=Path(args.cache) if args.cache else None,
        env_dir=Path(args.env_dir) if args.env_dir else None,
        layers=Path(args.layers) if args.layers else None,
    )


def _decide(args: argparse.Namespace) -> int:
    from pybuildpack.cache import entries
    from pybuildpack.cache.environment import Restoring
    from pybuildpack.committed import refuse_committed_environments

    layout = _layout(args)
    refuse_committed_environments(layout.build, layout.app)  # before anything is written there
    if layout.cache is not None:
        entries.remove_links(layout.cache)
    # A warm build's longest step, the cached environment's copy, starts before the rest is imported.
    with Restoring.for_layout(layout) as restoring:
        from pybuildpack.commands.decide import decide
        from pybuildpack.context import Settings

        layout.scratch.mkdir(parents=True, exist_ok=True)
        decide(layout, Settings.from_env(), args.stack, args.arch, restoring)
    from pybuildpack.webapp.django import hand_collectstatic

    hand_collectstatic(layout)  # (bash runs no install when the environment is reused as it is)
    return 0


def _install(args: argparse.Namespace) -> int:
    from pybuildpack.state import State

    state = State.read(Path(args.work))
    if state is None:
        raise RuntimeError("install ran without the state decide writes")
    if state.environment == "reuse":
        return 0
    from pybuildpack.commands.install import install
    from pybuildpack.context import Settings
    from pybuildpack.webapp.django import hand_collectstatic

    layout = _layout(args)
    install(layout, Settings.from_env(), state)
    hand_collectstatic(layout)
    return 0


def _finish(args: argparse.Namespace) -> int:
    from pybuildpack.commands.finish import finish
    from pybuildpack.context import Settings

    finish(_layout(args), args, Settings.from_env())
    return 0


def _plan(args: argparse.Namespace) -> int:
    from pybuildpack.commands.plan import show_plan
    from pybuildpack.context import Settings

    layout = _layout(args)
    layout.scratch.mkdir(parents=True, exist_ok=True)
    show_plan(layout, Settings.from_env(), args.stack, args.arch)
    return 0


def _install_test(args: argparse.Namespace) -> int:
    from pybuildpack.commands.install_test import install_test_requirements
    from pybuildpack.context import Settings

    layout = _layout(args)
    layout.scratch.mkdir(parents=True, exist_ok=True)
    install_test_requirements(layout, Settings.from_env(), Path(args.requirements), args.arch)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pybuildpack")
    sub = top.add_subparsers(dest="command", required=True)
    commands = (
        ("decide", _decide, "the dependency files, the Python version, the runtime, the cached environment"),
        ("install", _install, "the environment and the app's dependencies"),
        ("finish", _finish, "write .profile.d and export; save to the cache; write the build report"),
        ("plan", _plan, "print the Python version, the requirements graph and the install plan"),
        ("install-test", _install_test, "install the test requirements into the built environment"),
    )
    for name, func, text in commands:
        command = sub.add_parser(name, help=text)
        command.add_argument("--work", required=True, help="this build's work directory (state.json)")
        command.add_argument("--build", required=True, help="BUILD_DIR")
        command.add_argument("--app", required=True, help="the app's directory (BUILDPACK_APP_SUBDIR)")
        command.add_argument("--buildpack", required=True, help="the buildpack's directory")
        command.add_argument("--cache", default="", help="CACHE_DIR/python, or empty")
        command.add_argument("--env-dir", default="", help="ENV_DIR")
        command.add_argument("--stack", default="")
        command.add_argument("--arch", default="")
        command.add_argument("--layers", default="", help="CNB_LAYERS_DIR (bin/build), or empty")
        if name == "finish":
            command.add_argument("--status", type=int, required=True, help="the build's exit status")
            command.add_argument("--timers", default="", help="the finished steps: STEP=SECONDS,...")
            command.add_argument("--step", default="", help="the step running now (the one that failed)")
            command.add_argument("--step-started", type=float, default=0.0, help="when it started (epoch)")
            command.add_argument("--report", default="", help="where to write the report")
        if name == "install-test":
            command.add_argument("--requirements", required=True)
        command.set_defaults(func=func)
    return top


def main(argv: list[str] | None = None) -> int:
    from pybuildpack.state import record_failure

    args = parser().parse_args(argv)
    work = Path(args.work)
    try:
        return int(args.func(args))
    except BuildError as exc:
        output.error(exc.lines())
        record_failure(work, exc.code, exc.title)
        return 1
    except OSError as exc:  # a file the build can't read or write: the machine's, not a bug
        where = redact(str(exc.filename)) if exc.filename else ""
        title = f"The build could not use a file it needs: {exc.strerror or exc}"
        output.error([title, *([f"Where: {where}"] if where else []), "", _IO_FIX])
        record_failure(work, "build::io-error", title)
        return 1
    except Exception:
        record_failure(work, "internal-error::python", traceback.format_exc().splitlines()[-1])
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
