"""The web process of an app without a Procfile (a Procfile always wins): a Django project's, as
bin/release always inferred it; else the one application object the source defines, served by a
server the environment installs; else the app's only [project.scripts] entry, when the environment
has it. An object with no server installed, or two objects, infer nothing and say why."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pybuildpack.toml import TOMLDecodeError, load_toml
from pybuildpack.webapp import django, servers, source

_SCRIPT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_HOME = re.compile(r"([A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*)?")
NO_PROCFILE = (
    "No Procfile: the app has no process types, so no web dyno starts",
    "Add a Procfile at the root of the app that says how to start it, for example:",
    "  web: gunicorn myproject.wsgi",
    "or, for a Flask app in app.py:",
    "  web: gunicorn app:app",
)


@dataclass(frozen=True)
class Inference:
    """The inferred web command and where it comes from; or the warning that says why there is none."""

    command: str = ""
    why: str = ""  # "FastAPI app in main.py:5"
    warning: tuple[str, ...] = ()  # its title first

    def lines(self) -> list[str]:
        """What bin/plan shows of it."""
        return [f"web: {self.command} ({self.why})"] if self.command else list(self.warning)


def _pyproject(root: Path) -> dict[str, Any]:
    try:
        return load_toml(root / "pyproject.toml")
    except (OSError, UnicodeDecodeError, TOMLDecodeError):
        return {}


def _table(data: object, *keys: str) -> dict[str, Any]:
    """data[key][key]...: a table of the document, or {} when it is not there (or not a table)."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def declared_packages(pyproject: dict[str, Any]) -> list[str]:
    """The import names of the package the app declares ([project] or [tool.poetry] name)."""
    names = [_table(pyproject, "project").get("name"), _table(pyproject, "tool", "poetry").get("name")]
    found = []
    for name in names:
        if isinstance(name, str) and name:
            module = re.sub(r"[-.]+", "_", name).lower()
            if module not in found:
                found.append(module)
    return found


def _scripts(pyproject: dict[str, Any]) -> list[str]:
    return sorted(_table(pyproject, "project", "scripts"))


def _one_object(app: source.AppObject, names: frozenset[str]) -> Inference:
    command = servers.command(app, names)
    if command:
        return Inference(command, app.where())
    server = servers.SUGGESTED[app.interface]
    return Inference(
        warning=(
            f"No web process: the {app.where()} has no {app.interface} server installed",
            f"Add {server} to requirements.txt (or to your project's dependencies): the build then infers",
            f"  web: {servers.suggested_command(app)}",
            "Or add a Procfile that says how to start it.",
        )
    )


def _script(root: Path, pyproject: dict[str, Any], env: Path, home: str) -> Inference:
    scripts = _scripts(pyproject)
    if len(scripts) != 1 or not _SCRIPT.fullmatch(scripts[0]):
        return Inference(warning=NO_PROCFILE)
    name = scripts[0]
    if not (env / "bin" / name).is_file():
        return Inference(
            warning=(
                f"No web process: the app's only script, {name} (pyproject.toml's [project.scripts]), "
                "is not installed",
                "Install the app as a package (list it in requirements.txt as `.`), or add a",
                "Procfile that says how to start it.",
            )
        )
    cd = f"cd {home} && " if home else ""
    where = "/".join(filter(None, (home, "pyproject.toml")))
    return Inference(f"{cd}{name}", f"the only [project.scripts] entry in {where}")


def infer(
    root: Path, env: Path, installed: frozenset[str] | None = None, app: Path | None = None
) -> Inference:
    """The web process of the slug in ROOT (where the Procfile would be), whose environment (a
    virtual environment) is ENV, for its app in APP (BUILDPACK_APP_SUBDIR; ROOT by default), from
    whose directory the process runs; what it installs is read in ENV, unless INSTALLED names it
    (bin/plan: what the build would install)."""
    if (root / "Procfile").is_file():
        return Inference()
    app = root if app is None else app
    home = os.path.relpath(app, root)
    home = "" if home == "." else Path(home).as_posix()
    if not _HOME.fullmatch(home):
        return Inference(warning=NO_PROCFILE)  # a directory a command can't name unquoted
    command, why = django.web_process(app, home)
    if command:
        return Inference(command, why)
    pyproject = _pyproject(app)
    found = source.find(app, declared_packages(pyproject), home)
    if len(found) == 1:
        return _one_object(found[0], servers.installed(env) if installed is None else installed)
    if len(found) > 1:
        return Inference(
            warning=(
                "No web process: the app has more than one application object, and no Procfile",
                *(f"  {app.where()}: {app.target}" for app in found),
                "Add a Procfile that says which one to start, for example:",
                f"  web: {servers.suggested_command(found[0])}",
            )
        )
    return _script(app, pyproject, env, home)
