"""What makes two builds of one app the same, byte for byte, wherever and whenever they ran
(README, "Reproducible builds"): one fixed time for what records a time, and the path the slug
runs from for what records a path.

- FIXED_TIME: the modification time of every module the build compiles (environment/bytecode.py
  sets it before compiling, so a timestamp-checked .pyc records it rather than the install's
  time). It is the time a CNB exporter gives every file of a layer (1980-01-01T00:00:01Z,
  test/cnb/lifecycle.py's NORMALIZED_MTIME): one time for the modules of a slug and of an image.
- source_date_epoch: SOURCE_DATE_EPOCH for what the engines build from source distributions (the
  build machine's, else FIXED_TIME), which compilers and wheel builders write instead of now.
- run_url: a file:// URL of the build directory as it is where the slug runs (a local path
  requirement's direct_url.json, and what the build matches to it).
- compiler_settings: -ffile-prefix-map for C and C++ compilers, so that an extension built from
  a source distribution names the slug's files as they are at run time (SLUG_HOME), not as in
  the build directory. In CPPFLAGS, not CFLAGS: setuptools takes a CFLAGS (and CXXFLAGS) of the
  environment in place of the runtime's own (sysconfig's -DNDEBUG -g -O3 -Wall: an extension
  would be built unoptimised, its asserts on), where it adds CPPFLAGS to them, for C and C++;
  autotools and meson pass CPPFLAGS to every compile too (CMake does not read it)."""

from __future__ import annotations

import os
from pathlib import Path

from pybuildpack.context import Layout

FIXED_TIME = 315532801  # 1980-01-01T00:00:01Z
_COMPILER_FLAGS = "CPPFLAGS"


def source_date_epoch() -> str:
    """SOURCE_DATE_EPOCH as the build machine sets it (a whole number of seconds), else FIXED_TIME."""
    given = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return given if given.isdigit() and given.isascii() else str(FIXED_TIME)


def run_url(url: str, runs_from: tuple[str, str] | None) -> str:
    """A file:// URL of the build directory as it is where the slug runs (runs_from:
    context.Layout.runs_from); any other URL as it is."""
    if runs_from is None:
        return url
    built, runs = (Path(path).as_uri() for path in runs_from)
    return runs + url[len(built) :] if url == built or url.startswith(built + "/") else url


def compiler_settings(layout: Layout, env: dict[str, str]) -> dict[str, str]:
    """What an engine's environment (env) gets so that what it builds from source does not depend
    on the build's directory or time: SOURCE_DATE_EPOCH, and -ffile-prefix-map=BUILD_DIR=/app
    before the CPPFLAGS env has (classic mode: a CNB build runs where the image does)."""
    settings = {"SOURCE_DATE_EPOCH": source_date_epoch()}
    if layout.runs_from is not None and not any(c.isspace() for c in layout.runs_from[0]):
        built, runs = layout.runs_from  # (a path with a space can't be one word of CPPFLAGS)
        flags = env.get(_COMPILER_FLAGS, "")
        settings[_COMPILER_FLAGS] = f"-ffile-prefix-map={built}={runs} {flags}".rstrip()
    return settings
