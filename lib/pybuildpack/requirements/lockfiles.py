"""The files a lock names for each package, with their sha256: uv.lock's wheels and sdist (by
their URLs' file names), poetry.lock's `files`; Pipfile.lock names hashes only, no files. The bill
of materials (sbom/facts.py) picks the one the environment installed: the wheel whose tags are the
installed distribution's (its WHEEL file), else the sdist it was built from."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name

from pybuildpack.toml import TOMLDecodeError, load_toml

_SHA256 = "sha256:"


def _entry(name: str, digest: object) -> tuple[str, str] | None:
    text = str(digest or "")
    if not name or not text.lower().startswith(_SHA256):
        return None
    return name, text[len(_SHA256) :].lower()


def _uv(package: dict[str, Any]) -> list[tuple[str, str] | None]:
    found = []
    for item in [package.get("sdist"), *(package.get("wheels") or [])]:
        if isinstance(item, dict):
            url = str(item.get("url") or item.get("path") or item.get("filename") or "")
            found.append(_entry(unquote(urlsplit(url).path).rsplit("/", 1)[-1], item.get("hash")))
    return found


def _poetry(package: dict[str, Any]) -> list[tuple[str, str] | None]:
    return [
        _entry(str(i.get("file", "")), i.get("hash"))
        for i in package.get("files") or []
        if isinstance(i, dict)
    ]


def files(lock: Path) -> dict[str, dict[str, str]]:
    """{canonical name: {file name: sha256}} of the packages a uv.lock or poetry.lock names ({} for
    another file, or one that can't be read)."""
    read = {"uv.lock": _uv, "poetry.lock": _poetry}.get(lock.name)
    if read is None:
        return {}
    try:
        data = load_toml(lock)
    except (OSError, UnicodeDecodeError, TOMLDecodeError):
        return {}
    found: dict[str, dict[str, str]] = {}
    for package in data.get("package") or []:
        if isinstance(package, dict) and package.get("name"):
            entries = [entry for entry in read(package) if entry is not None]
            found.setdefault(canonicalize_name(str(package["name"])), {}).update(entries)
    return found
