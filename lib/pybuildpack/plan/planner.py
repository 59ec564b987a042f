"""Making the install plan: which build-time prerequisites to pre-install (at the app's pins),
which packages to build without build isolation after them, and in which order, from the
knowledge base, the rules learned from failures, and what detection (plan/detect.py) finds.
plan_for is the plan of an app as a build step reads it (requirements/app.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from packaging.markers import default_environment
from packaging.tags import Tag
from packaging.utils import canonicalize_name
from packaging.version import Version

from pybuildpack.context import Layout, Settings
from pybuildpack.index.select import Sources
from pybuildpack.plan import learning
from pybuildpack.plan.detect import Detector
from pybuildpack.plan.learning import Lesson
from pybuildpack.plan.model import Deferred, Plan, Prerequisite
from pybuildpack.plan.prerequisites import Knowledge, Rule
from pybuildpack.plan.wheels import KnownWheels
from pybuildpack.plan.wheels import kept_file as known_wheels_file
from pybuildpack.python_version.tags import marker_environment, tags_for
from pybuildpack.requirements.app import App
from pybuildpack.requirements.graph import Entry, Graph


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
        wheels: KnownWheels | None = None,
    ) -> None:
        self.graph = graph
        self.environment = dict(environment or default_environment())  # markers of the target
        self.knowledge = knowledge
        self.detect = detect
        self.detector = Detector(graph, knowledge, sources, tags, downloads, self.environment, wheels)
        self.notes = self.detector.notes

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
            from concurrent.futures import ThreadPoolExecutor  # (a plan that asks the index only)

            with ThreadPoolExecutor(max_workers=8) as pool:
                for entry, found in zip(undecided, pool.map(self.detector.detect, undecided)):
                    if found is not None or learned[id(entry)]:
                        deferred[entry.name or entry.text] = _merged(entry, learned[id(entry)], found)
            self.detector.wheels.save()
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
    known_wheels: Path | None = None,
) -> Plan:
    """The plan the build runs (and bin/plan shows) for the runtime `version`: what knowledge says
    (knowledge_for), and what the sdists pip would build show (known_wheels: where
    the pinned releases found to have a wheel are kept, plan/wheels.py)."""
    tags = tags_for(version)
    return Planner(
        graph,
        knowledge,
        sources,
        tags,
        downloads,
        detect=settings.detect,
        environment=marker_environment(version),
        wheels=KnownWheels(known_wheels, sources, tags),
    ).plan()


def knowledge_for(layout: Layout, settings: Settings, lessons: Sequence[Lesson] = ()) -> Knowledge:
    """The build prerequisites the plan knows: data/build-prerequisites.toml, the user's rules,
    and (unless detection is off) what earlier builds learned from pip's failures, plus lessons."""
    knowledge = Knowledge.load(layout.data / "build-prerequisites.toml").with_user_rules(settings.user_rules)
    if not settings.detect:
        return knowledge
    return knowledge.with_rules(
        [lesson.rule() for lesson in [*learning.load(learning.kept_file(layout)), *lessons]]
    )


def plan_for(
    layout: Layout,
    app: App,
    settings: Settings,
    version: str,
    default_index: str | None,
    lessons: Sequence[Lesson] = (),
) -> Plan:
    """The plan of the app for the runtime of release version (lessons: what a failure taught)."""
    knowledge = knowledge_for(layout, settings, lessons)
    sources = Sources.from_graph(app.graph, app.pip_config, default_index)
    wheels = known_wheels_file(layout)
    return make_plan(knowledge, app.graph, settings, Version(version), sources, layout.downloads, wheels)
