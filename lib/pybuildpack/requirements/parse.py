"""Reading pip's requirements files into the graph, following -r and -c includes (local files and
URLs) to any depth."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.errors import BuildError
from pybuildpack.http import fetch
from pybuildpack.redact import redact
from pybuildpack.requirements.graph import (
    REMOTE_COPIES,
    VCS_SCHEMES,
    Entry,
    Graph,
    Origin,
    RequirementsFile,
    display_path,
)
from pybuildpack.requirements.lines import LogicalLine, logical_lines, split_args_options, split_options
from pybuildpack.requirements.options import KNOWN_OPTIONS, OptionError, is_per_requirement, parse_options

ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")
_EGG_RE = re.compile(r"[#&]egg=(?P<name>[^&]+)")
_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def _vcs_ref(url: str) -> str | None:
    """The @ref of a VCS URL (git+https://host/repo.git@ref), if it names one."""
    path_part = urlsplit(url.split("+", 1)[1]).path
    return path_part.rsplit("@", 1)[1] if "@" in path_part else None


def _error(title: str, origin: Origin | None, root: Path, fix: str, code: str, *details: str) -> BuildError:
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


def _split_url_markers(text: str) -> tuple[str, str]:
    if " ;" in text or "; " in text:
        url, _, markers = text.partition(";")
        return url.strip(), markers.strip()
    return text, ""


def classify(text: str, origin: Origin, root: Path, cwd: Path, *, editable: bool = False) -> Entry:
    """Turn the requirement part of a line into an Entry (raises BuildError when it is not one)."""
    if "\x00" in text:
        raise _error(
            "A requirement holds a NUL byte",
            origin,
            root,
            "Save the requirements file as plain text.",
            "requirements::syntax",
        )
    shown = redact(text)
    if text.startswith(VCS_SCHEMES):
        url, _ = _split_url_markers(text)
        return Entry(
            origin, shown, "vcs", _name_from_url(url), editable=editable, url=url, vcs_ref=_vcs_ref(url)
        )
    if _URL_RE.match(text):
        url, _ = _split_url_markers(text)
        if url.startswith("file:"):
            local = Path(unquote(urlsplit(url).path))
            return Entry(origin, shown, "path", _name_from_url(url), editable=editable, url=url, path=local)
        return Entry(origin, shown, "url", _name_from_url(url), editable=editable, url=url)
    direct_reference = "@" in text and "://" in text  # name @ url (PEP 508)
    if editable or (not direct_reference and _looks_like_path(text.split(";")[0].split("[")[0].strip())):
        location, _ = _split_url_markers(text)
        location = location.split("[")[0] if not Path(cwd, location).exists() else location
        local = (cwd / location).resolve()
        if not local.exists():
            raise _error(
                f"The local path '{location}' does not exist",
                origin,
                root,
                "Fix the path: local paths in requirements files are relative to the app's root directory.",
                "requirements::path-missing",
            )
        return Entry(origin, shown, "path", None, editable=editable, path=local)
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise _error(
            f"'{shown}' is not a valid requirement",
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


class _Parser:
    def __init__(self, root: Path, env: Mapping[str, str]) -> None:
        self.graph = Graph(root)
        self.env = env
        self.root = root

    def parse_file(
        self, path: Path, constraint: bool, included_from: Origin | None, chain: tuple[Path, ...]
    ) -> None:
        path = path.resolve()
        if path in chain:
            links = " -> ".join(display_path(p, self.root) for p in (*chain, path))
            raise _error(
                "The requirements files include each other in a cycle",
                included_from,
                self.root,
                "Remove one of the -r/-c lines so that the includes form a tree.",
                "requirements::include-cycle",
                f"Cycle: {links}",
            )
        if path.exists() and not path.is_file():
            raise _error(
                f"The included file {display_path(path, self.root)} is not a regular file",
                included_from,
                self.root,
                "Include a requirements file (not a directory, a device or a pipe).",
                "requirements::include-missing",
            )
        if not path.is_file():
            raise _error(
                f"The included file {display_path(path, self.root)} does not exist",
                included_from,
                self.root,
                "Fix the path (it is relative to the file that includes it) or add the file.",
                "requirements::include-missing",
            )
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise _error(
                f"Can't read {display_path(path, self.root)} as UTF-8 text",
                included_from,
                self.root,
                "Save the file as UTF-8.",
                "requirements::unreadable",
                str(exc),
            ) from exc
        self.graph.files.append(RequirementsFile(path, constraint, included_from))
        for line in logical_lines(text, self.env, self.graph.used_vars):
            self.graph.undefined_vars += [(name, Origin(path, line.number)) for name in line.undefined]
            self.parse_line(path, line, constraint, (*chain, path))

    def parse_line(self, path: Path, line: LogicalLine, constraint: bool, chain: tuple[Path, ...]) -> None:
        origin = Origin(path, line.number)
        args, options_text = split_args_options(line.text)
        try:
            options = parse_options(split_options(options_text)) if options_text else []
        except (OptionError, ValueError) as exc:
            raise _error(
                f"Can't parse the options of this line: {exc}",
                origin,
                self.root,
                "Options pip accepts in requirements files: " + ", ".join(KNOWN_OPTIONS) + ".",
                "requirements::option",
                f"Line: {redact(line.raw)}",
            ) from exc
        if args:
            entry = classify(args, origin, self.root, self.root)
            entry.constraint = constraint
            entry.raw = line.raw
            for dest, value in options:
                if not is_per_requirement(dest):
                    raise _error(
                        f"The option '{dest.replace('_', '-')}' can't follow a requirement on the same line",
                        origin,
                        self.root,
                        "Put it on a line of its own.",
                        "requirements::option",
                    )
                if dest == "hash":
                    entry.hashes.append(value)
            self.graph.entries.append(entry)
            return
        for dest, value in options:
            if dest in ("requirement", "constraint"):
                self.include(path, origin, value, dest == "constraint" or constraint, chain)
            elif dest == "editable":
                entry = classify(value, origin, self.root, self.root, editable=True)
                entry.constraint = constraint
                entry.raw = line.raw
                self.graph.entries.append(entry)
            elif is_per_requirement(dest):
                raise _error(
                    f"The option '--{dest.replace('_', '-')}' must follow a requirement on the same line",
                    origin,
                    self.root,
                    "Write it after the requirement it belongs to, e.g. 'six==1.17.0 --hash=sha256:...'.",
                    "requirements::option",
                )
            else:
                self.graph.add_option(dest, value)
        if options and all(dest not in ("requirement", "constraint", "editable") for dest, _ in options):
            self.graph.option_lines.append(line.raw)

    def include(
        self, path: Path, origin: Origin, target: str, constraint: bool, chain: tuple[Path, ...]
    ) -> None:
        if target.startswith("file:"):
            included = Path(unquote(urlsplit(target).path))
        elif _URL_RE.match(target):
            included = self._download(target, origin)
        elif path in REMOTE_COPIES:
            included = self._download(urljoin(REMOTE_COPIES[path], target), origin)
        else:
            included = path.parent / target
        self.parse_file(included, constraint, origin, chain)

    def _download(self, url: str, origin: Origin) -> Path:
        for copy, known in REMOTE_COPIES.items():
            if known == url and copy.is_file():
                return copy
        try:
            body, _ = fetch(url)
        except (OSError, ValueError) as exc:
            raise _error(
                f"Can't fetch the included requirements file {redact(url)}",
                origin,
                self.root,
                "Check the URL, and that the server is reachable from the build.",
                "requirements::include-missing",
                redact(str(exc)),
            ) from exc
        copy = Path(tempfile.mkdtemp(prefix="pybuildpack-remote-")) / (
            urlsplit(url).path.rsplit("/", 1)[-1] or "requirements.txt"
        )
        copy.write_bytes(body)
        REMOTE_COPIES[copy.resolve()] = url
        return copy.resolve()


def parse_requirements(path: Path, root: Path, env: Mapping[str, str]) -> Graph:
    """The graph of the requirements file at path (relative paths in it are relative to root)."""
    parser = _Parser(root, env)
    parser.parse_file(path, False, None, ())
    return parser.graph
