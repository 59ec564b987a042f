"""The lexical layer of pip's requirements file format: logical lines, comments, ${VAR}s, and
the split of a line into its requirement and its options (as pip's req_file module does it)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

# A comment starts with a # at the start of a line or after a blank (pip's `(^|\s+)#.*$`, found
# here without its backtracking, which is quadratic in a run of blanks).
_COMMENT_START_RE = re.compile(r"(?:^|(?<=\s))#")
ENV_VAR_RE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)\}")
_BLANKS_RE = re.compile(r"\s+")
# A run of blanks longer than this makes pip's own reading of a line slow (quadratic): such files
# are handed to the engine as the build read them (Graph.rewritten).
LONG_BLANKS = 4096


@dataclass(frozen=True)
class LogicalLine:
    number: int  # the first physical line
    text: str  # comments removed, ${VAR}s expanded, stripped
    raw: str  # before ${VAR} expansion (what is safe to print)
    undefined: tuple[str, ...] = ()  # ${VAR}s no config var or environment variable defines
    split: bool = False  # the requirement itself goes on after a backslash (not only its options)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def strip_comment(line: str) -> str:
    """The line without its comment (and the blanks before it), in linear time."""
    match = _COMMENT_START_RE.search(line)
    return line if match is None else line[: match.start()].rstrip()


def has_long_blanks(text: str) -> bool:
    return any(match.end() - match.start() > LONG_BLANKS for match in _BLANKS_RE.finditer(text))


def _joined(text: str) -> Iterator[tuple[int, str, bool]]:
    """Join lines that end in a backslash with the next one; a comment line ends a continuation.
    (first line, joined text, whether a continuation line goes on with anything but options)."""
    pending: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.endswith("\\") or _is_comment(line):
            if _is_comment(line):
                line = " " + line  # so that the comment is removed below
            if pending:
                pending.append(line)
                yield first, "".join(pending), _split(pending)
                pending = []
            else:
                yield number, line, False
        else:
            if not pending:
                first = number
            pending.append(line.strip("\\"))
    if pending:
        yield first, "".join(pending), _split(pending)


def _split(pending: list[str]) -> bool:
    """Whether the lines after the first of a continued line go on with the requirement (a version,
    a marker), not only with options such as --hash."""
    head = pending[0].strip()
    if not head or head.startswith("-"):
        return False
    rest = [line.strip() for line in pending[1:] if line.strip() and not _is_comment(line)]
    return bool(rest) and not rest[0].startswith("-")


def expand_vars(
    text: str,
    env: Mapping[str, str],
    used: dict[str, str] | None = None,
    missing: list[str] | None = None,
) -> str:
    """${NAME} (upper case, digits, underscore) from env; unknown names are left as they are (as
    pip does) and added to `missing`. The names expanded are added to `used`, with their values."""

    def replace(match: re.Match[str]) -> str:
        value = env.get(match["name"])
        if value and used is not None:
            used[match["name"]] = value
        if not value and missing is not None:
            missing.append(match["name"])
        return value if value else match.group(0)

    return ENV_VAR_RE.sub(replace, text)


def logical_lines(
    text: str, env: Mapping[str, str], used: dict[str, str] | None = None
) -> Iterator[LogicalLine]:
    for number, line, split in _joined(text):
        stripped = strip_comment(line).strip()
        if stripped:
            missing: list[str] = []
            expanded = expand_vars(stripped, env, used, missing)
            yield LogicalLine(number, expanded, stripped, tuple(dict.fromkeys(missing)), split)


def split_args_options(line: str) -> tuple[str, str]:
    """The requirement part (tokens before the first option) and the options part."""
    tokens = line.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:i]).strip(), " ".join(tokens[i:]).strip()
    return line.strip(), ""


def split_options(options: str) -> list[str]:
    return shlex.split(options, comments=False, posix=True)
