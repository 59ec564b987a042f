"""Creating the app's environment and installing its dependencies into it."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.tags import Tag

from pybuildpack import output
from pybuildpack.environment.pipfailure import summarize
from pybuildpack.environment.relocate import relocate
from pybuildpack.errors import BuildError
from pybuildpack.faults import checkpoint
from pybuildpack.natives.registry import Library, build_environment
from pybuildpack.plan.planner import Plan, Planner, Sources
from pybuildpack.plan.prerequisites import Knowledge
from pybuildpack.process import run
from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.load import config_vars
from pybuildpack.requirements.source import InstallSource


@dataclass(frozen=True)
class Settings:
    """The user's knobs for the ordered install."""

    detect: bool = True  # BUILDPACK_DETECT_PREREQUISITES (default on)
    user_rules: str = ""  # BUILDPACK_BUILD_PREREQUISITES
    bootstrap_libraries: bool = True  # BUILDPACK_BOOTSTRAP_LIBRARIES (default on)

    @classmethod
    def from_env(cls) -> Settings:
        def flag(name: str) -> bool:
            return os.environ.get(name, "1").strip().lower() not in ("0", "false", "no", "off")

        return cls(
            detect=flag("BUILDPACK_DETECT_PREREQUISITES"),
            user_rules=os.environ.get("BUILDPACK_BUILD_PREREQUISITES", ""),
            bootstrap_libraries=flag("BUILDPACK_BOOTSTRAP_LIBRARIES"),
        )


@dataclass(frozen=True)
class Layout:
    """Where things are during the build."""

    app: Path
    runtime: Path  # .heroku/python: the unpacked CPython
    env: Path  # .heroku/venv: the app's environment
    tools: Path  # a scratch directory for this build (phase files, reports)
    vendor: Path  # the buildpack's vendor/ directory
    pip_cache: Path | None
    env_dir: Path | None = None
    libraries: tuple[Library, ...] = ()  # native libraries unpacked in .heroku/vendor

    @property
    def runtime_python(self) -> Path:
        return self.runtime / "bin" / "python3"

    @property
    def env_python(self) -> Path:
        return self.env / "bin" / "python"


# pip settings the build machine may carry that only say how to reach the network.
TRANSPORT_SETTINGS = frozenset(
    {"PIP_CERT", "PIP_CLIENT_CERT", "PIP_PROXY", "PIP_DEFAULT_TIMEOUT", "PIP_TIMEOUT", "PIP_RETRIES"}
)


def pip_environment(layout: Layout, referenced: dict[str, str] | None = None) -> dict[str, str]:
    """The environment pip runs in: the app's allowed config vars, the config vars its
    requirements files expand (${VAR}), nothing of the build machine's own pip configuration
    (files or PIP_* variables) but how to reach the network."""
    config_vars = set(os.environ.get("BUILDPACK_PIP_CONFIG_VARS", "").split())
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PIP_") or key in config_vars or key in TRANSPORT_SETTINGS
    }
    for key in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV", "BUILDPACK_PIP_CONFIG_VARS"):
        env.pop(key, None)
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INPUT": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_PROGRESS_BAR": "off",
            "PIP_ROOT_USER_ACTION": "ignore",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if layout.pip_cache is not None:
        env["PIP_CACHE_DIR"] = str(layout.pip_cache)
    else:
        env["PIP_NO_CACHE_DIR"] = "1"
    env["PATH"] = f"{layout.env / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(referenced or {})
    return build_environment(env, list(layout.libraries), layout.env.parent / "vendor")


def create_environment(layout: Layout) -> None:
    """A fresh virtual environment on the runtime, with the pinned pip, setuptools and wheel
    installed from vendor/seed (no network)."""
    if layout.env.exists() or layout.env.is_symlink():
        shutil.rmtree(layout.env) if not layout.env.is_symlink() else layout.env.unlink()
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")  # where the vendored virtualenv is
    env["VIRTUALENV_OVERRIDE_APP_DATA"] = str(layout.tools / ".virtualenv-app-data")
    result = run(
        [
            str(layout.runtime_python),
            "-m",
            "virtualenv",
            "--quiet",
            "--no-periodic-update",
            "--no-download",
            "--no-pip",
            "--no-setuptools",
            "--no-wheel",
            "--no-vcs-ignore",
            "--activators=",
            str(layout.env),
        ],
        env=env,
    )
    if result.returncode != 0:
        raise BuildError(
            "Creating the virtual environment failed",
            where=str(layout.env),
            details=result.tail[-10:],
            code="virtualenv-failed",
        )
    seed_environment(layout.env, sorted((layout.vendor / "seed").glob("*.whl")))
    relocate(layout.env, layout.runtime)


def seed_environment(env: Path, wheels: list[Path]) -> None:
    """Install pure-Python wheels into env with `installer` (what pip does, without pip's start-up
    or an index)."""
    from installer import install
    from installer.destinations import SchemeDictionaryDestination
    from installer.sources import WheelFile

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = env / "lib" / version / "site-packages"
    scheme = {
        "purelib": str(site),
        "platlib": str(site),
        "headers": str(env / "include" / "site" / version),
        "scripts": str(env / "bin"),
        "data": str(env),
    }
    destination = SchemeDictionaryDestination(
        scheme, interpreter=str(env / "bin" / "python"), script_kind="posix"
    )
    for wheel in wheels:
        with WheelFile.open(wheel) as source:
            install(source, destination, additional_metadata={"INSTALLER": b"pip\n"})


def default_index_url(python: Path) -> str | None:
    """pip's own default index (asked of pip, so that no host name is written here)."""
    result = run(
        [str(python), "-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"],
        quiet=True,
        env={"PATH": os.environ.get("PATH", "")},
    )
    return result.tail[-1].strip() if result.returncode == 0 and result.tail else None


def make_plan(
    vendor: Path,
    graph: Graph,
    settings: Settings,
    tags: list[Tag],
    default_index: str | None,
    downloads: Path,
) -> Plan:
    knowledge = Knowledge.load(vendor / "build-prerequisites.toml").with_user_rules(settings.user_rules)
    sources = Sources.from_graph(graph, dict(os.environ), default_index)
    return Planner(graph, knowledge, sources, tags, downloads, detect=settings.detect).plan()


def _phase_file(layout: Layout, graph: Graph, name: str, lines: list[str]) -> Path:
    """A requirements file for one phase: the app's options and constraints, then lines."""
    path = layout.tools / f"phase-{name}.txt"
    head = list(graph.option_lines)
    head += [f"-c {f.path}" for f in graph.files if f.constraint]
    path.write_text("\n".join([*head, *lines]) + "\n")
    return path


def _pip_install(layout: Layout, args: list[str], graph: Graph, files: list[Path]) -> None:
    checkpoint("install")
    config = config_vars(layout.env_dir)
    referenced = {name: config[name] for name in graph.used_vars if name in config}
    result = run(
        [str(layout.env_python), "-m", "pip", "install", *args],
        cwd=layout.app,
        env=pip_environment(layout, referenced),
    )
    if result.returncode != 0:
        raise summarize(result.tail, layout.app, files, result.returncode)


def install_dependencies(layout: Layout, source: InstallSource, graph: Graph, plan: Plan) -> None:
    files = [f.path for f in graph.files]
    if plan.prerequisites:
        output.step("Installing build prerequisites first")
        phase = _phase_file(layout, graph, "prerequisites", [p.line for p in plan.prerequisites])
        _pip_install(layout, ["-r", str(phase)], graph, files)
    for item in plan.deferred:
        output.step(f"Building {item.entry.name or item.entry.text} without build isolation")
        phase = _phase_file(
            layout, graph, f"deferred-{item.entry.name or 'x'}", [item.entry.raw or item.entry.text]
        )
        _pip_install(layout, ["--no-build-isolation", "-r", str(phase)], graph, files)
    if plan.ordered:
        output.step(f"Installing the rest of the dependencies {source.reason}")
    else:
        output.step(f"Installing dependencies {source.reason}")
    if source.kind == "requirements":
        _pip_install(layout, ["-r", str(source.path.relative_to(layout.app))], graph, files)
    else:
        _pip_install(layout, ["."], graph, files)
