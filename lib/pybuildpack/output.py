"""Build output in the buildpack's conventions (see lib/output.sh for the bash side)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

INDENT = "       "
ERROR_PREFIX = " !     "


def step(message: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(f"-----> {message}\n")
    out.flush()


def info(message: str, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    for line in message.splitlines() or [""]:
        out.write(f"{INDENT}{line}\n")
    out.flush()


def block(lines: Iterable[str], stream: TextIO | None = None) -> None:
    """An error or warning block: every line starts with ' !     '."""
    out = stream or sys.stderr
    out.write("\n")
    for line in lines:
        out.write(f"{ERROR_PREFIX}{line}".rstrip() + "\n")
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
