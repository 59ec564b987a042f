"""The pip engine: pip run from the app's environment, in an environment of its own: the app's
allow-listed config vars, nothing of the build machine's pip configuration (files or PIP_*
variables) but how to reach the network, the pip cache, and the native libraries' build
variables."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pybuildpack.cache import bytecode as store
from pybuildpack.cache import pip as pipcache
from pybuildpack.context import TRANSPORT_SETTINGS, Layout
from pybuildpack.environment import bytecode, metadata
from pybuildpack.environment.pipfailure import InstallFailed, summarize
from pybuildpack.errors import BuildError
from pybuildpack.faults import checkpoint
from pybuildpack.natives.registry import Library, build_environment
from pybuildpack.natives.system import load_system_libraries
from pybuildpack.process import run
from pybuildpack.reproducible import compiler_settings
from pybuildpack.requirements.graph import Graph


def pip_environment(
    layout: Layout, pip_config: dict[str, str], libraries: Sequence[Library] = ()
) -> dict[str, str]:
    """The environment pip runs in (pip_config: ConfigVars.for_pip; libraries: the native
    libraries unpacked in the slug)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PIP_") or key in TRANSPORT_SETTINGS
    }
    for key in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV"):
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
    cache = pipcache.cache_dir(layout)
    if cache is not None:
        env["PIP_CACHE_DIR"] = str(cache)
    else:
        env["PIP_NO_CACHE_DIR"] = "1"
    env["PATH"] = f"{layout.env / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # pip's temporary directories inside the build's own, which goes when the build does (a
    # stopped build's pip would otherwise leave its pip-* directories in TMPDIR)
    tmp = layout.scratch / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    env["TMPDIR"] = str(tmp)
    env.update(pip_config)
    env.update(compiler_settings(layout, env))
    return build_environment(env, list(libraries), layout.natives)


class Pip:
    name = "pip"

    def __init__(
        self,
        layout: Layout,
        graph: Graph,
        pip_config: dict[str, str],
        libraries: Sequence[Library] = (),
        why: str = "",
    ) -> None:
        self.layout = layout
        self.graph = graph
        self.env = pip_environment(layout, pip_config, libraries)
        self.why = why  # why pip and not uv, when the build chose
        self.tools = bytecode.Compiled(0, 0)  # the packaging tools' bytecode, for the build log

    def tools_ready(self) -> None:
        """The packaging tools' bytecode (pip's, wheel's) in place before the build runs them
        (environment/bytecode.py's compile_tools; nothing to do once it is)."""
        layout = self.layout
        done = bytecode.compile_tools(
            layout.env, store.store_for(layout), layout.bytecode_mode, layout.runs_from
        )
        self.tools += done

    def tools_compiled(self) -> bytecode.Compiled:
        return self.tools

    def describe(self) -> str:
        version = metadata.installed(self.layout.env).get("pip", "")
        return " ".join(filter(None, ["pip", version, f"({self.why})" if self.why else ""]))

    def _pip(self, args: list[str], *, quiet: bool = False) -> tuple[int, list[str]]:
        self.tools_ready()
        result = run(
            [str(self.layout.env_python), "-m", "pip", *args], cwd=self.layout.app, env=self.env, quiet=quiet
        )
        return result.returncode, result.tail

    def install(self, args: list[str], *, no_build_isolation: bool = False) -> str:
        checkpoint("install")
        options = ["--no-build-isolation"] if no_build_isolation else []
        # bytecode is the build's (environment/bytecode.py): in parallel, and once
        status, tail = self._pip(["install", "--no-compile", *options, *args])
        if status != 0:
            libraries = load_system_libraries(self.layout.data / "system-libraries.toml")
            raise InstallFailed.of(summarize(tail, self.graph, status, libraries), tail)
        return self.describe()

    def uninstall(self, names: list[str]) -> None:
        if names:
            self._pip(["uninstall", "--yes", "--quiet", *names], quiet=True)

    def prune(self, keep: set[str], added: list[Path]) -> None:
        """pip's cache is pruned by the build (cache/pip.py): pip keeps nothing else."""

    def resolve(self, args: list[str], report: Path) -> dict[str, str]:
        status, tail = self._pip(
            ["install", "--dry-run", "--ignore-installed", "--quiet", "--report", str(report), *args],
            quiet=True,
        )
        if status != 0:
            raise BuildError(
                "Could not resolve the requirements to verify the environment",
                details=tail[-15:],
                code="install::verify-resolve-failed",
            )
        return metadata.resolved_from_report(report)
