"""Making an environment independent of the directory it was built in.

A slug is built in one directory and run from another (/app on Heroku). Three things in a virtual
environment name absolute paths: the interpreter symlinks, pyvenv.cfg's `home`, and the shebangs of
console scripts. The symlinks are made relative, the scripts get a shebang that finds the
environment's python next to themselves (and their RECORD rows the new content's hash), and `home`
is pointed at the runtime wherever it is now; once the build is done with it, a classic slug's
pyvenv.cfg is left without `home` (leave_for_the_slug), naming no build directory.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import re
import shlex
from pathlib import Path

from pybuildpack.files import replace_file
from pybuildpack.reproducible import FIXED_TIME, run_url

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


def make_local_installs_portable(env: Path, runs_from: tuple[str, str] | None) -> int:
    """A local path requirement (./pkg, -e .) installed from the build directory: its
    direct_url.json (PEP 610: where it was installed from) names it where the slug runs it
    (reproducible.run_url: file:///app/pkg, which is where its source is then), and uv's
    uv_cache.json (uv's record of the source tree's modification time, from the checkout, by
    which a later uv decides to build it again) records reproducible.FIXED_TIME; their RECORD
    rows get the new content's hash and size. The count of files rewritten."""
    changed: dict[Path, bytes] = {}
    for site in _site_packages(env):
        for direct in sorted(site.glob("*.dist-info/direct_url.json")):
            try:
                data = json.loads(direct.read_text())
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict) or not str(data.get("url", "")).startswith("file:"):
                continue
            url = run_url(str(data["url"]), runs_from)
            if url != data["url"]:
                data["url"] = url
                changed[direct] = json.dumps(data, separators=(",", ":")).encode()
            cache = direct.with_name("uv_cache.json")
            try:
                info = json.loads(cache.read_text()) if cache.is_file() else None
            except (OSError, ValueError):
                info = None
            if isinstance(info, dict) and isinstance(info.get("timestamp"), dict):
                fixed = {**info, "timestamp": {"secs_since_epoch": FIXED_TIME, "nanos_since_epoch": 0}}
                if fixed != info:
                    changed[cache] = json.dumps(fixed, separators=(",", ":")).encode()
    for path, data in changed.items():
        replace_file(path, data)
    if changed:
        _record_rewritten(env, changed)
    return len(changed)


def make_symlinks_relative(bin_dir: Path) -> None:
    for path in bin_dir.iterdir():
        if path.is_symlink():
            target = os.readlink(path)
            if os.path.isabs(target):
                relative = os.path.relpath(target, bin_dir)
                path.unlink()
                path.symlink_to(relative)


def _config_lines(env: Path) -> tuple[list[str], Path | None]:
    """pyvenv.cfg's lines, and the runtime it names: `home`'s parent (the runtime's bin/), else
    `base-prefix` (a slug's, which has no `home`: leave_for_the_slug)."""
    lines = (env / "pyvenv.cfg").read_text().splitlines()
    found: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.partition("=")
        if sep:
            found.setdefault(key.strip(), value.strip())
    if found.get("home"):
        return lines, Path(found["home"]).parent
    return lines, Path(found["base-prefix"]) if found.get("base-prefix") else None


def _moved(lines: list[str], old: Path | None, runtime: Path) -> list[str]:
    """lines with every path of old (a runtime) and of the directory that held it (the slug's
    .heroku/: the environment's own, in `command`) named in runtime's, where a path begins."""
    if old is None:
        return lines
    out = []
    for line in lines:
        key, sep, value = line.partition("=")
        value = value.strip()
        moved = value
        for before, after in ((old, runtime), (old.parent, runtime.parent)):
            if sep and str(before) != "/":
                pattern = rf"(?:^|(?<= )){re.escape(str(before))}(?=/|$| )"
                moved = re.sub(pattern, str(after).replace("\\", "\\\\"), moved)
        out.append(f"{key.strip()} = {moved}" if moved != value else line)
    return out


def point_at_runtime(env: Path, runtime: Path) -> None:
    """Rewrite pyvenv.cfg so that the environment's base interpreter is `runtime`: `home` names
    its bin/ (added when the file has none: a slug's), and every path the file names in the
    directory that held the runtime it was made on (the slug's .heroku/: `base-prefix`, and
    `command`'s environment too) is named in runtime's."""
    lines, old = _config_lines(env)
    lines = _moved(lines, old, runtime)
    if not any(line.partition("=")[0].strip() == "home" for line in lines):
        lines.insert(0, f"home = {runtime / 'bin'}")
    replace_file(env / "pyvenv.cfg", "\n".join(lines) + "\n")


def leave_for_the_slug(env: Path, runtime: Path, runs_at: Path) -> None:
    """pyvenv.cfg as a classic slug keeps it, the same wherever it was built (README,
    "Reproducible builds"): without `home`, so that Python finds the runtime through the
    environment's bin/python (a relative link to it) wherever the slug is, at run time, in a later
    buildpack through `export`, in Heroku CI (getpath takes a venv's `home` only as an absolute
    path, and without it computes the prefix from the link's target; site.py makes the directory
    the environment all the same, as it does for any pyvenv.cfg beside bin/); the runtime's other
    paths (`base-prefix`, `command`, ...) named where the slug runs it (runs_at). Written once the
    build's last use of the environment is over: the engines, collectstatic and the hooks start it
    with `home` (point_at_runtime), as any virtual environment has it."""
    lines, old = _config_lines(env)
    kept = [line for line in _moved(lines, old, runs_at) if line.partition("=")[0].strip() != "home"]
    replace_file(env / "pyvenv.cfg", "\n".join(kept) + "\n")


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
