"""How deeply the buildpack reads nested data (TOML, JSON) from an app's files. No lock file or
pyproject.toml nests more than a few levels; a file nested deeper is refused where it is parsed,
with this limit named, before any recursive code (a parser, json.dumps) meets it."""

from __future__ import annotations

import json

MAX_DEPTH = 64


def too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether value (dicts and lists of scalars) nests more than limit levels (no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def message(limit: int = MAX_DEPTH) -> str:
    return f"it nests tables or arrays more than {limit} levels deep, more than the buildpack reads"


class TooDeep(ValueError):
    """A JSON document nested more deeply than the buildpack reads."""

    def __init__(self) -> None:
        super().__init__(message())


def loads_json(text: str) -> object:
    """json.loads for an app's file: one nested more deeply than MAX_DEPTH is a TooDeep (a
    ValueError, like any JSON that can't be read), never a RecursionError."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise TooDeep() from None
    if too_deep(data):
        raise TooDeep()
    return data
