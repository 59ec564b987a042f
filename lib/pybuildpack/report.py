"""The build report (bin/report): what a build did, as JSON, written for failed builds too."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pybuildpack.environment.metadata import installed


def write(out: Path, fields: list[str], timers: str, env: Path | None) -> None:
    data: dict[str, object] = {}
    for item in fields:
        key, _, value = item.partition("=")
        if key:
            data[key] = value
    steps = {}
    for item in timers.split(","):
        name, _, seconds = item.partition("=")
        if name:
            try:
                steps[name] = float(seconds)
            except ValueError:
                continue
    data["steps_seconds"] = steps
    data["total_seconds"] = round(sum(steps.values()), 1)
    if env is not None and env.is_dir():
        data["packages"] = dict(sorted(installed(env).items()))
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, out)
