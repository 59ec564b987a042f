"""What an app must not bring along: a Python runtime where the buildpack installs its own
(.heroku/python) and a virtual environment (a top-level directory with a pyvenv.cfg: .venv/,
venv/). Both name paths and hold binaries of the machine they were made on. Checked before the
build writes anything, after bin/pre_compile (which may have made them)."""

from __future__ import annotations

import os
from pathlib import Path

from pybuildpack.errors import BuildError

# Written into .heroku/python when the buildpack puts a runtime there: a build in the same
# directory again (a second bin/compile on a working copy) finds its own runtime, not the app's.
RUNTIME_MARK = ".pybuildpack-runtime"
_SHOWN = 8  # entries of the directory shown in the error


def mark_runtime(runtime: Path, archive: str, sha256: str = "", source: str = "") -> None:
    """archive: the name of the archive the runtime was unpacked from (and its checksum, and what
    the mirror says it was built from)."""
    lines = [archive, sha256, source]
    while not lines[-1]:
        lines.pop()
    (runtime / RUNTIME_MARK).write_text("".join(f"{line}\n" for line in lines))


def runtime_mark(runtime: Path) -> tuple[str, str] | None:
    """(archive, sha256 or "") that mark_runtime wrote into runtime; None when it has no mark."""
    try:
        lines = (runtime / RUNTIME_MARK).read_text(errors="replace").splitlines()
    except OSError:
        return None
    return (lines[0], lines[1] if len(lines) > 1 else "") if lines else None


def runtime_source(runtime: Path) -> str:
    """What the runtime's archive was built from, as mark_runtime recorded it (or "")."""
    try:
        lines = (runtime / RUNTIME_MARK).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return lines[2] if len(lines) > 2 else ""


def _contents(directory: Path, root: Path) -> list[str]:
    """Up to _SHOWN entries of directory, two levels deep, relative to root (as `find -maxdepth 2`)."""
    found: list[str] = []
    try:
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            found.append(os.path.relpath(entry.path, root))
            if entry.is_dir(follow_symlinks=False):
                inside = sorted(os.scandir(entry.path), key=lambda e: e.name)
                found += [os.path.relpath(e.path, root) for e in inside]
            if len(found) > _SHOWN:
                break
    except OSError:
        pass
    return [f"  {line}" for line in found[:_SHOWN]] + (["  ..."] if len(found) > _SHOWN else [])


def _refuse_runtime(build: Path) -> None:
    runtime = build / ".heroku" / "python"
    if not (runtime.exists() or runtime.is_symlink()) or (runtime / RUNTIME_MARK).is_file():
        return
    raise BuildError(
        "The app has a .heroku/python/ of its own, where the buildpack installs Python",
        where=".heroku/python/",
        details=["It holds:", *(_contents(runtime, build) or ["  (nothing, or it is not a directory)"])],
        fix=(
            "If it is committed to the app's repository, remove it and keep it out:\n"
            "  git rm -r --cached .heroku/python && echo '.heroku/' >> .gitignore\n"
            "  git add .gitignore && git commit -m 'Remove .heroku/python'\n"
            "If bin/pre_compile or an earlier buildpack makes it, make it elsewhere\n"
            "(or remove the duplicate Python buildpack)."
        ),
        code="app::committed-runtime",
    )


def _refuse_virtualenvs(top: Path, build: Path) -> None:
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name == ".heroku" or not entry.is_dir(follow_symlinks=False):
            continue
        if not os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
            continue
        name = os.path.relpath(entry.path, build)
        raise BuildError(
            f"The app has a virtual environment, {name}/, in its files",
            where=f"{name}/pyvenv.cfg",
            details=[
                "It holds:",
                *_contents(Path(entry.path), build),
                "A virtual environment works only on the machine it was made on; the build makes",
                "the app's own (.heroku/venv), and this one would only bloat the slug.",
            ],
            fix=(
                "Remove it from the app's repository and keep it out:\n"
                f"  git rm -r --cached {name}\n"
                f"  echo '{name}/' >> .gitignore\n"
                f"  git add .gitignore && git commit -m 'Stop committing {name}'\n"
                "If bin/pre_compile or an earlier buildpack makes it, make it elsewhere."
            ),
            code="app::committed-virtualenv",
        )


def refuse_committed_environments(build: Path, app: Path) -> None:
    """A BuildError for a .heroku/python the buildpack did not put there, or a virtual environment
    at the top of the app (or of the build directory, for an app in a subdirectory)."""
    _refuse_runtime(build)
    for top in dict.fromkeys((app, build)):
        _refuse_virtualenvs(top, build)
