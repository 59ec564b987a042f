"""Making an environment independent of the directory it was built in.

A slug is built in one directory and run from another (/app on Heroku). Three things in a virtual
environment name absolute paths: the interpreter symlinks, pyvenv.cfg's `home`, and the shebangs of
console scripts. The symlinks are made relative, the scripts get a shebang that finds the
environment's python next to themselves (and their RECORD rows the new content's hash), and `home`
is pointed at the runtime wherever it is now.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import re
import shlex
from pathlib import Path

from pybuildpack.files import replace_file

PORTABLE_HEADER = (
    '#!/bin/sh\n\'\'\'exec\' "$(dirname -- "$(realpath -- "$0")")/python" "$0" "$@"\n\' \'\'\'\n'
)
# The launchers the engines write, for a console script and for a wheel's `#!python` script:
# - a shebang, `#!/path/to/python`, where the line fits in 127 bytes and the path has no space
#   (pip's distlib, uv); pip writes it for a `#!python` script whatever the path; uv keeps what
#   followed `#!python` (` -E`), which the kernel hands python as one argument;
# - else a /bin/sh launcher, `#!/bin/sh` + `'''exec' PYTHON "$0" "$@"` + `' '''`, with PYTHON as
#   pip's distlib writes it (bare, or in double quotes when it holds a space; its options, as
#   shell words, after it) or as uv does (in single quotes, a quote in it written '\'').
_SH_PYTHON = rb"""(?:"[^"\n]*"|'(?:[^'\n]|'\\'')*'|[^\s'"]+)"""
_SH_LAUNCHER_RE = re.compile(
    rb"\A#!/bin/sh\n'''exec' " + _SH_PYTHON + rb"""(?P<words>[^\n"']*?) "\$0" "\$@"\n' '''\n"""
)
_SHEBANG_RE = re.compile(rb"\A#![^\n]*/python[0-9.]*(?P<argument>[ \t]+-[^\n]*?)?[ \t]*\n")


def _portable_header(head: bytes) -> tuple[int, bytes] | None:
    """(the length of the launcher header, its portable replacement) if the file is a Python
    script an engine wrote a launcher for; None otherwise (and for one already portable)."""
    if head.startswith(PORTABLE_HEADER.encode()):
        return None
    launcher = _SH_LAUNCHER_RE.match(head)
    if launcher:
        words = launcher["words"].strip()
    else:
        launcher = _SHEBANG_RE.match(head)
        if not launcher:
            return None
        argument = (launcher["argument"] or b"").strip()
        words = shlex.quote(argument.decode("utf-8", "replace")).encode() if argument else b""
    header = PORTABLE_HEADER.encode()
    if words:
        header = header.replace(b'/python" "$0"', b'/python" ' + words + b' "$0"', 1)
    return launcher.end(), header


def make_scripts_portable(bin_dir: Path) -> int:
    """Give every Python script in bin_dir a shebang that does not name a directory, and its row
    in its distribution's RECORD the new content's hash and size (the engine recorded the
    launcher it wrote, which named the build directory: the slug would differ with it)."""
    changed: dict[Path, bytes] = {}
    for path in sorted(bin_dir.iterdir()):
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        found = _portable_header(data[:4096])
        if found is None:
            continue
        length, header = found
        changed[path] = header + data[length:]
        replace_file(path, changed[path], path.stat().st_mode)
    if changed:
        _record_rewritten(bin_dir.parent, changed)
    return len(changed)


def _record_rewritten(env: Path, changed: dict[Path, bytes]) -> None:
    """The RECORD rows of the rewritten files (changed: path -> content) with their content's
    sha256 and size, as a wheel installer writes them; every other line as it was."""
    for site in _site_packages(env):
        for record in sorted(site.glob("*.dist-info/RECORD")):
            lines = record.read_bytes().decode(errors="replace").splitlines(keepends=True)
            edited = False
            for number, line in enumerate(lines):
                row = next(csv.reader([line]), [])
                data = changed.get(Path(os.path.normpath(site / row[0]))) if len(row) == 3 else None
                if data is not None:
                    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    lines[number] = f"{row[0]},sha256={digest},{len(data)}" + line[len(line.rstrip("\r\n")) :]
                    edited = True
            if edited:
                replace_file(record, "".join(lines))


def make_symlinks_relative(bin_dir: Path) -> None:
    for path in bin_dir.iterdir():
        if path.is_symlink():
            target = os.readlink(path)
            if os.path.isabs(target):
                relative = os.path.relpath(target, bin_dir)
                path.unlink()
                path.symlink_to(relative)


def point_at_runtime(env: Path, runtime: Path) -> None:
    """Rewrite pyvenv.cfg so that the environment's base interpreter is `runtime`: every path it
    names in the directory that held the runtime it was made on (the slug's .heroku/: `home`,
    `base-prefix`, and `command`'s environment too) is named in runtime's."""
    cfg = env / "pyvenv.cfg"
    lines = cfg.read_text().splitlines()
    old_home = ""
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() == "home":
            old_home = value.strip()
    out = []
    for line in lines:
        key, sep, value = line.partition("=")
        value = value.strip()
        if sep and old_home:
            # the runtime's directory, then the one that held it, where a path begins
            moved = value
            for old, new in (
                (Path(old_home).parent, runtime),
                (Path(old_home).parent.parent, runtime.parent),
            ):
                if str(old) != "/":
                    pattern = rf"(?:^|(?<= )){re.escape(str(old))}(?=/|$| )"
                    moved = re.sub(pattern, str(new).replace("\\", "\\\\"), moved)
            if moved != value:
                line = f"{key.strip()} = {moved}"
        out.append(line)
    replace_file(cfg, "\n".join(out) + "\n")


# site-packages -> pythonX.Y -> lib -> venv -> .heroku -> the app
_APP_FROM_SITE = "../../../../.."
_APP_DIR_LINE = (
    "_BUILDPACK_APP_DIR = __import__('os').path.realpath(__import__('os').path.join("
    f"__import__('os').path.dirname(__file__), {_APP_FROM_SITE!r}))\n"
)


def _site_packages(env: Path) -> list[Path]:
    return sorted(env.glob("lib/python*/site-packages"))


def make_editables_portable(env: Path, app: Path) -> int:
    """Editable installs name their source directories: make those names relative to the app.

    setuptools' import finders (__editable___*_finder.py) get paths computed from their own
    location; .pth files get paths relative to site-packages (which site.py allows)."""
    changed = 0
    prefix = str(app)
    for site in _site_packages(env):
        for finder in site.glob("__editable___*_finder.py"):
            text = finder.read_text()
            pattern = re.compile(r"'(" + re.escape(prefix) + r")(/[^'\n]*)?'")
            if not pattern.search(text):
                continue
            new = pattern.sub(lambda m: f"(_BUILDPACK_APP_DIR + {(m.group(2) or '')!r})", text)
            if "_BUILDPACK_APP_DIR = " not in new:
                new = new.replace("\nMAPPING", "\n" + _APP_DIR_LINE + "MAPPING", 1)
            replace_file(finder, new)
            changed += 1
        for pth in site.glob("*.pth"):
            lines = pth.read_text().splitlines()
            out = []
            for line in lines:
                stripped = line.strip()
                if stripped.startswith(prefix + "/") or stripped == prefix:
                    line = os.path.relpath(stripped, site)
                out.append(line)
            if out != lines:
                replace_file(pth, "\n".join(out) + "\n")
                changed += 1
    return changed


def relocate(env: Path, runtime: Path) -> None:
    """Make `env` work in place with `runtime`, and keep working after both are moved together
    (with the app: the environment lives in APP/.heroku/venv)."""
    make_symlinks_relative(env / "bin")
    point_at_runtime(env, runtime)
    make_scripts_portable(env / "bin")
    make_editables_portable(env, env.parent.parent)
