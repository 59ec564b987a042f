"""The install plan as data: the build prerequisites to install first, the packages to build
without build isolation after them (in order), and notes for the log."""

from __future__ import annotations

from dataclasses import dataclass, field

from pybuildpack.requirements.graph import Entry, Origin


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
