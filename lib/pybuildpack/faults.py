"""Fault injection for the test suite, from environment variables of the build process (no config
var can set them): BUILDPACK_TEST_KILL_AT=POINT makes the build kill itself with SIGKILL when it
reaches POINT, as a platform would: bin/compile, which runs the core directly (state.py), and
this process. BUILDPACK_TEST_BREAK=TOOL makes a tool's runs fail (for the pip fallback)."""

from __future__ import annotations

import os
import signal


def checkpoint(point: str) -> None:
    if os.environ.get("BUILDPACK_TEST_KILL_AT") != point:
        return
    os.kill(os.getppid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def broken(tool: str) -> bool:
    """Whether the test suite asked for TOOL's runs to fail (BUILDPACK_TEST_BREAK=TOOL)."""
    return os.environ.get("BUILDPACK_TEST_BREAK") == tool
