"""The app's process types: its Procfile's lines, or without one the inferred web process
(infer.py), and the mistakes that would only show when a dyno starts (a server the process starts
that the environment does not install) said as the build's warnings. The one reader of the
Procfile: the build's check (commands/finish.py), the CNB launch.toml (launch.py) and bin/plan use
it; bin/release asks infer.py alone (a Procfile's types are the platform's to read)."""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from pybuildpack import output
from pybuildpack.webapp.infer import infer

PROCFILE = "Procfile"
# A Procfile line: TYPE: COMMAND (as Heroku reads it; a line that is not one is ignored).
_LINE = re.compile(r"^([A-Za-z0-9_-]+):[ \t]*(.*)$")
# Python servers a process starts: their console script, and the package that installs it.
SERVERS = {
    "gunicorn": "gunicorn",
    "uvicorn": "uvicorn",
    "hypercorn": "hypercorn",
    "daphne": "daphne",
    "waitress-serve": "waitress",
    "celery": "celery",
}


@dataclass(frozen=True)
class Process:
    """A process type and its command; where is what a warning names (the Procfile's line, or
    the inference)."""

    kind: str
    command: str
    where: str


def read(app: Path) -> list[Process] | None:
    """The Procfile's process types, in order (a type given twice: its last line, in the first
    one's place), or None when the app has no Procfile. Lines that are not TYPE: COMMAND, or have
    no command, are skipped."""
    path = app / PROCFILE
    if not path.is_file():
        return None
    found: dict[str, Process] = {}
    for line in path.read_text(errors="replace").splitlines():
        line = line.rstrip("\r")
        matched = _LINE.match(line)
        if matched and matched[2].strip():
            found[matched[1]] = Process(matched[1], matched[2], f"{PROCFILE}: {line}")
    return list(found.values())


def missing_server(command: str, env_bin: Path) -> str:
    """The console script of the Python server COMMAND starts (its first word after VAR=value
    assignments and `exec`) when the environment has no executable of that name, else ""."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    for word in words:
        if "=" in word or word == "exec":
            continue
        return word if word in SERVERS and not os.access(env_bin / word, os.X_OK) else ""
    return ""


def check(root: Path, env: Path, app: Path | None = None) -> list[Process]:
    """The process types of the slug in ROOT (its Procfile's), said: without a Procfile the web
    process inferred for the app in APP (ROOT by default; BUILDPACK_APP_SUBDIR) as a step, or why
    there is none (a warning); a warning for each process whose server is not installed."""
    processes = read(root)
    if processes is None:
        found = infer(root, env, app=app)
        if found.command:
            output.step(f"web process: {found.command} ({output.printable(found.why)})")
            where = f"web: {found.command} (inferred: there is no Procfile)"
            processes = [Process("web", found.command, where)]
        else:
            if found.warning:
                output.warning(found.warning)
            processes = []
    for process in processes:
        script = missing_server(process.command, env / "bin")
        if script:
            output.warning(
                [
                    f"{script} is not installed, but a process type starts it",
                    process.where,
                    "",
                    f"Add {SERVERS[script]} to requirements.txt (or to your project's dependencies).",
                ]
            )
    return processes


def planned(root: Path, env: Path, names: frozenset[str], app: Path | None = None) -> tuple[str, list[str]]:
    """What bin/plan shows of the process types (a title, its lines): the Procfile's, or the web
    process inferred for the app in APP with the servers the requirements name (NAMES), as nothing
    is installed."""
    processes = read(root)
    if processes is not None:
        return "Process types (Procfile)", [f"{p.kind}: {p.command}" for p in processes] or ["(none)"]
    found = infer(root, env, names, app)
    return "Web process (no Procfile; the servers from the requirements)", found.lines()
