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
    """The command that serves APP with a server in NAMES, or "" when none of its servers is (nor
    daphne, which calls no factory). It runs in the app's directory (app.home, from the slug's
    root): gunicorn's --chdir, which changes the working directory before it loads the app (as
    Django's inference always did), else `cd HOME && `; the module is imported from app.directory
    (src/) by the server's own option when it has one. A factory is called by the server:
    'MODULE:create_app()' (gunicorn, hypercorn), --factory (uvicorn), --call (waitress)."""
    imports = "/".join(filter(None, (app.home, app.directory)))
    chdir = f"--chdir {imports} " if imports else ""
    cd = f"cd {imports} && " if imports else ""
    called = f"'{app.target}()'" if app.factory else app.target
    if app.interface == ASGI:
        if "gunicorn" in names and "uvicorn-worker" in names:
            return f"gunicorn -k uvicorn_worker.UvicornWorker {chdir}{called}"
        if "gunicorn" in names and "uvicorn" in names:
            return f"gunicorn -k uvicorn.workers.UvicornWorker {chdir}{called}"
        if "uvicorn" in names:
            home = f"cd {app.home} && " if app.home else ""
            factory = " --factory" if app.factory else ""
            app_dir = f" --app-dir {app.directory}" if app.directory else ""
            return f"{home}uvicorn {app.target}{factory} --host 0.0.0.0 --port $PORT{app_dir}"
        if "hypercorn" in names:
            return f"{cd}hypercorn {called} --bind 0.0.0.0:$PORT"
        if "daphne" in names and not app.factory:
            return f"{cd}daphne --bind 0.0.0.0 --port $PORT {app.target}"
        return ""
    if "gunicorn" in names:
        return f"gunicorn {chdir}{called}"
    if "waitress" in names:
        call = "--call " if app.factory else ""
        return f"{cd}waitress-serve --port=$PORT {call}{app.target}"
    return ""


def suggested_command(app: AppObject) -> str:
    """The command APP gets once its interface's suggested server is installed."""
    return command(app, frozenset([SUGGESTED[app.interface]]))
