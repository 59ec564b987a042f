"""The install plan: which build-time prerequisites to pre-install, which packages to build
without build isolation after them, and in which order."""

from __future__ import annotations

import re
import urllib.error
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from pybuildpack.context import Settings
from pybuildpack.index import client
from pybuildpack.index.sdist import SdistFacts, inspect, inspect_directory
from pybuildpack.index.select import Sources, chosen_files
from pybuildpack.plan.prerequisites import Knowledge, Rule
from pybuildpack.python_version.tags import marker_environment, tags_for
from pybuildpack.requirements.graph import Entry, Graph, Origin


@dataclass
class Prerequisite:
    name: str
    spec: str  # what to install: "numpy==1.26.4"
    origin: Origin | None  # where the app pins or asks for it
    needed_by: list[str] = field(default_factory=list)
    line: str = ""  # the requirements line to install it with

    def __post_init__(self) -> None:
        self.line = self.line or self.spec


@dataclass(frozen=True)
class Deferred:
    """A package built without build isolation, after its prerequisites."""

    entry: Entry
    needs: tuple[str, ...]
    reason: str


@dataclass
class Plan:
    prerequisites: list[Prerequisite] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ordered(self) -> bool:
        return bool(self.prerequisites or self.deferred)


def _wheel_fits(filename: str, tags: frozenset[Tag]) -> bool:
    try:
        return bool(parse_wheel_filename(filename)[3] & tags)
    except InvalidWheelFilename:
        return False


class Planner:
    def __init__(
        self,
        graph: Graph,
        knowledge: Knowledge,
        sources: Sources,
        tags: Iterable[Tag],
        downloads: Path,
        detect: bool = True,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        self.graph = graph
        self.environment = dict(environment or default_environment())  # markers of the target
        self.knowledge = knowledge
        self.sources = sources
        self.tags = frozenset(tags)
        self.downloads = downloads
        self.detect = detect
        self.notes: list[str] = []
        self.graph_names = {e.name for e in graph.entries if e.name}

    def _sdist_to_inspect(self, entry: Entry) -> client.IndexFile | None:
        """The sdist pip would build for a named requirement, or None when a wheel fits."""
        name = entry.name or ""
        rule = self.sources.binary_rule(name)
        if rule == "only" or entry.requirement is None:
            return None
        files = chosen_files(entry, self.sources, self.graph.root)
        if rule != "no" and any(is_wheel and _wheel_fits(f.filename, self.tags) for f, is_wheel in files):
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

    def _detect(self, entry: Entry) -> Deferred | None:
        if entry.kind == "path" and entry.path is not None and entry.path.is_dir():
            found = inspect_directory(entry.path)
            if found is None:
                return None
            needs, why = self._needs(found)
        elif entry.kind == "named":
            try:
                sdist = self._sdist_to_inspect(entry)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                self.notes.append(f"Could not look up {entry.name} on the index ({exc}); not inspected.")
                return None
            if sdist is None:
                return None
            try:
                facts = inspect(client.download(sdist.url, self.downloads))
            except (urllib.error.URLError, OSError, ValueError) as exc:
                self.notes.append(f"Could not inspect {sdist.filename} ({exc}).")
                return None
            needs, why = self._needs(facts)
        else:
            return None
        if not needs:
            return None
        label = entry.name or entry.text
        return Deferred(entry, tuple(needs), f"{label}'s setup.py {why}")

    def _prerequisite(self, name: str) -> Prerequisite:
        pin = self.graph.pin_for(name)
        if pin is not None and pin.requirement is not None:
            spec = f"{pin.requirement.name}=={pin.pinned_version}"
            line = pin.raw if (pin.raw and not pin.constraint) else spec
            return Prerequisite(canonicalize_name(name), spec, pin.origin, line=line)
        for entry in self.graph.by_name(name):
            if entry.requirement is not None:
                req = entry.requirement
                return Prerequisite(canonicalize_name(name), f"{req.name}{req.specifier}", entry.origin)
        return Prerequisite(canonicalize_name(name), name, None)

    def plan(self) -> Plan:
        deferred: dict[str, Deferred] = {}
        undecided = []
        learned: dict[int, list[Rule]] = {}
        for entry in self.graph.requirements():
            rules = self.knowledge.rules_for(entry.name, entry.pinned_version) if entry.name else []
            if any(not rule.learned for rule in rules):
                deferred[entry.name or entry.text] = _merged(entry, rules, None)
            else:
                undecided.append(entry)
                learned[id(entry)] = rules
        if self.detect:
            with ThreadPoolExecutor(max_workers=8) as pool:
                for entry, found in zip(undecided, pool.map(self._detect, undecided)):
                    if found is not None or learned[id(entry)]:
                        deferred[entry.name or entry.text] = _merged(entry, learned[id(entry)], found)
        else:
            self.notes.append(
                "Detection of undeclared build prerequisites is off (BUILDPACK_DETECT_PREREQUISITES=0)."
            )
        ordered = _topological(list(deferred.values()))
        prerequisites: dict[str, Prerequisite] = {}
        deferred_names = {d.entry.name for d in ordered}
        for item in ordered:
            for need in item.needs:
                key = canonicalize_name(need)
                if key in deferred_names:
                    continue  # built in its own turn, before the packages that need it
                prereq = prerequisites.setdefault(key, self._prerequisite(need))
                prereq.needed_by.append(item.entry.name or item.entry.text)
        return Plan(list(prerequisites.values()), ordered, self.notes)


def _merged(entry: Entry, rules: list[Rule], found: Deferred | None) -> Deferred:
    """One deferral from every rule that applies and what detection found."""
    needs = [need for rule in rules for need in rule.needs] + list(found.needs if found else ())
    reasons = [rule.reason for rule in rules] + ([found.reason] if found else [])
    unique = tuple(dict.fromkeys(needs))
    return Deferred(entry, unique, "; ".join(dict.fromkeys(reasons)))


def _topological(items: list[Deferred]) -> list[Deferred]:
    by_name = {d.entry.name: d for d in items if d.entry.name}
    done: list[Deferred] = []
    seen: set[int] = set()

    def visit(item: Deferred, stack: tuple[int, ...]) -> None:
        if id(item) in seen or id(item) in stack:
            return
        for need in item.needs:
            dep = by_name.get(canonicalize_name(need))
            if dep is not None:
                visit(dep, (*stack, id(item)))
        seen.add(id(item))
        done.append(item)

    for item in items:
        visit(item, ())
    return done


def make_plan(
    knowledge: Knowledge,
    graph: Graph,
    settings: Settings,
    version: Version,
    sources: Sources,
    downloads: Path,
) -> Plan:
    """The plan the build runs (and bin/plan shows) for the runtime `version`: what knowledge says
    (build/app.py's knowledge_for), and what the sdists pip would build show."""
    return Planner(
        graph,
        knowledge,
        sources,
        tags_for(version),
        downloads,
        detect=settings.detect,
        environment=marker_environment(version),
    ).plan()
