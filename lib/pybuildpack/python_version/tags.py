"""What a CPython release accepts on this machine, without that release at hand: its wheel tags,
and the environment its markers are evaluated in."""

from __future__ import annotations

from packaging import tags
from packaging.markers import default_environment
from packaging.version import Version


def tags_for(version: Version) -> list[tags.Tag]:
    pyver = (version.major, version.minor)
    platforms = list(tags.platform_tags())
    return [
        *tags.cpython_tags(pyver, platforms=platforms),
        *tags.compatible_tags(pyver, platforms=platforms),
    ]


def marker_environment(version: Version) -> dict[str, str]:
    """PEP 508 marker values for CPython `version` on this machine."""
    env = dict(default_environment())
    full = f"{version.major}.{version.minor}.{version.micro}"
    env.update(
        {
            "python_version": f"{version.major}.{version.minor}",
            "python_full_version": full,
            "implementation_name": "cpython",
            "implementation_version": full,
            "platform_python_implementation": "CPython",
        }
    )
    return env
