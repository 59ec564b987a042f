"""A Django project's web process, as bin/release always inferred it: the shallowest manage.py
up to three levels down (the buildpack's own directory left out), and `gunicorn PROJECT.wsgi`, where
PROJECT is the package of the settings module manage.py names (DJANGO_SETTINGS_MODULE) when it has
a wsgi.py, else the one directory next to manage.py that has one; `--chdir DIR` when manage.py is in
a subdirectory. Nothing when either name is not plain."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pybuildpack.context import Layout
from pybuildpack.files import replace_file
from pybuildpack.webapp.servers import installed

MAX_DEPTH = 3
# In the work directory: the manage.py that collectstatic runs (lib/hooks.sh), or nothing.
COLLECTSTATIC_FILE = "collectstatic"
_SETTINGS = re.compile(r".*DJANGO_SETTINGS_MODULE['\"][ \t\r\f\v]*,[ \t\r\f\v]*['\"]([A-Za-z0-9_.]*)['\"]")
_PROJECT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DIRECTORY = re.compile(r"[A-Za-z0-9_./-]*")


def manage_py(root: Path) -> Path | None:
    """The shallowest manage.py (a file, not a link) up to MAX_DEPTH levels down; of those at the
    same depth, the first by path."""
    slug_dir = Layout(app=root, build=root, buildpack=root, work=root, cache=None).slug_dir
    found: list[tuple[int, str]] = []
    for top, dirs, files in os.walk(root):
        depth = len(Path(top).relative_to(root).parts)
        dirs[:] = [d for d in dirs if Path(top, d) != slug_dir and depth + 1 < MAX_DEPTH]
        manage = Path(top, "manage.py")
        if "manage.py" in files and manage.is_file() and not manage.is_symlink():
            found.append((depth, str(manage)))
    return Path(min(found)[1]) if found else None


def _settings_package(manage: Path) -> str:
    for line in manage.read_bytes().decode("utf-8", "surrogateescape").split("\n"):
        matched = _SETTINGS.match(line)
        if matched:
            return matched[1].split(".")[0]
    return ""


def project(directory: Path) -> str:
    """The Django project package next to DIRECTORY/manage.py that holds wsgi.py, or ""."""
    try:
        settings = _settings_package(directory / "manage.py")
    except OSError:  # an unreadable manage.py names no settings module (as sed reads it)
        settings = ""
    if settings and (directory / settings / "wsgi.py").is_file():
        return settings
    found = [p.parent.name for p in directory.glob("*/wsgi.py") if p.is_file()]
    found = [name for name in found if not name.startswith(".")]
    return found[0] if len(found) == 1 else ""


def web_process(root: Path, home: str = "") -> tuple[str, str]:
    """(the command, where it comes from) of the Django project in ROOT, or ("", ""); HOME: where
    ROOT is in the slug, whose root the command runs from."""
    manage = manage_py(root)
    if manage is None:
        return "", ""
    name = project(manage.parent)
    below = manage.parent.relative_to(root).as_posix()
    relative = "/".join(filter(None, (home, "" if below == "." else below)))
    if not (_PROJECT.fullmatch(name) and _DIRECTORY.fullmatch(relative)):
        return "", ""
    chdir = f"--chdir {relative} " if relative else ""
    shown = "/".join(filter(None, (home, manage.relative_to(root).as_posix())))
    return f"gunicorn {chdir}{name}.wsgi", f"Django project {name}, {shown}"


def hand_collectstatic(layout: Layout) -> None:
    """Tell bash which manage.py collectstatic runs (COLLECTSTATIC_FILE: its path, or empty when
    the app has none or its environment does not install Django). Written by the core's last run
    before collectstatic: decide when the cached environment is reused as it is, else install."""
    manage = manage_py(layout.app) if "django" in installed(layout.env) else None
    replace_file(layout.work / COLLECTSTATIC_FILE, str(manage) if manage else "")
