"""Turning pip's failure output into a summary that names the requirement and where it is."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.errors import BuildError

_NOT_FOUND_RE = re.compile(r"No matching distribution found for (?P<req>\S+)")
_FROM_LINE_RE = re.compile(r"\(from line (?P<line>\d+) of (?P<file>[^)]+)\)")
_INVALID_RE = re.compile(r"Invalid requirement: '(?P<req>[^']*)'")


def _find_line(app: Path, files: list[Path], name: str) -> str:
    wanted = canonicalize_name(name)
    for path in files:
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, start=1):
            text = line.split(" #", 1)[0].strip()
            if not text or text.startswith(("-", "#")):
                continue
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if canonicalize_name(req.name) == wanted:
                try:
                    shown = path.relative_to(app)
                except ValueError:
                    shown = path
                return f"{shown}:{number}"
    return ""


def summarize(tail: list[str], app: Path, files: list[Path], returncode: int) -> BuildError:
    text = "\n".join(tail)
    missing = _NOT_FOUND_RE.search(text)
    if missing:
        spec = missing["req"]
        try:
            name = Requirement(spec).name
        except InvalidRequirement:
            name = spec
        where = _find_line(app, files, name)
        return BuildError(
            f"pip could not find {spec} on the package index",
            where=where,
            details=["No release of that name matches the version asked for (see pip's message above)."],
            fix="Check the spelling and the version, e.g. with 'pip index versions NAME'.",
            code="requirement-not-found",
        )
    invalid = _INVALID_RE.search(text)
    if invalid:
        origin = _FROM_LINE_RE.search(text[invalid.start() :])
        where = f"{origin['file']}:{origin['line']}" if origin else ""
        return BuildError(
            f"A line in the requirements is not a valid requirement: '{invalid['req']}'",
            where=where,
            fix="Fix the line (the syntax is described in pip's 'Requirements File Format').",
            code="requirements-syntax",
        )
    origin = _FROM_LINE_RE.search(text)
    return BuildError(
        f"pip failed to install the app's dependencies (exit status {returncode})",
        where=f"{origin['file']}:{origin['line']}" if origin else "",
        details=["pip's own message is shown above."],
        code="pip-install-failed",
    )
