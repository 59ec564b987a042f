"""The wheel tags a CPython release accepts on this machine, without that release at hand."""

from __future__ import annotations

from packaging import tags
from packaging.version import Version


def tags_for(version: Version) -> list[tags.Tag]:
    pyver = (version.major, version.minor)
    platforms = list(tags.platform_tags())
    return [
        *tags.cpython_tags(pyver, platforms=platforms),
        *tags.compatible_tags(pyver, platforms=platforms),
    ]
