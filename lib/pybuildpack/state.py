"""The seam between bash (bin/compile, bin/plan, bin/test-compile) and the Python core: every
channel that crosses it, in one place. There are four.

**Arguments.** bin/compile runs the core three times per build, each time as
`COMMAND --work WORK_DIR ...` to the package run isolated (`python -I`, lib/core.sh's core::run;
__main__.py's parser is the list of flags: nine that every command takes, --work --build --app
--buildpack --cache --env-dir --stack --arch --layers (CNB_LAYERS_DIR from bin/build, empty from
bin/compile); finish's --status --timers --step --step-started --report;
install-test's --requirements). bin/build runs the same three, from lib/build.sh as bin/compile
does:

1. `decide`  (the build image's python3): reads the app's dependency files (failing before any
   download when they are unusable), picks the Python version, installs the runtime, restores the
   cached environment or decides to create one, and installs the native libraries the app needs.
2. `install` (the app's runtime): creates or syncs the environment and installs the dependencies
   (not run when decide reuses the cached environment as it is: bash reads `environment`).
3. `finish`  (the build image's python3; also from bin/compile's EXIT trap, for failed builds):
   after a successful build writes .profile.d and `export` (profile.py) and saves to the cache;
   for every build, writes the build report.

bin/plan runs `plan` and bin/test-compile `install-test`, with the same eight flags. --stack is
the stack's archive name, which bash derives (lib/platform.sh, the owner of Heroku's stack names).

**Files.** Bash reads none of the core's results but its exit status and these files:

- `state.json` in WORK_DIR, Python to Python: written by `decide` (and by `install`, which adds
  what it installed with which engine), read by `install` and `finish` (State, below; its fields
  are the schema, checked when it is read);
- `environment` in WORK_DIR, written with state.json: its decision alone (reuse, sync, fresh),
  for bash, which runs no install when it says reuse;
- `collectstatic` in WORK_DIR, written by decide and again by install (webapp/django.py's
  hand_collectstatic): the manage.py that Django's collectstatic runs, or empty (no manage.py,
  or no Django installed);
- `failure` in WORK_DIR, the reason of the first failure, written by whichever side fails (bash's
  output::fail, the core's BuildError): line 1 the reason code (`area::reason`, listed in the
  README), line 2 one line of detail. `finish` puts them in the report;
- `report.json`, written by `finish` where --report says (lib/report.sh's report::path), read by
  bin/report;
- what the build hands on, written by `finish` and read by neither side again:
  BUILD_DIR/.profile.d/python.sh (sourced at dyno start) and the buildpack's `export` (sourced by
  later buildpacks); with layers, each layer's NAME.toml, env files and exec.d, and launch.toml
  (launch.py).

**Environment.** No environment variable carries state. What the core reads of its environment:

- the settings, context.Settings (read once per run by __main__, and passed down; no other module
  reads them, test_settings.py checks): the BUILDPACK_* config vars bin/compile's env::load
  exports (lib/env.sh's ENV_SETTINGS, but BUILDPACK_APP_SUBDIR and BUILDPACK_PYTHON, which bash
  uses itself: Settings.BASH_ONLY), STACK as the platform sets it (Heroku's stacks default to
  Heroku's archives) and MIRROR_RETRIES;
- TMPDIR (made absolute by bin/compile), where scratch files outside WORK_DIR go;
- PYTHONUNBUFFERED and LANG, as `export` hands them on;
- BUILDPACK_TEST_KILL_AT and BUILDPACK_TEST_BREAK, the test suite's fault injection (faults.py;
  not settings: no config var reaches them);
- the rest passes through to the tools the core runs (pip, uv, compilers), filtered as their
  modules say, and ${VAR} in a requirements file expands from it (context.ConfigVars).

**Slug layout.** Where the build puts the runtime (.heroku/python), the app's environment
(.heroku/venv), the native libraries (.heroku/vendor) and .profile.d, or with --layers the layers
(python, venv, natives, cache, tools): context.Layout for the core, lib/slug.sh for bash, held
equal by test_slug.py (which also fails when another bash file spells one of the slug's paths).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from pybuildpack.files import replace_file

FORMAT = 1
STATE_FILE = "state.json"
FAILURE_FILE = "failure"
# The environment's decision alone (state.environment), for bash: install runs unless it is "reuse".
ENVIRONMENT_FILE = "environment"


@dataclass(frozen=True)
class LibraryUse:
    """A native library the build installs, and the requirement that needs it."""

    name: str
    version: str
    needed_by: str  # "pylibmc at requirements/base.txt:2"
    sha256: str = ""  # of the archive it was unpacked from (the bill of materials')
    source: str = ""  # what the archive was built from, as the mirror says ("lzo2 2.10-3")


@dataclass(frozen=True)
class Declared:
    """A requirement the app's files declare, for the bill of materials (sbom/): the distribution
    it names (canonical; "" for a URL or path without a name), where it is written (file:line, or
    the lock's line of the package), the sha256 values it allows (--hash, a lock's hashes) and its
    URL (a URL, VCS or path requirement)."""

    name: str
    origin: str
    hashes: list[str] = field(default_factory=list)
    url: str = ""
    extras: list[str] = field(default_factory=list)  # the extras it asks for


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
    # the groups and extras installed besides the default set (BUILDPACK_INSTALL_GROUPS, _EXTRAS)
    install_groups: list[str] = field(default_factory=list)
    install_extras: list[str] = field(default_factory=list)
    declared: list[Declared] = field(default_factory=list)  # the app's requirements (decide)
    locked: bool = False  # the requirements are a lock's packages (all of them, not only direct ones)
    # a lock's: the distributions the app's project files declare (canonical names), the bill of
    # materials' direct ones (None: not a lock, or not known: LockReader.declares)
    project_declares: list[str] | None = None
    format: int = FORMAT

    def write(self, work: Path) -> None:
        replace_file(work / STATE_FILE, json.dumps(asdict(self), indent=1, sort_keys=True))
        replace_file(work / ENVIRONMENT_FILE, self.environment)

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
            data["declared"] = [Declared(**item) for item in data.get("declared", [])]
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
