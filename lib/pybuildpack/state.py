"""The seam between bin/compile (bash) and the Python core, in one place.

bin/compile runs the core three times per build, each time as
`python -m pybuildpack COMMAND --work WORK_DIR ...` (see __main__.py for every flag):

1. `decide`  (the build image's python3): reads the app's dependency files (failing before any
   download when they are unusable), picks the Python version, installs the runtime, restores the
   cached environment or decides to create one, and installs the native libraries the app needs.
2. `install` (the app's runtime): creates or syncs the environment and installs the dependencies
   (returns at once when the cached environment is reused as it is).
3. `finish`  (the build image's python3; also from bin/compile's EXIT trap, for failed builds):
   saves the environment to the cache (successful builds) and writes the build report.

Nothing else crosses the line: no environment variable carries state, and bash reads none of the
core's results but its exit status. Two files in WORK_DIR carry the rest:

- `state.json`, written by `decide` (and by `install`, which adds what it installed with which
  engine), read by `install` and `finish` (State, below; its fields are the schema, checked when
  it is read);
- `failure`, the reason of the first failure, written by whichever side fails (bash's
  output::fail, the core's BuildError): line 1 the reason code (`area::reason`, listed in the
  README), line 2 one line of detail. `finish` puts them in the report.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from pybuildpack.files import replace_file

FORMAT = 1
STATE_FILE = "state.json"
FAILURE_FILE = "failure"


@dataclass(frozen=True)
class LibraryUse:
    """A native library the build installs, and the requirement that needs it."""

    name: str
    version: str
    needed_by: str  # "pylibmc at requirements/base.txt:2"


@dataclass(frozen=True)
class InstallStep:
    """One install the build made, and what made it (written by install, for the report)."""

    step: str  # "build prerequisites", "docopt without build isolation", "dependencies"
    engine: str  # "uv 0.13.9", "pip 26.3 (uv failed)"


@dataclass
class State:
    python_version: str = ""
    python_version_origin: str = ""
    stack: str = ""
    arch: str = ""
    environment: str = ""  # "reuse" | "sync" | "fresh" (empty until decided)
    fingerprint: str = ""
    inputs: dict[str, str] = field(default_factory=dict)
    # what a sync installs afresh: VCS requirements on a branch or tag, new --hash values
    volatile: list[str] = field(default_factory=list)
    libraries: list[LibraryUse] = field(default_factory=list)
    default_index: str | None = None  # pip's own default index
    package_manager: str = ""  # what the app is locked with, and the tool's version: "uv 0.13.9"
    installs: list[InstallStep] = field(default_factory=list)  # what install did, step by step
    format: int = FORMAT

    def write(self, work: Path) -> None:
        replace_file(work / STATE_FILE, json.dumps(asdict(self), indent=1, sort_keys=True))

    @classmethod
    def read(cls, work: Path) -> State | None:
        """The state decide wrote, or None when decide did not get that far."""
        try:
            data = json.loads((work / STATE_FILE).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{work / STATE_FILE} is not a state document of format {FORMAT}")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{work / STATE_FILE} has unknown fields: {', '.join(sorted(unknown))}")
        try:
            data["libraries"] = [LibraryUse(**item) for item in data.get("libraries", [])]
            data["installs"] = [InstallStep(**item) for item in data.get("installs", [])]
        except TypeError as exc:
            raise ValueError(f"{work / STATE_FILE} has a library entry of another shape: {exc}") from exc
        return cls(**data)


def record_failure(work: Path, reason: str, detail: str) -> None:
    """Record the first failure of the build (a later one is a consequence)."""
    path = work / FAILURE_FILE
    if path.exists() or not work.is_dir():
        return
    detail = " ".join(detail.split())[:300]
    try:
        path.write_text(f"{reason}\n{detail}\n")
    except OSError:
        pass


def read_failure(work: Path) -> tuple[str, str] | None:
    try:
        lines = (work / FAILURE_FILE).read_text(errors="replace").splitlines()
    except OSError:
        return None
    return (lines[0], lines[1] if len(lines) > 1 else "") if lines else None
