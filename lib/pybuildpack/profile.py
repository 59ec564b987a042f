"""What the build hands on (the classic contract): .profile.d/python.sh, which the dyno sources at
start, wherever the slug is unpacked (SLUG_HOME on Heroku), `export` in the buildpack's
directory, which later buildpacks of the same build source (so with the build directory's paths),
and the environment's pyvenv.cfg as the slug keeps it (hand_on_environment).
Written by finish after a successful build. The slug's paths come from Layout; the native
libraries' variables from the registry (natives/registry.py: run_variables for the dyno,
build_variables for later buildpacks), for the libraries unpacked in the slug."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from pybuildpack import output
from pybuildpack.context import SLUG_HOME, Layout
from pybuildpack.environment.relocate import leave_for_the_slug
from pybuildpack.natives.detect import unpacked
from pybuildpack.natives.registry import Library, build_variables, run_variables, separator

# What a dyno (or a CNB image's process) runs with unless the app's config says otherwise:
# unbuffered output, a UTF-8 locale, and gunicorn trusting the router's X-Forwarded-* headers and
# logging requests. (launch.py writes the same as env.launch/ files.)
RUN_DEFAULTS = {
    "PYTHONUNBUFFERED": "true",
    "LANG": "C.UTF-8",
    "FORWARDED_ALLOW_IPS": "*",
    "GUNICORN_CMD_ARGS": "--access-logfile -",
}
# What a dyno's config must not set: another Python's files, with which the runtime won't start.
RUN_UNSET = ("PYTHONHOME", "PYTHONPLATLIBDIR")

# The app's directory in .profile.d/python.sh: found from the script's own location.
_APP = "${_pybp_app}"
# Where a library's prefix goes in a value before it is quoted (no registry value holds it).
_PREFIX = "\0prefix\0"

PROFILE = """\
# Written by the Python buildpack.
if [ -n "${{BASH_SOURCE:-}}" ]; then
	_pybp_app="$(cd "$(dirname "${{BASH_SOURCE[0]}}")/{up}" && pwd)"
else
	_pybp_app="${{HOME:-{home}}}"
fi
export PATH="{env_bin}:{runtime_bin}:${{PATH}}"
{defaults}{libraries}unset PYTHONHOME PYTHONPLATLIBDIR _pybp_app
"""


def _in_quotes(text: str) -> str:
    """text as the inside of a double-quoted shell word (nothing in it expands)."""
    return "".join("\\" + c if c in '"\\$`' else c for c in text)


def _at_app(layout: Layout, path: Path) -> str:
    """A path of the slug's, inside double quotes, relative to the app's directory at run time."""
    return f"{_APP}/{_in_quotes(str(path.relative_to(layout.build)))}"


def _prepended(key: str, joined_by: str | None) -> str:
    """The shell text that keeps a list variable's items after a new one ("" for one value)."""
    return f"${{{key}:+{joined_by}${{{key}}}}}" if joined_by else ""


def profile_text(layout: Layout, libraries: list[Library]) -> str:
    """.profile.d/python.sh. It names no build directory, so that two builds' slugs are the same
    (README, "Reproducible builds"). PYTHONHOME is never set: the runtime finds its own files
    from where its interpreter is, and the environment's python (a relative link to it, its
    pyvenv.cfg without `home`: relocate.leave_for_the_slug) wherever the slug is. A PYTHONHOME
    or PYTHONPLATLIBDIR of the dyno's (a config var) is never kept: it names another Python's
    files, and the runtime would not start. PYTHONPATH is the app's, and kept."""
    lines = []
    for library in libraries:
        prefix = _at_app(layout, layout.natives / library.name)
        for key, value in run_variables(library, _PREFIX):
            shown = _in_quotes(value).replace(_PREFIX, prefix)
            lines.append(f'export {key}="{shown}{_prepended(key, separator(key))}"\n')
    defaults = "".join(f'export {key}="${{{key}:-{_in_quotes(v)}}}"\n' for key, v in RUN_DEFAULTS.items())
    return PROFILE.format(
        defaults=defaults,
        up=os.path.relpath(layout.build, layout.profile_d),
        home=SLUG_HOME,
        env_bin=_at_app(layout, layout.env / "bin"),
        runtime_bin=_at_app(layout, layout.runtime / "bin"),
        libraries="".join(lines),
    )


def export_text(layout: Layout, libraries: list[Library]) -> str:
    """`export`: the build directory's Python first on PATH, its environment, and what a build
    against the native libraries needs (as the app's dependencies were built)."""
    path = f"{layout.env / 'bin'}:{layout.runtime / 'bin'}"
    lines = [
        f'export PATH={shlex.quote(path)}:"$PATH"',
        f"export VIRTUAL_ENV={shlex.quote(str(layout.env))}",
        f"export PYTHONUNBUFFERED={shlex.quote(os.environ.get('PYTHONUNBUFFERED') or 'true')}",
        f"export LANG={shlex.quote(os.environ.get('LANG') or 'C.UTF-8')}",
    ]
    for library in libraries:
        for key, value in build_variables(library, str(layout.natives / library.name)):
            joined_by = separator(key)
            kept = f'"${{{key}:+{joined_by}${key}}}"' if joined_by else ""
            lines.append(f"export {key}={shlex.quote(value)}{kept}")
    return "".join(line + "\n" for line in lines)


def record_app_subdir(layout: Layout) -> None:
    """Where the app is in the slug (BUILDPACK_APP_SUBDIR), for bin/release; no record for an app
    at the slug's root."""
    record = layout.app_subdir_record
    subdir = Path(os.path.relpath(layout.app, layout.build)).as_posix()
    if subdir == ".":
        record.unlink(missing_ok=True)
    else:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(subdir + "\n")


def hand_on(layout: Layout) -> None:
    """Write .profile.d (python.sh, and the scripts of lib/profile.d as they are), `export`, and
    where the app is in the slug. An `export` that can't be written is a warning: the slug is
    whole without it."""
    libraries = unpacked(layout)
    record_app_subdir(layout)
    layout.profile_d.mkdir(parents=True, exist_ok=True)
    (layout.profile_d / "python.sh").write_text(profile_text(layout, libraries))
    for script in sorted((layout.buildpack / "lib" / "profile.d").glob("*.sh")):
        shutil.copy(script, layout.profile_d / script.name)
    try:
        layout.export_file.write_text(export_text(layout, libraries))
    except OSError:
        output.warning([f"Could not write {layout.export_file}; later buildpacks won't see Python"])


def hand_on_environment(layout: Layout) -> None:
    """The environment's pyvenv.cfg as the slug keeps it: no `home`, the runtime named at SLUG_HOME
    (relocate.leave_for_the_slug), so that it names no build directory and starts wherever the slug
    is. Once the build's own uses are over (collectstatic and the hooks have run)."""
    leave_for_the_slug(layout.env, layout.runtime, Path(SLUG_HOME, layout.shown(layout.runtime)))
