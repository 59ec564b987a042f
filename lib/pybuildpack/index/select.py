"""Which distribution files pip would choose: where it looks (the app's indexes, find-links and
binary rules: Sources), and the files of the release it would pick for a requirement. Used to plan
the install and to read extras' metadata, before pip runs."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from pybuildpack.index import client
from pybuildpack.index.sdist import is_sdist
from pybuildpack.requirements.graph import Entry, Graph


def pip_default_index(seed: Path) -> str | None:
    """pip's own default index, read from the pip wheel the environments are seeded with (so that
    no host name is written here, and the plan and the install agree)."""
    wheels = sorted(seed.glob("pip-*.whl"))
    if not wheels:
        return None
    sys.path.insert(0, str(wheels[-1]))
    try:
        from pip._internal.models.index import PyPI
    except ImportError:
        return None
    finally:
        sys.path.remove(str(wheels[-1]))
    return str(PyPI.simple_url)


@dataclass(frozen=True)
class Sources:
    """Where pip will look for distributions, as the app configured it."""

    index_urls: tuple[str, ...]
    find_links: tuple[str, ...]
    no_binary: frozenset[str]  # canonical names, or ":all:"
    only_binary: frozenset[str]
    pre: bool
    timeout: float = client.DEFAULT_TIMEOUT  # PIP_DEFAULT_TIMEOUT, as pip reads it

    @classmethod
    def from_graph(cls, graph: Graph, env: dict[str, str], default_index: str | None) -> Sources:
        opts = graph.options
        urls: list[str] = []
        if "no_index" not in opts:
            main = (opts.get("index_url") or [env.get("PIP_INDEX_URL", "")])[-1] or default_index
            if main:
                urls.append(main)
            urls.extend(opts.get("extra_index_url", []))
            urls.extend(env.get("PIP_EXTRA_INDEX_URL", "").split())

        def names(key: str, env_key: str) -> frozenset[str]:
            values = [*opts.get(key, []), *env.get(env_key, "").split()]
            out: set[str] = set()
            for value in values:
                for item in value.split(","):
                    item = item.strip()
                    if item:
                        out.add(item if item.startswith(":") else canonicalize_name(item))
            return frozenset(out)

        return cls(
            index_urls=tuple(urls),
            find_links=tuple([*opts.get("find_links", []), *env.get("PIP_FIND_LINKS", "").split()]),
            no_binary=names("no_binary", "PIP_NO_BINARY"),
            only_binary=names("only_binary", "PIP_ONLY_BINARY"),
            pre="pre" in opts or env.get("PIP_PRE", "") not in ("", "0", "false"),
            timeout=_seconds(env.get("PIP_DEFAULT_TIMEOUT") or env.get("PIP_TIMEOUT")),
        )

    def binary_rule(self, name: str) -> str:
        """'no' (source only), 'only' (wheels only) or '' for a canonical name."""
        if name in self.no_binary:
            return "no"
        if name in self.only_binary:
            return "only"
        if ":all:" in self.no_binary and name not in self.only_binary:
            return "no"
        if ":all:" in self.only_binary:
            return "only"
        return ""


def _version_of_file(filename: str, name: str) -> tuple[Version, bool] | None:
    """(version, is_wheel) when filename is a distribution of name."""
    try:
        if filename.endswith(".whl"):
            wname, version, _, _ = parse_wheel_filename(filename)
            return (version, True) if wname == name else None
        if is_sdist(filename):
            sname, version = parse_sdist_filename(filename)
            return (version, False) if sname == name else None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return None


def _seconds(text: str | None) -> float:
    try:
        return float(text) if text else client.DEFAULT_TIMEOUT
    except ValueError:
        return client.DEFAULT_TIMEOUT


def all_files(sources: Sources, name: str, root: Path) -> list[client.IndexFile]:
    files: list[client.IndexFile] = []
    for url in sources.index_urls:
        files.extend(client.project_files(url, name, sources.timeout))
    for location in sources.find_links:
        files.extend(client.find_links_files(location, root))
    return files


def chosen_files(entry: Entry, sources: Sources, root: Path) -> list[tuple[client.IndexFile, bool]]:
    """The files of the release pip would pick for a named requirement: [(file, is_wheel)]."""
    name = entry.name or ""
    if entry.requirement is None:
        return []
    by_version: dict[Version, list[tuple[client.IndexFile, bool]]] = {}
    for item in all_files(sources, name, root):
        parsed = _version_of_file(item.filename, name)
        if parsed is None:
            continue
        version, is_wheel = parsed
        if item.yanked and entry.pinned_version is None:
            continue
        by_version.setdefault(version, []).append((item, is_wheel))
    spec = entry.requirement.specifier
    allowed = [v for v in by_version if spec.contains(v, prereleases=sources.pre or None)]
    return by_version[max(allowed)] if allowed else []
