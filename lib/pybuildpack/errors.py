"""Errors meant for the user: what is wrong, where, and how to fix it, with a stable reason code
(`area::reason`) that the build report records as failure_reason (the README lists them)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REASON_RE = re.compile(r"^[a-z][a-z0-9-]*::[a-z0-9-]+$")
SHOWN = 200  # how much of the app's input an error quotes


def shorten(text: str, limit: int = SHOWN) -> str:
    """Input quoted in an error: its first `limit` characters and how long it is, so that a huge
    line is never printed (or kept in the report) whole."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


@dataclass
class BuildError(Exception):
    """A failure caused by the app or its configuration, reported without a traceback."""

    title: str
    where: str = ""
    details: list[str] = field(default_factory=list)
    fix: str = ""
    code: str = ""

    def __post_init__(self) -> None:
        if not REASON_RE.match(self.code):
            raise TypeError(f"BuildError needs a reason code like 'area::reason', not {self.code!r}")

    def __str__(self) -> str:
        return self.title

    def lines(self) -> list[str]:
        out = [self.title]
        if self.where:
            out.append(f"Where: {self.where}")
        out.extend(self.details)
        if self.fix:
            out.append("")
            out.extend(self.fix.splitlines())
        return out
