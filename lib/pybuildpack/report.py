"""The build report (bin/report): what a build did, as JSON, written for failed builds too."""

from __future__ import annotations

import json
import time
from pathlib import Path

from pybuildpack import output
from pybuildpack.environment.metadata import installed
from pybuildpack.files import replace_file
from pybuildpack.state import State, read_failure


def _timers(text: str) -> dict[str, float]:
    steps: dict[str, float] = {}
    for item in text.split(","):
        name, _, seconds = item.partition("=")
        if name:
            try:
                steps[name] = float(seconds)
            except ValueError:
                continue
    return steps


def write_or_warn(out: Path, work: Path, env: Path, **fields: str | int | float) -> None:
    """write(), and a warning instead of a failure when it can't be written (a full or read-only
    cache: the build itself is not at fault)."""
    try:
        write(out, work, env, **fields)
    except OSError as exc:
        output.warning(
            [
                f"Could not write the build report (bin/report): {exc.strerror or exc}",
                f"Where: {out}",
                "The build is not affected; CACHE_DIR is full or can't be written.",
            ]
        )


def write(
    out: Path,
    work: Path,
    env: Path,
    *,
    status: int,
    timers: str,
    step: str,
    step_started: float,
    stack: str,
    arch: str,
) -> None:
    """The report of a build that ended with status while step (started at step_started) ran."""
    data: dict[str, object] = {
        "status": "succeeded" if status == 0 else "failed",
        "stack": stack,
        "arch": arch,
    }
    try:
        state = State.read(work)
    except ValueError:
        state = None
    if state is not None:
        data["python_version"] = state.python_version
        data["python_version_origin"] = state.python_version_origin
        if state.environment:
            data["environment"] = state.environment
        data["native_libraries"] = {use.name: use.version for use in state.libraries}
        if state.package_manager:
            data["package_manager"] = state.package_manager
        if state.install_groups:
            data["install_groups"] = state.install_groups
        if state.install_extras:
            data["install_extras"] = state.install_extras
        if state.installs:
            data["installs"] = [{"step": s.step, "engine": s.engine} for s in state.installs]
    if status != 0:
        data["failed_step"] = step
        data["exit_status"] = status
        failure = read_failure(work)
        if failure is None:  # nothing said why: killed, or a bug that recorded nothing
            failure = (
                ("build::signal", f"killed by signal {status - 128}")
                if status > 128
                else ("internal-error::unknown", "")
            )
        data["failure_reason"], data["failure_detail"] = failure
    steps = _timers(timers)
    if step and step_started:
        steps[step] = round(time.time() - step_started, 1)
    data["steps_seconds"] = steps
    data["total_seconds"] = round(sum(steps.values()), 1)
    if env.is_dir():
        data["packages"] = dict(sorted(installed(env).items()))
    replace_file(out, json.dumps(data, indent=2, sort_keys=True) + "\n")
