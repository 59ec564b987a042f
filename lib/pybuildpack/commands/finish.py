"""finish, the core's last run (state.py): what the next build reuses goes into the cache (the
environment was saved by install, before any hook ran), and the build report is written."""

from __future__ import annotations

import argparse
import traceback
from pathlib import Path

from pybuildpack import launch, output, profile, report
from pybuildpack.cache import entries
from pybuildpack.cache.environment import check_shared
from pybuildpack.context import Layout
from pybuildpack.python_version.release import remember
from pybuildpack.state import State
from pybuildpack.webapp import procfile


def finish(layout: Layout, args: argparse.Namespace) -> None:
    """After a successful build (args.status 0): the app's process types said (webapp/procfile.py),
    .profile.d and export written (profile.hand_on; with layers, the layers' files and launch.toml:
    launch.hand_on),
    what the build's code wrote into files shared with the cache dropped (check_shared), what the
    cache table does not know removed, and the Python version kept for the next build. Then the
    report (args.report), for any build."""
    if args.status == 0:
        state = State.read(layout.work)
        if state is None:
            raise RuntimeError("finish ran without the state decide writes")
        found = _processes(layout)
        if layout.layers is None:
            profile.hand_on(layout)  # .profile.d and export
        else:
            launch.hand_on(layout, state, found)  # the layers' files and launch.toml
        if layout.cache is not None:
            check_shared(layout)
            entries.remove_unknown(layout.cache)
            remember(layout, state.python_version)
    if args.report:
        try:
            report.write(
                Path(args.report),
                layout.work,
                layout.env,
                status=args.status,
                timers=args.timers,
                step=args.step,
                step_started=args.step_started,
                stack=args.stack,
                arch=args.arch,
            )
        except OSError as exc:  # a full or read-only cache: the build itself is not at fault
            output.warning(
                [
                    f"Could not write the build report (bin/report): {exc.strerror or exc}",
                    f"Where: {args.report}",
                    "The build is not affected; CACHE_DIR is full or can't be written.",
                ]
            )


def _processes(layout: Layout) -> list[procfile.Process]:
    """The app's process types, said (procfile.check). An inference that fails (its traceback
    shown) infers nothing: it does not fail a build that worked."""
    try:
        return procfile.check(layout.build, layout.env, layout.app)
    except Exception:  # any fault of the inference: say it, build on
        traceback.print_exc()
        return procfile.read(layout.build) or []
