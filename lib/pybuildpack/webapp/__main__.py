"""python -m pybuildpack.webapp BUILD_DIR [ENV] [--app APP_DIR]: print the web process an app
without a Procfile gets (nothing when none), for bin/release; ENV: the app's virtual environment
(what it installs); APP_DIR: the app's directory in the slug (BUILDPACK_APP_SUBDIR)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pybuildpack.webapp.infer import infer


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(prog="pybuildpack.webapp")
    top.add_argument("app", help="the slug's directory (where its Procfile would be)")
    top.add_argument(
        "--app", dest="subdir", default="", help="the app's directory in it (BUILDPACK_APP_SUBDIR)"
    )
    top.add_argument("env", nargs="?", default="", help="the app's virtual environment (what it installs)")
    args = top.parse_args(argv)
    found = infer(Path(args.app), Path(args.env), app=Path(args.subdir) if args.subdir else None)
    if found.command:
        print(found.command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
