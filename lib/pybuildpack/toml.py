"""TOML loading on every Python the buildpack runs on. A document nested more deeply than
nesting.MAX_DEPTH is a TOMLDecodeError (TOMLTooDeep), like any other that can't be read."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pybuildpack.nesting import message, too_deep

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - older interpreters use the vendored tomli
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError


class TOMLTooDeep(TOMLDecodeError):
    """A document nested more deeply than the buildpack reads (no position: it is the whole)."""

    def __init__(self) -> None:
        ValueError.__init__(self, message())


def loads_toml(text: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise TOMLTooDeep() from None
    if too_deep(data):
        raise TOMLTooDeep()
    return data


def load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return loads_toml(handle.read().decode("utf-8"))
