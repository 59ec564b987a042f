"""Finding undeclared build prerequisites by reading what pip would build: the sdist pip would
pick when no wheel fits the runtime (or a local project), its setup.py's imports and
setup_requires, less what it ships and what its [build-system] declares for the target."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from pybuildpack.index import client
from pybuildpack.index.sdist import SdistFacts, inspect, inspect_directory
from pybuildpack.index.select import Sources, chosen_files
from pybuildpack.plan.model import Deferred
from pybuildpack.plan.prerequisites import Knowledge
from pybuildpack.plan.wheels import KnownWheels
from pybuildpack.requirements.graph import Entry, Graph


def _wheel_fits(filename: str, tags: frozenset[Tag]) -> bool:
    try:
        return bool(parse_wheel_filename(filename)[3] & tags)
    except InvalidWheelFilename:
        return False


def _inspect_download(url: str, downloads: Path) -> SdistFacts:
    """The facts of the sdist at url, read from its copy in downloads (the cache's, when a build
    kept one); a copy that is no readable archive (damaged in the cache) is fetched again, once."""
    archive = client.download(url, downloads)
    try:
        return inspect(archive)
    except ValueError:
        archive.unlink(missing_ok=True)
        return inspect(client.download(url, downloads))


class Detector:
    def __init__(
        self,
        graph: Graph,
        knowledge: Knowledge,
        sources: Sources,
        tags: Iterable[Tag],
        downloads: Path,
        environment: Mapping[str, str],
        wheels: KnownWheels | None = None,
    ) -> None:
        self.graph = graph
        self.knowledge = knowledge
        self.sources = sources
        self.tags = frozenset(tags)
        self.downloads = downloads
        self.wheels = wheels if wheels is not None else KnownWheels(None, sources, ())
        self.environment = environment
        self.notes: list[str] = []
        self.graph_names = {e.name for e in graph.entries if e.name}

    def _sdist_to_inspect(self, entry: Entry) -> client.IndexFile | None:
        """The sdist pip would build for a named requirement, or None when a wheel fits."""
        name = entry.name or ""
        rule = self.sources.binary_rule(name)
        if rule == "only" or entry.requirement is None:
            return None
        key = self.wheels.key(entry) if rule != "no" else None
        if self.wheels.has_wheel(key):
            return None
        files = chosen_files(entry, self.sources, self.graph.root)
        if rule != "no" and any(is_wheel and _wheel_fits(f.filename, self.tags) for f, is_wheel in files):
            self.wheels.found_wheel(key)
            return None
        sdists = [f for f, is_wheel in files if not is_wheel]
        return sdists[0] if sdists else None

    def _needs(self, facts: SdistFacts) -> tuple[list[str], str]:
        """What setup.py needs that the build will not have, and why: what it imports (but what
        the project ships itself), what it asks for in setup_requires (the prerequisites the
        buildpack knows, and distributions the app requires), less what a [build-system]
        requirement that applies to the target declares."""
        declared = facts.declared(self.environment) or frozenset()
        imported = []
        for module in sorted(facts.imports - facts.shipped):
            dist = self.knowledge.distribution_for(module, self.graph_names)
            if dist is not None and canonicalize_name(dist) not in declared:
                imported.append(dist)
        known = {canonicalize_name(d): d for d in self.knowledge.modules.values()}
        asked = []
        for spec in facts.setup_requires:
            name = canonicalize_name(re.split(r"[\s<>=!~;\[(]", spec.strip(), maxsplit=1)[0] or "-")
            dist = known.get(name) or (name if name in self.graph_names else None)
            if dist is not None and name not in declared and dist not in imported and dist not in asked:
                asked.append(dist)
        parts = [f"imports {', '.join(imported)}"] if imported else []
        parts += [f"asks for {', '.join(asked)} in setup_requires"] if asked else []
        return imported + asked, " and ".join(parts)

    def detect(self, entry: Entry) -> Deferred | None:
        """The deferral detection finds for entry, or None."""
        if entry.kind == "path" and entry.path is not None and entry.path.is_dir():
            found = inspect_directory(entry.path)
            if found is None:
                return None
            needs, why = self._needs(found)
        elif entry.kind == "named":
            try:
                sdist = self._sdist_to_inspect(entry)
            except (OSError, ValueError) as exc:  # (urllib's URLError is an OSError)
                self.notes.append(f"Could not look up {entry.name} on the index ({exc}); not inspected.")
                return None
            if sdist is None:
                return None
            try:
                facts = _inspect_download(sdist.url, self.downloads)
            except (OSError, ValueError) as exc:  # (urllib's URLError is an OSError)
                self.notes.append(f"Could not inspect {sdist.filename} ({exc}).")
                return None
            needs, why = self._needs(facts)
        else:
            return None
        if not needs:
            return None
        label = entry.name or entry.text
        return Deferred(entry, tuple(needs), f"{label}'s setup.py {why}")
