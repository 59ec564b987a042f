"""Fault injection for the test suite: BUILDPACK_TEST_KILL_AT=POINT (an environment variable of
the build process; no config var can set it) makes the build kill itself with SIGKILL when it
reaches POINT, as a platform would: bin/compile, which runs the core directly (state.py), and
this process."""

from __future__ import annotations

import os
import signal


def checkpoint(point: str) -> None:
    if os.environ.get("BUILDPACK_TEST_KILL_AT") != point:
        return
    os.kill(os.getppid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
