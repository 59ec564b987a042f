"""Errors meant for the user: what is wrong, where, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BuildError(Exception):
    """A failure caused by the app or its configuration, reported without a traceback."""

    title: str
    where: str = ""
    details: list[str] = field(default_factory=list)
    fix: str = ""
    code: str = "build-error"

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
