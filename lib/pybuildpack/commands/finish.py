"""finish, the core's last run (state.py): what the next build reuses goes into the cache (the
environment was saved by install, before any hook ran), and the build report is written."""

from __future__ import annotations

import argparse
import traceback
from pathlib import Path

from pybuildpack import launch, profile, report, size
from pybuildpack.cache.environment import tidy_after_build, written_layers
from pybuildpack.context import LAYER_ENV, Layout, Settings
from pybuildpack.python_version.release import remember
from pybuildpack.sbom import place as sbom
from pybuildpack.state import State
from pybuildpack.webapp import procfile


def finish(layout: Layout, args: argparse.Namespace, settings: Settings) -> None:
    """After a successful build (args.status 0): the app's process types said (webapp/procfile.py),
    .profile.d and export written (profile.hand_on; with layers, the layers' files and launch.toml:
    launch.hand_on), the bill of materials (sbom/place.py), the cache tidied (tidy_after_build),
    the Python version kept for the next build, the slug's pyvenv.cfg left naming no build
    directory (profile.hand_on_environment), and the size of what the build hands on said
    (size.py; measured meanwhile). Then the report (args.report), for any build."""
    if args.status == 0:
        state = State.read(layout.work)
        if state is None:
            raise RuntimeError("finish ran without the state decide writes")
        written = written_layers(layout)  # (with layers: before anything below writes into them)
        # (a bin/pre_compile ran before decide's mark, on the restored layer: not trusted)
        unchanged = (
            state.environment == "reuse"
            and LAYER_ENV not in written
            and not (layout.app / "bin" / "pre_compile").is_file()
        )
        measuring = size.start(layout, unchanged)
        found = _processes(layout)
        if layout.layers is None:
            profile.hand_on(layout)  # .profile.d and export
        else:
            launch.hand_on(layout, state, found, written)  # the layers' files and launch.toml
        sbom.hand_on(layout, state, settings)  # the bill of materials
        if layout.cache is not None:
            tidy_after_build(layout, state.environment)
            remember(layout, state.python_version)
        if layout.layers is None:
            profile.hand_on_environment(layout)  # (once the cache's copy is checked: its own file)
        size.tell(layout, measuring, settings.slug_size_warning)
        size.keep(layout, measuring)
    if args.report:
        report.write_or_warn(
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


def _processes(layout: Layout) -> list[procfile.Process]:
    """The app's process types, said (procfile.check). An inference that fails (its traceback
    shown) infers nothing: it does not fail a build that worked."""
    try:
        return procfile.check(layout.build, layout.env, layout.app)
    except Exception:  # any fault of the inference: say it, build on
        traceback.print_exc()
        return procfile.read(layout.build) or []
