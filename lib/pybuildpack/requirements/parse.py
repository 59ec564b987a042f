"""Reading pip's requirements files into the graph, following -r and -c includes (local files and
URLs) to any depth."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from pybuildpack.http import fetch
from pybuildpack.redact import redact
from pybuildpack.requirements.classify import URL_RE, classify, requirements_error
from pybuildpack.requirements.graph import (
    REMOTE_COPIES,
    Graph,
    Origin,
    RequirementsFile,
    display_path,
)
from pybuildpack.requirements.lines import LogicalLine, logical_lines, split_args_options, split_options
from pybuildpack.requirements.options import KNOWN_OPTIONS, OptionError, is_per_requirement, parse_options


class _Parser:
    def __init__(self, root: Path, env: Mapping[str, str]) -> None:
        self.graph = Graph(root)
        self.env = env
        self.root = root
        self.read: set[tuple[Path, bool]] = set()  # files read, as requirements or constraints

    def parse_file(
        self, path: Path, constraint: bool, included_from: Origin | None, chain: tuple[Path, ...]
    ) -> None:
        path = path.resolve()
        if path in chain:
            links = " -> ".join(display_path(p, self.root) for p in (*chain, path))
            raise requirements_error(
                "The requirements files include each other in a cycle",
                included_from,
                self.root,
                "Remove one of the -r/-c lines so that the includes form a tree.",
                "requirements::include-cycle",
                f"Cycle: {links}",
            )
        if path.exists() and not path.is_file():
            raise requirements_error(
                f"The included file {display_path(path, self.root)} is not a regular file",
                included_from,
                self.root,
                "Include a requirements file (not a directory, a device or a pipe).",
                "requirements::include-missing",
            )
        if not path.is_file():
            raise requirements_error(
                f"The included file {display_path(path, self.root)} does not exist",
                included_from,
                self.root,
                "Fix the path (it is relative to the file that includes it) or add the file.",
                "requirements::include-missing",
            )
        try:
            data = path.read_bytes()
            text = data.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            where = included_from
            if isinstance(exc, UnicodeDecodeError):  # the line of the first byte that is not UTF-8
                where = Origin(path, data.count(b"\n", 0, exc.start) + 1)
            raise requirements_error(
                f"Can't read {display_path(path, self.root)} as UTF-8 text",
                where,
                self.root,
                "Save the file as UTF-8.",
                "requirements::unreadable",
                str(exc),
            ) from exc
        if (path, constraint) in self.read:
            return  # included again (a diamond of includes): its lines are in the graph already
        self.read.add((path, constraint))
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
            raise requirements_error(
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
            entry.split = line.split
            for dest, value in options:
                if not is_per_requirement(dest):
                    raise requirements_error(
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
                raise requirements_error(
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
        if "\x00" in target:
            raise requirements_error(
                "An included file's name holds a NUL byte",
                origin,
                self.root,
                "Fix the -r/-c line: a file name can't hold a NUL byte (is the file binary?).",
                "requirements::include-missing",
            )
        if target.startswith("file:"):
            included = Path(unquote(urlsplit(target).path))
        elif URL_RE.match(target):
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
            raise requirements_error(
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
