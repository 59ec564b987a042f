"""finish, the core's last run (state.py): what the next build reuses goes into the cache (the
environment was saved by install, before any hook ran), and the build report is written."""

from __future__ import annotations

import argparse
from pathlib import Path

from pybuildpack import launch, output, profile, report, size
from pybuildpack.cache import entries
from pybuildpack.cache.environment import check_shared
from pybuildpack.context import Layout, Settings
from pybuildpack.python_version.release import remember
from pybuildpack.state import State


def finish(layout: Layout, args: argparse.Namespace, settings: Settings) -> None:
    """After a successful build (args.status 0): .profile.d and export written (profile.hand_on;
    with layers, the layers' files and launch.toml: launch.hand_on),
    what the build's code wrote into files shared with the cache dropped (check_shared), what the
    cache table does not know removed, the Python version kept for the next build, and the size
    of what the build hands on said (size.py; measured meanwhile). Then the report (args.report),
    for any build."""
    if args.status == 0:
        measuring = size.start(layout)
        state = State.read(layout.work)
        if state is None:
            raise RuntimeError("finish ran without the state decide writes")
        if layout.layers is None:
            profile.hand_on(layout)  # .profile.d and export
        else:
            launch.hand_on(layout, state, args.default_web)  # the layers' files and launch.toml
        if layout.cache is not None:
            check_shared(layout)
            entries.remove_unknown(layout.cache)
            remember(layout, state.python_version)
        size.tell(layout, measuring, settings.slug_size_warning)
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
