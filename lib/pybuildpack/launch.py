"""What a Cloud Native Buildpack build hands on (bin/build), as profile.py does for the classic
contract: each layer's types and metadata (LAYERS/NAME.toml, cache/layers.py), the launch
environment as layer env files (the CNB launcher sources no .profile.d), an exec.d program for
WEB_CONCURRENCY (lib/profile.d/WEB_CONCURRENCY.sh's rule, one rule for both contracts), and
launch.toml: the app's process types (webapp/procfile.py) and the build's label.
Written by finish after a successful build.

The layers: python (build, launch, cache) the runtime; venv (build, launch, cache) the app's
environment; natives (launch, cache) the native libraries, when the app uses any; tools (build,
cache) the package managers; cache (cache) what classic keeps in CACHE_DIR/python."""

from __future__ import annotations

import json
from pathlib import Path

from pybuildpack.cache import bytecode, layers
from pybuildpack.cache.environment import layer_meta, say_discarded
from pybuildpack.committed import runtime_mark
from pybuildpack.context import (
    CHECKED_HASH,
    LAYER_CACHE,
    LAYER_ENV,
    LAYER_NATIVES,
    LAYER_RUNTIME,
    LAYER_TOOLS,
    Layout,
)
from pybuildpack.natives.registry import load_registry, run_variables, separator, unpacked
from pybuildpack.profile import RUN_DEFAULTS, RUN_UNSET
from pybuildpack.state import State
from pybuildpack.toml import dumps_tables
from pybuildpack.webapp.procfile import Process

ALL = {"build", "launch", "cache"}
LABEL = "io.pybuildpack.build"
_EXEC_D_OUTPUT = """
# exec.d's output (TOML, to file descriptor 3): what the rule above set, when it is a number.
for _pybp_name in WEB_CONCURRENCY DYNO_RAM; do
	eval "_pybp_value=\\${${_pybp_name}:-x}"
	case "${_pybp_value}" in
	*[!0-9]*) ;;
	*) printf '%s = "%s"\\n' "${_pybp_name}" "${_pybp_value}" >&3 ;;
	esac
done
"""


def _env_files(directory: Path, files: dict[str, str]) -> None:
    """directory/NAME.SUFFIX holding each value (the lifecycle's env files), and nothing else."""
    if directory.is_dir():
        for stale in directory.iterdir():
            if stale.is_file():
                stale.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    for name, value in files.items():
        (directory / name).write_text(value)


def _environment(layout: Layout) -> None:
    """The environment's layer: its bin/ first on PATH and VIRTUAL_ENV, for later buildpacks and
    at launch (env/); the run-time defaults and no other Python's files at launch (env.launch/);
    WEB_CONCURRENCY (exec.d/)."""
    env = layout.env
    found = {"PATH.prepend": str(env / "bin"), "PATH.delim": ":", "VIRTUAL_ENV.override": str(env)}
    _env_files(env / "env", found)
    launch = {f"{key}.default": value for key, value in RUN_DEFAULTS.items()}
    launch.update({f"{key}.override": "" for key in RUN_UNSET})  # (an empty value is unset for Python)
    _env_files(env / "env.launch", launch)
    rule = (layout.buildpack / "lib" / "profile.d" / "WEB_CONCURRENCY.sh").read_text()
    program = env / "exec.d" / "web_concurrency"
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_text("#!/bin/sh\n" + rule + _EXEC_D_OUTPUT)
    program.chmod(0o755)


def _natives(layout: Layout) -> list[str]:
    """The native libraries' layer, with their run-time variables (the registry's, as in
    .profile.d/python.sh) as env.launch/ files; the names of the libraries (none: no layer)."""
    libraries = unpacked(load_registry(layout.data / "native-libraries.toml"), layout.natives)
    if not libraries:
        layers.drop(layout.slug_dir, LAYER_NATIVES)
        return []
    values: dict[str, list[str]] = {}
    for library in libraries:
        for key, value in run_variables(library, str(layout.natives / library.name)):
            values.setdefault(key, []).append(value)
    files: dict[str, str] = {}
    for key, found in values.items():
        joined_by = separator(key)
        if joined_by:
            files[f"{key}.prepend"] = joined_by.join(found)
            files[f"{key}.delim"] = joined_by
        else:
            files[f"{key}.override"] = found[-1]
    _env_files(layout.natives / "env.launch", files)
    return [library.name for library in libraries]


def processes(found: list[Process]) -> list[dict[str, object]]:
    """launch.toml's processes: one per process type (the Procfile's lines, or the inferred web
    process: webapp/procfile.py), run by bash as a dyno runs it; web the default."""
    return [
        {"type": process.kind, "command": ["bash", "-c", process.command], "default": process.kind == "web"}
        for process in found
    ]


def label(state: State) -> str:
    """The image label's value: the build in short (JSON)."""
    engines = sorted({step.engine.split()[0] for step in state.installs if step.engine})
    return json.dumps(
        {
            "python": state.python_version,
            "package_manager": state.package_manager,
            "engine": ",".join(engines),
            "environment": state.environment,
        },
        sort_keys=True,
    )


def _kept(types: set[str], name: str, written: dict[str, str]) -> set[str]:
    """A layer's types, without the cache when the build's own code wrote into it (written_layers):
    the image has what it wrote, the next build starts without it."""
    return types - {"cache"} if name in written else types


def hand_on(layout: Layout, state: State, found: list[Process], written: dict[str, str]) -> None:
    """Every layer's file and content for the lifecycle, and launch.toml. The app's own bytecode
    that the build wrote (collectstatic, a hook importing the app) is made hash-checked, checked
    against its source at import (it is the app's code, which may be edited in a running image):
    the exporter resets every file's time, and a timestamp .pyc would be compiled at every start.
    written: the layers the build's own code wrote into (written_layers, found before this runs)."""
    root = layout.slug_dir
    if LAYER_ENV in written:
        say_discarded(written[LAYER_ENV])
    if any(layout.build.rglob("__pycache__")):
        bytecode.rehash_with(layout.runtime_python, layout.build, CHECKED_HASH)
    archive, sha256 = runtime_mark(layout.runtime) or ("", "")
    runtime = {"version": state.python_version, "archive": archive, "sha256": sha256, "stack": state.stack}
    layers.write(root, LAYER_RUNTIME, _kept(ALL, LAYER_RUNTIME, written), {**runtime, "arch": state.arch})
    _environment(layout)
    env_meta = layers.metadata(root, LAYER_ENV) if state.environment == "reuse" else None
    if not env_meta:
        from pybuildpack.environment.metadata import installed  # (packaging's: not for a reuse)

        env_meta = layer_meta(state, installed(layout.env))
    layers.write(root, LAYER_ENV, _kept(ALL, LAYER_ENV, written), env_meta)
    names = _natives(layout)
    if names:
        layers.write(root, LAYER_NATIVES, {"launch", "cache"}, {"libraries": names})
    if (root / LAYER_TOOLS).is_dir():
        layers.write(root, LAYER_TOOLS, {"build", "cache"}, {})
    if (root / LAYER_CACHE).is_dir():
        layers.write(root, LAYER_CACHE, {"cache"}, {})
    launch = {"processes": processes(found), "labels": [{"key": LABEL, "value": label(state)}]}
    (root / "launch.toml").write_text(dumps_tables({k: v for k, v in launch.items() if v}))
