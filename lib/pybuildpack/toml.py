"""TOML loading on every Python the buildpack runs on. A document nested more deeply than
nesting.MAX_DEPTH is a TOMLDecodeError (TOMLTooDeep), like any other that can't be read."""

from __future__ import annotations

import json
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


def _value(value: object) -> str:
    """A TOML value: a string (JSON's escapes are TOML's basic-string escapes), a boolean, an
    integer, an array or an inline table of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value).replace("\x7f", "\\u007f")  # (TOML, unlike JSON, escapes DEL)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_value(str(k))} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def dumps_tables(tables: dict[str, dict[str, Any]]) -> str:
    """A document of tables (`[name]` then `key = value` lines; a table of tables as an array of
    tables, `[[name]]`, when its value is a list of dicts). Keys are quoted, so any string is one."""
    out: list[str] = []
    for name, table in tables.items():
        if isinstance(table, list):
            for item in table:
                out.append(f"[[{name}]]")
                out.extend(f"{_value(str(k))} = {_value(v)}" for k, v in item.items())
                out.append("")
            continue
        out.append(f"[{name}]")
        out.extend(f"{_value(str(k))} = {_value(v)}" for k, v in table.items())
        out.append("")
    return "\n".join(out)
