"""Creating the app's environment and installing its dependencies into it."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from . import output
from .appfiles import InstallSource
from .errors import BuildError
from .pipfailure import summarize
from .process import run
from .relocate import relocate


@dataclass(frozen=True)
class Layout:
    """Where things are during the build."""

    app: Path
    runtime: Path  # .heroku/python: the unpacked CPython
    env: Path  # .heroku/venv: the app's environment
    tools: Path  # the unpacked vendored wheels (virtualenv ...)
    vendor: Path  # the buildpack's vendor/ directory
    pip_cache: Path | None

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


def pip_environment(layout: Layout) -> dict[str, str]:
    """The environment pip runs in: the app's allowed config vars, nothing of the build machine's
    own pip configuration (files or PIP_* variables) but how to reach the network."""
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
    return env


def create_environment(layout: Layout) -> None:
    """A fresh virtual environment on the runtime, with the pinned pip, setuptools and wheel."""
    if layout.env.exists() or layout.env.is_symlink():
        shutil.rmtree(layout.env) if not layout.env.is_symlink() else layout.env.unlink()
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    env["PYTHONPATH"] = str(layout.tools)
    env["VIRTUALENV_OVERRIDE_APP_DATA"] = str(layout.tools / ".virtualenv-app-data")
    result = run(
        [
            str(layout.runtime_python),
            "-m",
            "virtualenv",
            "--quiet",
            "--no-periodic-update",
            "--no-download",
            "--pip=bundle",
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
    relocate(layout.env, layout.runtime)
    pins = layout.vendor / "pins.txt"
    result = run(
        [str(layout.env_python), "-m", "pip", "install", "--quiet", "-r", str(pins)],
        env=pip_environment(layout),
    )
    if result.returncode != 0:
        raise BuildError(
            "Installing pip, setuptools and wheel failed",
            where="vendor/pins.txt",
            details=["pip's message is shown above."],
            code="pins-failed",
        )


def install_dependencies(layout: Layout, source: InstallSource) -> None:
    if source.kind == "requirements":
        args = ["-r", str(source.path.relative_to(layout.app))]
        files = [source.path]
    else:
        args = ["."]
        files = []
    result = run(
        [str(layout.env_python), "-m", "pip", "install", *args],
        cwd=layout.app,
        env=pip_environment(layout),
    )
    if result.returncode != 0:
        raise summarize(result.tail, layout.app, files, result.returncode)


def build(layout: Layout, source: InstallSource) -> None:
    started = time.monotonic()
    output.step("Creating the environment")
    create_environment(layout)
    version = run([str(layout.env_python), "-m", "pip", "--version"], quiet=True).tail
    output.info(
        f"virtualenv on Python {layout.runtime.name}: {version[-1].split(' from ')[0] if version else 'pip'}"
    )
    output.step(f"Installing dependencies {source.reason}")
    install_dependencies(layout, source)
    relocate(layout.env, layout.runtime)
    output.info(f"Done in {time.monotonic() - started:.1f}s")
