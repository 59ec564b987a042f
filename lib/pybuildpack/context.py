"""What one build runs with: where things are (Layout), the user's settings (Settings), and the
app's config vars (ConfigVars, the core's one reader of ENV_DIR, and the allow-list of what
reaches pip)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import ClassVar, TypeVar

from pybuildpack.cache import entries
from pybuildpack.errors import BuildError

_T = TypeVar("_T")
CONFIG_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Config vars that reach pip (and so the build of the app's dependencies).
PIP_ALLOWLIST = frozenset(
    {
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "PIP_TRUSTED_HOST",
        "PIP_FIND_LINKS",
        "PIP_NO_BINARY",
        "PIP_ONLY_BINARY",
        "PIP_PRE",
        "PIP_DEFAULT_TIMEOUT",
        "PIP_RETRIES",
    }
)
# pip settings the build machine may carry that only say how to reach the network.
TRANSPORT_SETTINGS = frozenset(
    {"PIP_CERT", "PIP_CLIENT_CERT", "PIP_PROXY", "PIP_DEFAULT_TIMEOUT", "PIP_TIMEOUT", "PIP_RETRIES"}
)


@dataclass(frozen=True)
class ConfigVars:
    """The app's config vars: ENV_DIR holds one file per var; names that are not identifiers are
    ignored, values are read verbatim but for trailing newlines (as bash reads them for hooks)."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, env_dir: Path | None) -> ConfigVars:
        found: dict[str, str] = {}
        if env_dir is not None and env_dir.is_dir():
            for path in env_dir.iterdir():
                if path.is_file() and CONFIG_NAME_RE.match(path.name):
                    try:
                        # trailing newlines dropped, as the shell's $(<file) and Heroku do
                        found[path.name] = path.read_text(errors="replace").rstrip("\n")
                    except OSError:
                        continue
        return cls(found)

    def for_expansion(self) -> dict[str, str]:
        """What ${VAR} in a requirements file expands to: the process environment, then config vars."""
        return {**os.environ, **self.values}

    def for_pip(self) -> dict[str, str]:
        """The config vars the install engine sees: the allow-listed PIP_* ones, nothing else of
        the app's config. (A ${VAR} a requirements file expands reaches the engine as its value,
        put into the lines the engine installs from: Graph.rewritten.)"""
        return {name: value for name, value in self.values.items() if name in PIP_ALLOWLIST}


def _flag(name: str, default: bool = True) -> bool:
    """A switch: on unless 0, false, no or off; when unset or empty, default."""
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value not in ("0", "false", "no", "off")


def _names(name: str) -> tuple[str, ...]:
    """A list of names, separated by commas or whitespace ("prod, worker"), each once, in order."""
    return tuple(n for n in dict.fromkeys(re.split(r"[\s,]+", os.environ.get(name, ""))) if n)


def _setting(name: str, default: _T) -> _T:
    """A field of Settings read from the environment variable `name`."""
    return field(default=default, metadata={"env": name})


@dataclass(frozen=True)
class Settings:
    """Everything the core reads from its environment, read once per run by __main__ (from_env)
    and passed down: the user's settings (config vars of the buildpack's own, exported by
    bin/compile's env::load: lib/env.sh's ENV_SETTINGS, each field's `env` below or BASH_ONLY)
    and what the platform sets. A test holds the fields to ENV_SETTINGS and the README's table."""

    detect: bool = _setting("BUILDPACK_DETECT_PREREQUISITES", True)
    user_rules: str = _setting("BUILDPACK_BUILD_PREREQUISITES", "")
    bootstrap_libraries: bool = _setting("BUILDPACK_BOOTSTRAP_LIBRARIES", True)
    installer: str = _setting("BUILDPACK_INSTALLER", "uv")  # uv or pip
    package_manager: str = _setting("BUILDPACK_PACKAGE_MANAGER", "")  # "": as the app's files say
    # the lock's groups (uv, Poetry) or categories (Pipenv) and the app's own extras to install
    # besides its default set, as named (requirements/selection.py checks them against the app's)
    install_groups: tuple[str, ...] = _setting("BUILDPACK_INSTALL_GROUPS", ())
    install_extras: tuple[str, ...] = _setting("BUILDPACK_INSTALL_EXTRAS", ())
    mirror_url: str = _setting("BUILDPACK_MIRROR_URL", "")  # "": Heroku's archives on its stacks
    stack: str = _setting("STACK", "")  # the platform's stack name, as it sets it
    mirror_retries: int = _setting("MIRROR_RETRIES", 3)  # retries of a failed download
    compile_all: bool = _setting("BUILDPACK_COMPILE_ALL", False)  # packages' test suites compiled too
    slug_size_warning: int = _setting("BUILDPACK_SLUG_SIZE_WARNING", 1000)  # MB: the largest named above it

    # ENV_SETTINGS the core never reads: bash uses them before the core runs.
    BASH_ONLY: ClassVar[dict[str, str]] = {
        "BUILDPACK_APP_SUBDIR": "bin/compile passes the app's directory as --app",
        "BUILDPACK_PYTHON": "the interpreter bin/compile runs the core with",
    }

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            detect=_flag("BUILDPACK_DETECT_PREREQUISITES"),
            user_rules=os.environ.get("BUILDPACK_BUILD_PREREQUISITES", ""),
            bootstrap_libraries=_flag("BUILDPACK_BOOTSTRAP_LIBRARIES"),
            installer=_installer(),
            package_manager=os.environ.get("BUILDPACK_PACKAGE_MANAGER", ""),
            install_groups=_names("BUILDPACK_INSTALL_GROUPS"),
            install_extras=_names("BUILDPACK_INSTALL_EXTRAS"),
            mirror_url=os.environ.get("BUILDPACK_MIRROR_URL", ""),
            stack=os.environ.get("STACK", ""),
            mirror_retries=int(os.environ.get("MIRROR_RETRIES", "3") or 3),
            compile_all=_flag("BUILDPACK_COMPILE_ALL", default=False),
            slug_size_warning=_megabytes("BUILDPACK_SLUG_SIZE_WARNING", 1000),
        )

    @classmethod
    def variables(cls) -> dict[str, str]:
        """{environment variable: field} of every setting the core reads."""
        return {f.metadata["env"]: f.name for f in fields(cls)}


def _megabytes(name: str, default: int) -> int:
    """A size in MB, a whole number (default when unset or empty); anything else is an error."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw.isdigit() and raw.isascii():
        return int(raw)
    raise BuildError(
        f"{name}={raw[:40]!r}{'...' if len(raw) > 40 else ''} is not a size in MB",
        where=f"config var {name}",
        details=[f"It is a whole number of megabytes (1,000,000 bytes), such as {default} (the default)."],
        fix=f"Set it to a whole number (heroku config:set {name}={default}), or unset it for {default}.",
        code="config::size",
    )


INSTALLERS = ("uv", "pip")


def _installer() -> str:
    """BUILDPACK_INSTALLER: uv (the default, also when unset or empty) or pip; anything else is an
    error, so that a misspelt pip does not build with uv unnoticed."""
    value = os.environ.get("BUILDPACK_INSTALLER", "").strip().lower()
    if not value:
        return "uv"
    if value in INSTALLERS:
        return value
    raw = os.environ["BUILDPACK_INSTALLER"].strip()
    raise BuildError(
        f"BUILDPACK_INSTALLER={raw[:40]!r}{'...' if len(raw) > 40 else ''} is not an install engine",
        where="config var BUILDPACK_INSTALLER",
        details=["The install engines are uv (the default) and pip."],
        fix="Set it to uv or pip (heroku config:set BUILDPACK_INSTALLER=pip), or unset it for uv.",
        code="config::installer",
    )


# Where a dyno unpacks the slug (and the runtime's built-in prefix). The slug's paths are Layout's
# properties below; lib/slug.sh names the same ones for bash, and test/python/test_slug.py holds
# the two equal.
SLUG_HOME = "/app"

# The Cloud Native Buildpack shape (bin/build): the layers that take the place of the slug's
# .heroku/ and of CACHE_DIR/python, by name (lib/slug.sh's LAYER_*, held equal by test_slug.py).
# CACHE_DIR is the cache layer (its python/ is the state directory, as classic CACHE_DIR/python).
LAYER_RUNTIME = "python"
LAYER_ENV = "venv"
LAYER_NATIVES = "natives"
LAYER_CACHE = "cache"
LAYER_TOOLS = "tools"
# Cache entries a CNB build keeps in a layer of their own, or not at all: the runtime's layer is
# its kept tree (no archive or unpacked copy besides), the tools have a build layer.
_LAYERED_ENTRIES = {"runtimes": None, "runtime-tree": None, "package-managers": LAYER_TOOLS}

# How .pyc files are checked against their source: by its modification time in a slug (as pip
# writes them), by its hash (not checked at import) in a CNB image, whose exporter sets every
# file's modification time to one fixed date (a timestamp-checked .pyc would never match).
TIMESTAMP = "timestamp"
UNCHECKED_HASH = "unchecked-hash"
CHECKED_HASH = "checked-hash"  # (the app's own modules in a CNB image: their source may be edited)


@dataclass(frozen=True)
class Layout:
    """Where things are during the build, in one of two shapes: the slug's (runtime, env, natives
    and profile_d under the build directory's .heroku/, the cache in CACHE_DIR/python) or, with
    layers (bin/build, Cloud Native Buildpacks), the layers' (one layer each for the runtime, the
    environment and the native libraries, the cache in the cache layer); and the buildpack's
    files, the work directory."""

    app: Path  # the app's files (BUILDPACK_APP_SUBDIR of the build directory, or all of it)
    build: Path  # BUILD_DIR: the slug (with layers: the app's directory, /workspace)
    buildpack: Path  # the buildpack's own directory (data/, vendor/)
    work: Path  # this build's work directory (state.json, scratch files), removed at the end
    cache: Path | None  # CACHE_DIR/python (the buildpack's part of the cache), None without one
    env_dir: Path | None = None  # ENV_DIR (config vars; with layers, the platform's env/)
    layers: Path | None = None  # CNB_LAYERS_DIR: the CNB shape

    @property
    def slug_dir(self) -> Path:
        """The buildpack's part of the slug (with layers: the layers directory)."""
        return self.layers if self.layers is not None else self.build / ".heroku"

    @property
    def runtime(self) -> Path:
        return self.slug_dir / (LAYER_RUNTIME if self.layers is not None else "python")

    @property
    def env(self) -> Path:
        return self.slug_dir / (LAYER_ENV if self.layers is not None else "venv")

    @property
    def natives(self) -> Path:
        """Where native libraries are unpacked in the slug (one directory each)."""
        return self.slug_dir / (LAYER_NATIVES if self.layers is not None else "vendor")

    def shown(self, path: Path) -> str:
        """path as the build log names it: relative to the slug (.heroku/venv), or a layer's path."""
        return str(path) if self.layers is not None else str(path.relative_to(self.build))

    @property
    def bytecode_mode(self) -> str:
        return UNCHECKED_HASH if self.layers is not None else TIMESTAMP

    @property
    def runs_from(self) -> tuple[str, str] | None:
        """(where the slug is built, resolved; where it runs: SLUG_HOME) when they differ, for
        what names the paths of the slug's files (the .pyc files' source paths, the compilers'
        -ffile-prefix-map); None with layers (built where the image runs them) or when the build
        is at SLUG_HOME."""
        built = str(self.build.resolve())
        return None if self.layers is not None or built == SLUG_HOME else (built, SLUG_HOME)

    @property
    def profile_d(self) -> Path:
        """Run-time settings, sourced at dyno start (profile.py writes the buildpack's)."""
        return self.build / ".profile.d"

    @property
    def app_subdir_record(self) -> Path:
        """The slug's record of where the app is in it (BUILDPACK_APP_SUBDIR), for bin/release,
        which gets the slug alone: its inferred web process runs from there (profile.py writes it)."""
        return self.build / ".heroku" / "app-subdir"

    @property
    def export_file(self) -> Path:
        """What later buildpacks of the same build source (profile.py writes it)."""
        return self.buildpack / "export"

    @property
    def data(self) -> Path:
        return self.buildpack / "data"

    @property
    def vendor(self) -> Path:
        return self.buildpack / "vendor"

    @property
    def scratch(self) -> Path:
        return self.work / "scratch"

    def cached(self, name: str) -> Path | None:
        """CACHE_DIR/python/NAME, an entry of the cache's table (cache/entries.py: a KeyError names
        one it does not have); None without a cache. With layers, the tools are their own layer
        and the runtime is kept as its layer is (_LAYERED_ENTRIES)."""
        path = entries.path(self.cache, name) if self.cache is not None else None
        if self.layers is None or path is None or name not in _LAYERED_ENTRIES:
            return path
        layer = _LAYERED_ENTRIES[name]
        return self.layers / layer if layer is not None else None

    @property
    def downloads(self) -> Path:
        """Where the buildpack keeps the distributions it reads to plan the install (in pip's
        cache, whose pruning keeps them bounded: cache/pip.py)."""
        pip = self.cached("pip")
        return pip / "sdists" if pip is not None else self.scratch / "sdists"

    @property
    def runtime_python(self) -> Path:
        return self.runtime / "bin" / "python3"

    @property
    def env_python(self) -> Path:
        return self.env / "bin" / "python"
