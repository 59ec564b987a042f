"""The values a lock file gives (Pipfile.lock, poetry.lock, uv.lock), checked for their type and
their form before they become requirement lines: names, versions, specifiers and markers as
packaging reads them, hashes as `algo:hex` of the algorithms pip's --hash takes, URLs and git
refs without whitespace, local paths inside the build directory. A value that fails is a
BuildError that names the lock, the entry (`Pipfile.lock: default.six.version`,
`poetry.lock:12: package six: files`), what was expected and what was found."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pybuildpack.errors import BuildError
from pybuildpack.redact import redact

# pip's --hash takes these algorithms only, each with its hex digest's length.
_HASH_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_HASH_RE = re.compile(r"^(?P<algo>[a-z0-9]+):(?P<hex>[0-9a-f]+)$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_REF_RE = re.compile(r"^[^\s#]+$")
T = TypeVar("T")
_TYPES = {dict: "a table", list: "an array", str: "a string", bool: "true or false"}


def _kind(value: object) -> str:
    for kind, words in _TYPES.items():
        if isinstance(value, kind):
            return words
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


def _shown(value: object) -> str:
    text = redact(repr(value))
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class Place:
    """Where a value is in a lock: the lock, the line of its package when known, the keys."""

    lock: str
    fix: str
    keys: tuple[str, ...] = ()
    line: int | None = None

    def at(self, key: str | int) -> Place:
        """The place of a key below this one (shown escaped and cut short: a key is data too)."""
        shown = (
            str(key).encode("unicode_escape").decode("ascii") if _CONTROL_RE.search(str(key)) else str(key)
        )
        return Place(
            self.lock, self.fix, (*self.keys, shown if len(shown) <= 60 else shown[:57] + "..."), self.line
        )

    def on_line(self, line: int | None) -> Place:
        return Place(self.lock, self.fix, self.keys, line)

    def show(self) -> str:
        head = f"{self.lock}:{self.line}" if self.line else self.lock
        return f"{head}: {'.'.join(self.keys)}" if self.keys else head

    def error(self, what: str, *details: str, code: str = "lockfile::invalid", fix: str = "") -> BuildError:
        return BuildError(
            f"{self.lock} can't be installed: {what}",
            where=self.show(),
            details=list(details),
            fix=fix or self.fix,
            code=code,
        )

    def wrong_type(self, expected: str, value: object) -> BuildError:
        return self.error(f"{'.'.join(self.keys) or 'the file'} must be {expected}, not {_kind(value)}")


# Types: each returns the value when it is of the type, else raises naming the place.


def table(place: Place, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise place.wrong_type("a table", value)
    return value


def array(place: Place, value: object) -> list[Any]:
    if not isinstance(value, list):
        raise place.wrong_type("an array", value)
    return value


def text(place: Place, value: object) -> str:
    """A string on one line (no newline or other control character)."""
    if not isinstance(value, str):
        raise place.wrong_type("a string", value)
    if _CONTROL_RE.search(value):
        raise place.error(
            f"{'.'.join(place.keys)} holds a line break or another control character",
            f"Value: {_shown(value)}",
        )
    return value


def flag(place: Place, value: object) -> bool:
    if not isinstance(value, bool):
        raise place.wrong_type("true or false", value)
    return value


def field(place: Place, data: dict[str, Any], key: str, kind: type[T], default: T) -> T:
    """data[key] of the given type (dict, list, str, bool), or default when it is absent."""
    if key not in data or data[key] is None:
        return default
    check: Callable[[Place, object], Any] = {dict: table, list: array, str: text, bool: flag}[kind]
    return cast("T", check(place.at(key), data[key]))


def texts(place: Place, value: object) -> list[str]:
    return [text(place.at(number), item) for number, item in enumerate(array(place, value))]


# Forms: each checks a string as packaging (or pip) reads it.


def name(place: Place, value: object) -> str:
    """A distribution name, canonical."""
    written = text(place, value)
    try:
        return canonicalize_name(written, validate=True)
    except InvalidName:
        raise place.error(f"{_shown(written)} is not a package name") from None


def version(place: Place, value: object) -> str:
    written = text(place, value)
    try:
        Version(written)
    except InvalidVersion:
        raise place.error(f"{_shown(written)} is not a version") from None
    return written


def specifier(place: Place, value: object) -> str:
    """A version specifier such as '==1.16.0' (or '*' or '', any version: returned as '')."""
    written = text(place, value).strip()
    if written in ("", "*"):
        return ""
    try:
        SpecifierSet(written)
    except InvalidSpecifier:
        raise place.error(f"{_shown(written)} is not a version specifier") from None
    return written


def marker(place: Place, value: object) -> str:
    written = text(place, value)
    try:
        Marker(written)
    except InvalidMarker as exc:
        raise place.error(
            f"{_shown(written)} is not an environment marker", str(exc).splitlines()[0]
        ) from None
    return written


def hash_value(place: Place, value: object) -> str:
    written = text(place, value)
    match = _HASH_RE.match(written)
    if not match or _HASH_LENGTHS.get(match["algo"]) != len(match["hex"]):
        raise place.error(
            f"{_shown(written)} is not a hash pip checks",
            "A hash is ALGORITHM:HEX with sha256, sha384 or sha512.",
        )
    return written


def hashes(place: Place, value: object) -> list[str]:
    return [hash_value(place.at(number), item) for number, item in enumerate(array(place, value))]


def extras(place: Place, value: object) -> list[str]:
    return [name(place.at(number), item) for number, item in enumerate(array(place, value))]


def url(place: Place, value: object) -> str:
    """An absolute URL (scheme://...) without whitespace."""
    written = text(place, value)
    if not _URL_RE.match(written):
        raise place.error(f"{_shown(written)} is not a URL")
    return written


def ref(place: Place, value: object) -> str:
    """A VCS reference (a commit, tag or branch): no whitespace, no '#'."""
    written = text(place, value)
    if not _REF_RE.match(written):
        raise place.error(f"{_shown(written)} is not a commit, tag or branch")
    return written


def local_path(place: Place, value: object, lock_dir: Path, bound: Path) -> Path:
    """A local path the lock gives (relative to the lock's directory), resolved; it must be inside
    bound (the build directory: what becomes the slug)."""
    from pybuildpack.requirements.localpaths import outside

    written = text(place, value)
    if written.startswith("file:"):
        from urllib.parse import unquote, urlsplit

        written = unquote(urlsplit(written).path)
    resolved = (lock_dir / written).resolve()
    if outside(resolved, bound):
        raise place.error(
            f"the local path {_shown(written)} is outside the app",
            f"It resolves to {resolved}, which is not in the app's directory.",
            code="requirements::path-outside",
            fix="Keep local packages inside the app (paths in a lock are relative to its directory).",
        )
    if not resolved.exists():
        raise place.error(
            f"the local path {_shown(written)} does not exist",
            code="requirements::path-missing",
            fix="Commit the package at that path (relative to the lock's directory), or lock again.",
        )
    return resolved


def local_line_path(place: Place, value: object, lock_dir: Path, bound: Path) -> str:
    """local_path, as a requirements line writes it: relative to the lock's directory ('./packages/x',
    '.'), so that an export kept in the cache does not name the directory a build ran in."""
    relative = os.path.relpath(local_path(place, value, lock_dir, bound), lock_dir.resolve())
    return relative if relative.startswith(".") else f"./{relative}"
