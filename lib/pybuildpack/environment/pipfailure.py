"""Turning pip's failure output into a summary that names the requirement and where it is."""

from __future__ import annotations

import re

from packaging.requirements import InvalidRequirement, Requirement

from pybuildpack.errors import BuildError
from pybuildpack.requirements.graph import Graph

_NOT_FOUND_RE = re.compile(r"No matching distribution found for (?P<req>\S+)")
_FROM_LINE_RE = re.compile(r"\(from line (?P<line>\d+) of (?P<file>[^)]+)\)")
_INVALID_RE = re.compile(r"Invalid requirement: '(?P<req>[^']*)'")


def _find_line(graph: Graph, name: str) -> str:
    """file:line of the app's requirement for name, from the graph."""
    for entry in graph.by_name(name):
        if not entry.constraint:
            return entry.origin.show(graph.root)
    return ""


def summarize(tail: list[str], graph: Graph, returncode: int) -> BuildError:
    text = "\n".join(tail)
    missing = _NOT_FOUND_RE.search(text)
    if missing:
        spec = missing["req"]
        try:
            name = Requirement(spec).name
        except InvalidRequirement:
            name = spec
        where = _find_line(graph, name)
        return BuildError(
            f"pip could not find {spec} on the package index",
            where=where,
            details=["No release of that name matches the version asked for (see pip's message above)."],
            fix="Check the spelling and the version, e.g. with 'pip index versions NAME'.",
            code="install::requirement-not-found",
        )
    invalid = _INVALID_RE.search(text)
    if invalid:
        origin = _FROM_LINE_RE.search(text[invalid.start() :])
        where = f"{origin['file']}:{origin['line']}" if origin else ""
        return BuildError(
            f"A line in the requirements is not a valid requirement: '{invalid['req']}'",
            where=where,
            fix="Fix the line (the syntax is described in pip's 'Requirements File Format').",
            code="install::requirements-syntax",
        )
    origin = _FROM_LINE_RE.search(text)
    return BuildError(
        f"pip failed to install the app's dependencies (exit status {returncode})",
        where=f"{origin['file']}:{origin['line']}" if origin else "",
        details=["pip's own message is shown above."],
        code="install::pip-failed",
    )
