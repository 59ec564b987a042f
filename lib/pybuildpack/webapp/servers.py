"""The server that starts an application object, chosen from what the app's environment installs:
for WSGI gunicorn, else waitress; for ASGI gunicorn with uvicorn's worker when both are installed,
else uvicorn, hypercorn, daphne. Every command binds to $PORT (gunicorn binds to it by itself)."""

from __future__ import annotations

import re
from pathlib import Path

from pybuildpack.webapp.source import ASGI, AppObject

# The package to add when an interface's server is missing.
SUGGESTED = {"WSGI": "gunicorn", "ASGI": "uvicorn"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(env: Path) -> frozenset[str]:
    """The canonical names of the distributions in ENV's site-packages (from their .dist-info
    directories' names: NAME-VERSION.dist-info); nothing when there is no environment."""
    names = set()
    for info in env.glob("lib/python*/site-packages/*.dist-info"):
        names.add(canonical(info.name.split("-")[0]))
    return frozenset(names)


def command(app: AppObject, names: frozenset[str]) -> str:
    """The command that serves APP with a server in NAMES, or "" when none of its servers is."""
    chdir = f"--chdir {app.directory} " if app.directory else ""
    cd = f"cd {app.directory} && " if app.directory else ""
    if app.interface == ASGI:
        if "gunicorn" in names and "uvicorn-worker" in names:
            return f"gunicorn -k uvicorn_worker.UvicornWorker {chdir}{app.target}"
        if "gunicorn" in names and "uvicorn" in names:
            return f"gunicorn -k uvicorn.workers.UvicornWorker {chdir}{app.target}"
        if "uvicorn" in names:
            app_dir = f" --app-dir {app.directory}" if app.directory else ""
            return f"uvicorn {app.target} --host 0.0.0.0 --port $PORT{app_dir}"
        if "hypercorn" in names:
            return f"{cd}hypercorn {app.target} --bind 0.0.0.0:$PORT"
        if "daphne" in names:
            return f"{cd}daphne --bind 0.0.0.0 --port $PORT {app.target}"
        return ""
    if "gunicorn" in names:
        return f"gunicorn {chdir}{app.target}"
    if "waitress" in names:
        return f"{cd}waitress-serve --port=$PORT {app.target}"
    return ""


def suggested_command(app: AppObject) -> str:
    """The command APP gets once its interface's suggested server is installed."""
    return command(app, frozenset([SUGGESTED[app.interface]]))
