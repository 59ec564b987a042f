"""Reading pip's requirements files into the graph, following -r and -c includes (local files and
URLs) to any depth."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from pybuildpack.errors import BuildError, shorten
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
from pybuildpack.requirements.lines import (
    ENV_VAR_RE,
    LogicalLine,
    has_long_blanks,
    logical_lines,
    split_args_options,
    split_options,
)
from pybuildpack.requirements.options import KNOWN_OPTIONS, OptionError, is_per_requirement, parse_options

# How deep -r/-c includes may nest. Neither engine reads a deeper chain (pip stops with a
# RecursionError near 1,000 levels, uv overflows its stack near 800), and no app needs one.
MAX_INCLUDE_DEPTH = 200
# What breaks a line when a ${VAR}'s value holding it is put in: pip splits a line at blanks, and
# quotes and backslashes change how it reads the options.
_LINE_BREAKERS = frozenset(" \t'\"\\")


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
        if len(chain) > MAX_INCLUDE_DEPTH:
            raise requirements_error(
                f"The requirements files include each other more than {MAX_INCLUDE_DEPTH} levels deep",
                included_from,
                self.root,
                f"Include the files from fewer levels (at most {MAX_INCLUDE_DEPTH}): list them in one file,\n"
                "or merge the files of the chain.",
                "requirements::include-too-deep",
                f"The chain starts {' -> '.join(display_path(p, self.root) for p in chain[:3])} -> ...",
            )
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
        self.graph.long_blanks = self.graph.long_blanks or has_long_blanks(text)
        for line in logical_lines(text, self.env, self.graph.expanded_vars):
            self.graph.undefined_vars += [(name, Origin(path, line.number)) for name in line.undefined]
            try:
                self.parse_line(path, line, constraint, (*chain, path))
            except BuildError as exc:
                broken = self._broken_by(line)
                if broken and exc.where == Origin(path, line.number).show(self.root):
                    exc.details.append(broken)  # (an included file's error is that file's)
                raise

    def _broken_by(self, line: LogicalLine) -> str:
        """What says that a ${VAR}'s value breaks the line (naming the var, never its value)."""
        names = [
            name
            for name in dict.fromkeys(ENV_VAR_RE.findall(line.raw))
            if _LINE_BREAKERS.intersection(self.graph.expanded_vars.get(name, ""))
        ]
        if not names:
            return ""
        shown = ", ".join(f"${{{name}}}" for name in names)
        return (
            f"The value of {shown} holds a blank, a quote or a backslash, which breaks the line once it is\n"
            "put in (pip puts a value in as it is, and splits the line at blanks): percent-encode those\n"
            "characters in the value (a blank is %20), or remove them."
        )

    def parse_line(self, path: Path, line: LogicalLine, constraint: bool, chain: tuple[Path, ...]) -> None:
        origin = Origin(path, line.number)
        args, options_text = split_args_options(line.text)
        written_args, written_options = split_args_options(line.raw)
        try:
            options = parse_options(split_options(options_text)) if options_text else []
        except (OptionError, ValueError) as exc:
            # what is wrong, said of the line as written: the ${VAR}s' values are never shown
            said = str(exc)
            if line.text != line.raw:
                try:
                    parse_options(split_options(written_options)) if written_options else []
                    said = "it does not parse once its ${VAR}s are put in"
                except (OptionError, ValueError) as written_exc:
                    said = str(written_exc)
            raise requirements_error(
                f"Can't parse the options of this line: {shorten(said)}",
                origin,
                self.root,
                "Options pip accepts in requirements files: " + ", ".join(KNOWN_OPTIONS) + ".",
                "requirements::option",
                f"Line: {shorten(redact(line.raw))}",
            ) from exc
        if args:
            entry = classify(args, origin, self.root, self.root, written=written_args or args)
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
                written = value if line.text == line.raw else line.raw
                entry = classify(value, origin, self.root, self.root, editable=True, written=written)
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
