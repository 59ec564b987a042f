"""The names of the archives on a mirror: NAME-VERSION-STACK-ARCH.tar.zst, for the CPython runtime
(NAME python) and every native library. builds/common.sh writes the same names (a test checks
that the two agree)."""

from __future__ import annotations

import re

SUFFIX = ".tar.zst"
# A name may hold hyphens (postgresql-16); a version starts with a digit and holds none; a stack
# (lib/platform.sh: ID-VERSION_ID, such as debian-12, debian-trixie, opensuse-leap-15.6) starts
# with a letter; an architecture holds no hyphen.
_NAME_RE = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9_.+-]*)-(?P<version>\d[^-]*)-(?P<stack>[a-z][a-z0-9._-]*)"
    r"-(?P<arch>[a-z0-9_]+)\.tar\.(?:zst|gz|xz)$"
)


def archive_name(name: str, version: str, stack: str, arch: str) -> str:
    return f"{name}-{version}-{stack}-{arch}{SUFFIX}"


def parse_archive_name(filename: str) -> tuple[str, str, str, str] | None:
    """(name, version, stack, arch) of an archive name, or None when it is not one."""
    match = _NAME_RE.match(filename)
    if match is None:
        return None
    return match["name"], match["version"], match["stack"], match["arch"]
