"""Running tools with their output indented under the current step."""

from __future__ import annotations

import subprocess
import sys
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pybuildpack.output import INDENT
from pybuildpack.redact import redact


@dataclass
class Completed:
    returncode: int
    tail: list[str]


def run(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    quiet: bool = False,
    keep: int = 400,
) -> Completed:
    """Run args, streaming its combined output indented (unless quiet); keep the last lines."""
    tail: deque[str] = deque(maxlen=keep)
    proc = subprocess.Popen(
        list(args),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        bufsize=1,
    )
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = redact(raw.rstrip("\n"))
        tail.append(line)
        if not quiet:
            sys.stdout.write(f"{INDENT}{line}\n" if line else "\n")
            sys.stdout.flush()
    returncode = proc.wait()
    return Completed(returncode, list(tail))
