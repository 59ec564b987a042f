"""The uv engine (BUILDPACK_INSTALLER=uv): `uv pip install` into the app's environment with pip's
semantics kept: the same requirement arguments, the allow-listed PIP_* config vars translated to
uv's settings, pip's multi-index behaviour (unsafe-best-match), bytecode compiled as pip does, the
native libraries' build variables, uv's cache in CACHE_DIR; bytecode is the build's
(environment/bytecode.py). pip is the safety net: a step uv fails
is run again by pip, with one line saying so, so that an app that builds with pip never fails
because of uv."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from pybuildpack import output
from pybuildpack.cache.pip import prune_uv_builds
from pybuildpack.cache.tree import same_filesystem
from pybuildpack.context import Layout
from pybuildpack.environment import bytecode
from pybuildpack.environment.pip import Pip
from pybuildpack.faults import broken, checkpoint
from pybuildpack.natives.registry import Library, build_environment
from pybuildpack.process import Completed, run
from pybuildpack.reproducible import compiler_settings
from pybuildpack.requirements.graph import Graph
from pybuildpack.tools.uv import Uv

# pip's settings (allow-listed config vars) and uv's names for them.
_SETTINGS = {
    "PIP_INDEX_URL": "UV_INDEX_URL",
    "PIP_EXTRA_INDEX_URL": "UV_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS": "UV_FIND_LINKS",
    "PIP_DEFAULT_TIMEOUT": "UV_HTTP_TIMEOUT",
    "PIP_RETRIES": "UV_HTTP_RETRIES",
    "PIP_TRUSTED_HOST": "UV_INSECURE_HOST",
}
_TRUE = ("1", "true", "yes", "on")


def uv_cache(layout: Layout) -> Path:
    return layout.cached("uv") or layout.scratch / "uv-cache"


def uv_environment(
    layout: Layout, uv: Uv, pip_config: dict[str, str], libraries: Sequence[Library] = ()
) -> tuple[dict[str, str], list[str]]:
    """The environment uv installs in (libraries: the native libraries unpacked in the slug), and
    the arguments pip's settings become."""
    env = uv.environment()
    env.update(
        {
            "UV_CACHE_DIR": str(uv_cache(layout)),
            # files linked from uv's cache, not copied (a wheel's data is written once); what the
            # cache keeps after pruning is copied apart by detach. Across filesystems, copied.
            "UV_LINK_MODE": "hardlink" if same_filesystem(uv_cache(layout), layout.env) else "copy",
            # no UV_COMPILE_BYTECODE: the build compiles, once (environment/bytecode.py)
            "UV_INDEX_STRATEGY": "unsafe-best-match",  # pip's: the best version on any index
            "UV_PYTHON": str(layout.env_python),
            "VIRTUAL_ENV": str(layout.env),
            "PATH": f"{layout.env / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    args: list[str] = []
    for name, value in pip_config.items():
        if name in _SETTINGS:
            env[_SETTINGS[name]] = value
        elif name == "PIP_PRE" and value.strip().lower() in _TRUE:
            env["UV_PRERELEASE"] = "allow"
        elif name == "PIP_NO_BINARY":
            args += [item for part in value.replace(",", " ").split() for item in ("--no-binary", part)]
        elif name == "PIP_ONLY_BINARY":
            args += [item for part in value.replace(",", " ").split() for item in ("--only-binary", part)]
    env.update(compiler_settings(layout, env))
    return build_environment(env, list(libraries), layout.natives), args


class UvEngine:
    name = "uv"

    def __init__(
        self, layout: Layout, graph: Graph, pip_config: dict[str, str], libraries: Sequence[Library], uv: Uv
    ) -> None:
        self.layout = layout
        self.uv = uv
        self.env, self.settings = uv_environment(layout, uv, pip_config, libraries)
        self.pip = Pip(layout, graph, pip_config, libraries)

    def _uv(self, args: list[str], *, quiet: bool = False) -> Completed:
        command = [str(self.uv.program), "pip", *args]
        return run(command, cwd=self.layout.app, env=self.env, quiet=quiet)

    def install(self, args: list[str], *, no_build_isolation: bool = False) -> str:
        checkpoint("install")
        options = ["--no-build-isolation"] if no_build_isolation else []
        if no_build_isolation:
            self.pip.tools_ready()  # (setuptools' bdist_wheel imports wheel from the environment)
        if broken("uv"):
            options.append("--an-option-uv-does-not-know")  # a real failure of uv, for the tests
        if self._uv(["install", *self.settings, *options, *args]).returncode == 0:
            return f"uv {self.uv.version}"
        output.info("uv could not install this step: pip installs it instead (pip's semantics, its messages)")
        self.pip.why = "uv failed"
        return self.pip.install(args, no_build_isolation=no_build_isolation)

    def tools_compiled(self) -> bytecode.Compiled:
        return self.pip.tools_compiled()

    def uninstall(self, names: list[str]) -> None:
        if names:
            self._uv(["uninstall", "--quiet", *names], quiet=True)

    def resolve(self, args: list[str], report: Path) -> dict[str, str]:
        return self.pip.resolve(args, report)

    def detach(self, added: list[Path]) -> int:
        """After prune: the files this build installed (added) that still share their inode with
        uv's cache (the wheels it built from source, which it keeps) become files of their own,
        so that nothing done to the slug can reach uv's cache. Returns the files copied."""
        copied = 0
        for path in added:
            try:
                if path.is_symlink() or path.stat().st_nlink < 2:
                    continue
                tmp = path.with_name(f".{path.name}.detach")
                shutil.copy2(path, tmp)
                os.replace(tmp, path)
                copied += 1
            except OSError:
                continue
        return copied

    def prune(self, keep: set[str], added: list[Path]) -> None:
        """Keep what a later build can't download again (wheels built from sdists: uv's CI mode),
        and of those only what a recent build installed (keep: name==version); then detach the
        files this build installed (added) from what the cache keeps."""
        prune_uv_builds(uv_cache(self.layout), keep)
        run([str(self.uv.program), "cache", "prune", "--ci", "--quiet"], env=self.env, quiet=True)
        self.detach(added)
