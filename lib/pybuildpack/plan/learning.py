"""Build prerequisites learned from pip's failures. Static reading can't see everything (a helper
module that imports numpy, an import inside a function, a header only the compiler asks for): when
pip fails to build a package of the app and says what was missing, the build maps it to the
distribution that provides it (data/build-prerequisites.toml), says so, plans that prerequisite
first and retries once. What was learned is kept in the cache (CACHE_DIR/python/learned.json), so
the next build that has to build that package plans it up front."""

from __future__ import annotations

import datetime
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename

from pybuildpack.context import Layout
from pybuildpack.files import replace_file
from pybuildpack.plan.prerequisites import Knowledge, Rule
from pybuildpack.requirements.graph import Graph

KEEP = 200  # lessons kept in the cache, newest last


@dataclass(frozen=True)
class Missing:
    """Something a package's build lacked, as pip's output says it."""

    package: str  # as pip named it: a requirement, a name, an sdist's path or URL
    module: str | None  # a top-level module name (No module named 'numpy.distutils' -> numpy)
    header_dir: str | None  # the directory of a missing C header (numpy/arrayobject.h -> numpy)
    evidence: str  # the line that says so


@dataclass(frozen=True)
class Lesson:
    package: str  # canonical name
    version: str  # the app's pin ("" when it pins none: then every version)
    needs: str  # the distribution
    learned_on: str  # YYYY-MM-DD
    evidence: str  # pip's line that said so

    def rule(self) -> Rule:
        versions = SpecifierSet(f"=={self.version}") if self.version else SpecifierSet()
        reason = f"learned from a failed build on {self.learned_on}"
        return Rule(self.package, versions, (self.needs,), reason, learned=True)

    def describe(self) -> str:
        pinned = f"=={self.version}" if self.version else ""
        return f"{self.package}{pinned} needs {self.needs} at build time (learned from pip's failure)"


def _package_name(text: str) -> str | None:
    """A canonical name from what pip calls a package: a requirement, an sdist path or URL."""
    filename = text.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    try:
        return canonicalize_name(parse_sdist_filename(filename)[0])
    except InvalidSdistFilename:
        pass
    for stop in "=<>!~[;@ (":
        text = text.split(stop, 1)[0]
    return canonicalize_name(text) if text else None


def explain(
    missing: list[Missing], graph: Graph, knowledge: Knowledge, today: str | None = None
) -> list[Lesson]:
    """The lessons in what pip's failed builds lacked: only for the app's own requirements, and only
    what maps to a distribution. [] when nothing can be explained."""
    names = {e.name for e in graph.entries if e.name}
    day = today or datetime.date.today().isoformat()
    lessons: dict[tuple[str, str], Lesson] = {}
    for item in missing:
        package = _package_name(item.package)
        entries = [e for e in graph.requirements() if e.name == package] if package else []
        if not entries or package is None:
            continue
        if item.module is not None:
            dist = knowledge.distribution_for(item.module, names)
        else:
            dist = knowledge.headers.get(item.header_dir or "")
        if dist is None or canonicalize_name(dist) == package:
            continue
        version = entries[0].pinned_version or ""
        lessons.setdefault(
            (package, canonicalize_name(dist)), Lesson(package, version, dist, day, item.evidence)
        )
    return list(lessons.values())


def kept_file(layout: Layout) -> Path | None:
    """Where the lessons are kept (None without a cache)."""
    return layout.cached("learned.json")


def load(path: Path | None) -> list[Lesson]:
    """The lessons kept in the cache ([] when there are none, or the file is not ours: one with a
    field this version does not know, as State.read refuses one, is another version's)."""
    if path is None:
        return []
    fields = set(Lesson.__dataclass_fields__)
    try:
        data = json.loads(path.read_text())
        if set(data) != {"lessons"} or any(set(item) != fields for item in data["lessons"]):
            return []
        return [Lesson(**{k: str(item[k]) for k in fields}) for item in data["lessons"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def save(path: Path | None, lessons: list[Lesson]) -> None:
    """Add lessons to the cache (best effort); a lesson learned again replaces the old one."""
    if path is None or not lessons:
        return
    new = {(lesson.package, lesson.version, lesson.needs) for lesson in lessons}
    kept = [old for old in load(path) if (old.package, old.version, old.needs) not in new]
    data = {"lessons": [asdict(lesson) for lesson in (kept + lessons)[-KEEP:]]}
    try:
        replace_file(path, json.dumps(data, indent=1))
    except OSError:
        pass  # the cache is best effort
