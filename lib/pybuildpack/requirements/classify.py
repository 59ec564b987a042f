"""What the requirement part of one line of a requirements file is: a named requirement, a URL,
a VCS URL or a local path (an Entry of the graph), or a clear error saying why it is none."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.errors import BuildError, shorten
from pybuildpack.redact import redact
from pybuildpack.requirements.graph import VCS_SCHEMES, Entry, Origin

ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")
# What makes a directory a project pip and uv can build (their "neither setup.py nor pyproject.toml").
PROJECT_FILES = ("setup.py", "pyproject.toml")
_EGG_RE = re.compile(r"[#&]egg=(?P<name>[^&]+)")
URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_EXTRAS_RE = re.compile(r"^(?P<location>.+)(?P<extras>\[[^\]]+\])$")


def _vcs_ref(url: str) -> str | None:
    """The @ref of a VCS URL (git+https://host/repo.git@ref), if it names one."""
    path_part = urlsplit(url.split("+", 1)[1]).path
    return path_part.rsplit("@", 1)[1] if "@" in path_part else None


def requirements_error(
    title: str, origin: Origin | None, root: Path, fix: str, code: str, *details: str
) -> BuildError:
    return BuildError(
        title, where=origin.show(root) if origin else "", details=list(details), fix=fix, code=code
    )


def _name_from_url(url: str) -> str | None:
    match = _EGG_RE.search(url)
    if match:
        return canonicalize_name(match["name"].split("[")[0])
    return None


def _looks_like_path(text: str) -> bool:
    return os.sep in text or text.startswith(".") or text.endswith(ARCHIVE_SUFFIXES)


def split_url_markers(text: str) -> tuple[str, str]:
    """A URL's or a local path's line split at its markers: (location, markers)."""
    if " ;" in text or "; " in text:
        url, _, markers = text.partition(";")
        return url.strip(), markers.strip()
    return text, ""


def strip_extras(location: str) -> tuple[str, tuple[str, ...]]:
    """A local path's location and the extras written after it (`./app[redis,socks]`), as pip
    reads them (its _strip_extras); () when it names none, or none that parse."""
    match = _EXTRAS_RE.match(location)
    if match is None:
        return location, ()
    try:
        extras = Requirement(f"x{match['extras']}").extras
    except InvalidRequirement:
        return location, ()
    return match["location"], tuple(sorted(extras))


def _is_file_url(text: str) -> bool:
    """file:///abs/path, or file:. (relative to the app), both of which pip and uv read."""
    return text[:5].lower() == "file:"


def classify(
    text: str, origin: Origin, root: Path, cwd: Path, *, editable: bool = False, written: str | None = None
) -> Entry:
    """Turn the requirement part of a line into an Entry (raises BuildError when it is not one).
    written: the part as the file has it, before its ${VAR}s are put in: what is shown and kept
    (text is what is read)."""
    if "\x00" in text:
        raise requirements_error(
            "A requirement holds a NUL byte",
            origin,
            root,
            "Save the requirements file as plain text.",
            "requirements::syntax",
        )
    shown = redact(text if written is None else written)
    if text.startswith(VCS_SCHEMES) or URL_RE.match(text):
        url, _ = split_url_markers(text)
        if any(char.isspace() for char in url):
            raise requirements_error(
                f"'{shorten(shown)}' is not a valid requirement",
                origin,
                root,
                "A URL can't hold a blank: write it as %20.",
                "requirements::syntax",
            )
    if text.startswith(VCS_SCHEMES):
        url, _ = split_url_markers(text)
        return Entry(
            origin, shown, "vcs", _name_from_url(url), editable=editable, url=url, vcs_ref=_vcs_ref(url)
        )
    if URL_RE.match(text) or _is_file_url(text):
        url, _ = split_url_markers(text)
        if _is_file_url(url):
            # an editable's extras follow its URL (-e file:.[redis]), as pip and uv read them
            url, extras = strip_extras(url) if editable else (url, ())
            local = cwd / unquote(urlsplit(url).path)
            return Entry(
                origin,
                shown,
                "path",
                _name_from_url(url),
                editable=editable,
                url=url,
                path=local,
                path_extras=extras,
            )
        return Entry(origin, shown, "url", _name_from_url(url), editable=editable, url=url)
    direct_reference = "@" in text and "://" in text  # name @ url (PEP 508)
    if editable or (not direct_reference and _looks_like_path(text.split(";")[0].split("[")[0].strip())):
        location, _ = split_url_markers(text)
        extras: tuple[str, ...] = ()
        if not Path(cwd, location).exists():
            location, extras = strip_extras(location)
            location = location.split("[")[0]
        local = (cwd / location).resolve()
        if not local.exists():
            raise requirements_error(
                f"The local path '{shorten(split_url_markers(shown)[0])}' does not exist",
                origin,
                root,
                "Fix the path: local paths in requirements files are relative to the app's root directory.",
                "requirements::path-missing",
            )
        if local.is_dir() and not any((local / name).is_file() for name in PROJECT_FILES):
            raise requirements_error(
                f"The local path '{shorten(split_url_markers(shown)[0])}' is not a Python project: "
                "it has no setup.py or pyproject.toml",
                origin,
                root,
                "pip and uv build a local directory as a package from its setup.py or pyproject.toml:\n"
                "add one, or fix the path (relative to the app's root directory).",
                "requirements::path-not-a-project",
            )
        return Entry(origin, shown, "path", None, editable=editable, path=local, path_extras=extras)
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise requirements_error(
            f"'{shorten(shown)}' is not a valid requirement",
            origin,
            root,
            "Write a requirement such as 'flask==3.1.0', a URL, or a local path "
            "(see pip's 'Requirements File Format').",
            "requirements::syntax",
            str(exc).splitlines()[0],
        ) from exc
    kind = "named"
    if req.url:
        kind = "vcs" if req.url.startswith(VCS_SCHEMES) else "url"
    ref = _vcs_ref(req.url) if kind == "vcs" and req.url else None
    return Entry(origin, shown, kind, canonicalize_name(req.name), requirement=req, url=req.url, vcs_ref=ref)
