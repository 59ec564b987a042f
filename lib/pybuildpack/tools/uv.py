"""uv, the program: fetched at its pin (tools/fetch.py) and run in an environment of its own: none
of the build machine's UV_* settings or user configuration, no Python downloads, the system's TLS
roots (SSL_CERT_FILE / SSL_CERT_DIR honoured, as a corporate CA bundle needs), a cache in the
build's scratch directory. It installs (environment/uv.py) and exports uv.lock (export)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pybuildpack.context import Layout
from pybuildpack.process import Completed, run
from pybuildpack.tools.fetch import provide
from pybuildpack.tools.pins import ToolWheel, pinned

if TYPE_CHECKING:
    from pybuildpack.archives.mirror import Mirror
    from pybuildpack.requirements.selection import Selection

_MEMBER = "uv-{version}.data/scripts/uv"
# uv export of a lock into requirements lines (requirements/uvlock.py reads what it says).
EXPORT_ARGS = (
    "export",
    "--locked",
    "--format",
    "requirements-txt",
    "--no-default-groups",
    "--no-editable",
    "--emit-index-url",
    "--no-header",
    "--no-annotate",
    "--quiet",
)


def uv_wheel(layout: Layout, arch: str) -> ToolWheel:
    return pinned(layout.vendor, "uv", arch)


class Uv:
    def __init__(
        self,
        layout: Layout,
        arch: str,
        index_url: str | None,
        mirror: Mirror | None,
        needed_by: str | None = None,
    ) -> None:
        self.layout = layout
        self.wheel = uv_wheel(layout, arch)
        member = _MEMBER.format(version=self.wheel.version)
        self.program = provide(layout, self.wheel, member, index_url, mirror, needed_by)

    @property
    def version(self) -> str:
        return self.wheel.version

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("UV_")}
        for key in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX"):
            env.pop(key, None)
        scratch = self.layout.scratch
        env.update(
            {
                "UV_CACHE_DIR": str(scratch / "uv-cache"),
                "UV_PYTHON_DOWNLOADS": "never",
                "UV_NO_PROGRESS": "1",
                "UV_SYSTEM_CERTS": "1",
                "XDG_CONFIG_HOME": str(scratch / "uv-config"),
                "NO_COLOR": "1",
            }
        )
        return env

    def run(self, args: Sequence[str], *, cwd: Path, quiet: bool = True) -> Completed:
        return run([str(self.program), *args], cwd=cwd, env=self.environment(), quiet=quiet)

    def export(
        self,
        app: Path,
        python: Path | None,
        target: Path,
        *,
        groups: bool,
        selection: Selection,
        package: str = "",
    ) -> Completed:
        """uv's export of app's uv.lock into target: checked against pyproject.toml for the runtime
        python (None: --frozen, unchecked, for bin/plan), with every dependency group when groups,
        else the selection's only, and the selection's extras; only the workspace member package's
        dependencies when it names one (requirements/lockformats.py's LockTool)."""
        args = [*EXPORT_ARGS, "--output-file", str(target)]
        args += [arg for extra in selection.extras for arg in ("--extra", extra)]
        if package:
            args += ["--package", package]
        if groups:
            args[args.index("--no-default-groups")] = "--all-groups"
        else:
            args += [arg for group in selection.groups for arg in ("--group", group)]
        if python is None:
            args[args.index("--locked")] = "--frozen"
        else:
            args += ["--python", str(python)]
        return self.run(args, cwd=app)
