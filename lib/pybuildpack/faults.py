"""Fault injection for the test suite: BUILDPACK_TEST_KILL_AT=POINT makes the build kill itself
(bin/compile and this process, with SIGKILL) when it reaches POINT, as a platform would."""

from __future__ import annotations

import os
import signal


def checkpoint(point: str) -> None:
    if os.environ.get("BUILDPACK_TEST_KILL_AT") != point:
        return
    compile_pid = os.environ.get("BUILDPACK_COMPILE_PID", "")
    if compile_pid.isdigit():
        os.kill(int(compile_pid), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
