"""python -m pybuildpack.webapp BUILD_DIR ENV [--app APP_DIR] [--explain]: print the web process an
app without a Procfile gets (nothing when none); APP_DIR: the app's directory in the slug
(BUILDPACK_APP_SUBDIR). With --explain, say what was inferred (a step), or why nothing was (a
warning), and write the command to file descriptor 3 instead.
python -m pybuildpack.webapp APP_DIR --manage-py: print the Django project's manage.py (the
shallowest, up to three levels down), for collectstatic."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pybuildpack import output
from pybuildpack.webapp.django import manage_py
from pybuildpack.webapp.infer import infer


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(prog="pybuildpack.webapp")
    top.add_argument("app", help="the slug's directory (where its Procfile would be)")
    top.add_argument(
        "--app", dest="subdir", default="", help="the app's directory in it (BUILDPACK_APP_SUBDIR)"
    )
    top.add_argument("env", nargs="?", default="", help="the app's virtual environment (what it installs)")
    top.add_argument("--manage-py", action="store_true", help="print the Django project's manage.py")
    top.add_argument("--explain", action="store_true", help="print the build's message; the command to fd 3")
    args = top.parse_args(argv)
    if args.manage_py:
        manage = manage_py(Path(args.app))
        if manage is not None:
            print(manage)
        return 0
    found = infer(Path(args.app), Path(args.env), app=Path(args.subdir) if args.subdir else None)
    if not args.explain:
        if found.command:
            print(found.command)
        return 0
    if found.command:
        output.step(f"web process: {found.command} ({output.printable(found.why)})")
    elif found.warning:
        output.warning(found.warning)
    os.write(3, f"{found.command}\n".encode() if found.command else b"")
    return 0


if __name__ == "__main__":
    sys.exit(main())
