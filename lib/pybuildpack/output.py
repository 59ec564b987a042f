"""Build output in the buildpack's conventions (see lib/output.sh for the bash side)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

INDENT = "       "
ERROR_PREFIX = " !     "
_CONTROL = {c: "?" for c in [*range(0, 9), *range(11, 32), 127]}


def printable(text: str) -> str:
    """text without control bytes (a NUL or an escape from an app's file never reaches the log)."""
    return text.translate(_CONTROL)


def step(message: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(f"-----> {message}\n")
    out.flush()


def info(message: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    for line in message.splitlines() or [""]:
        out.write(f"{INDENT}{printable(line)}\n")
    out.flush()


def block(lines: Iterable[str], stream: TextIO | None = None) -> None:
    """An error or warning block: every line starts with ' !     '."""
    out = stream or sys.stderr
    out.write("\n")
    for item in lines:
        for line in str(item).split("\n") or [""]:
            out.write(f"{ERROR_PREFIX}{printable(line)}".rstrip() + "\n")
    out.write("\n")
    out.flush()


def warning(lines: Iterable[str]) -> None:
    items = list(lines)
    if items:
        items[0] = f"Warning: {items[0]}"
    block(items)


def error(lines: Iterable[str]) -> None:
    items = list(lines)
    if items:
        items[0] = f"Error: {items[0]}"
    block(items)
