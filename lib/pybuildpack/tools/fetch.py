"""Fetching a pinned tool's wheel (the mirror's tools/ first, else pip's index), verifying it
against the pin, and unpacking its program into CACHE_DIR/python/package-managers/KEY/ (or the build's scratch
directory without a cache). A cached tool is checked against the record made when it was
unpacked (recorded.matches) before it is used; a damaged one is fetched again."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

from pybuildpack import output
from pybuildpack.archives.mirror import Mirror
from pybuildpack.cache import recorded
from pybuildpack.context import Layout
from pybuildpack.errors import BuildError
from pybuildpack.files import sha256_of
from pybuildpack.index import client
from pybuildpack.redact import redact
from pybuildpack.tools.pins import ToolWheel

_SUM = "program.sha256"


def tools_dir(layout: Layout) -> Path:
    return layout.cached("package-managers") or layout.scratch / "tools"


def _verified(program: Path) -> bool:
    """The program is as it was unpacked (recorded.matches)."""
    return recorded.matches(program, program.parent / _SUM)


def _download(
    wheel: ToolWheel, dest: Path, index_url: str | None, mirror: Mirror | None, needed_by: str | None
) -> Path:
    """The wheel, from the mirror's tools/ when it has it, else from the index; verified. needed_by:
    what needs the tool, for the error (None: the install, which pip can take over)."""
    target = dest / wheel.file
    listed = mirror.index() if mirror is not None else None
    tried: list[str] = []
    if mirror is not None and listed is not None and f"tools/{wheel.file}" in listed.split():
        mirror.fetch(f"tools/{wheel.file}", target, f"{wheel.tool} {wheel.version}")
        tried.append(redact(f"{mirror.url}/tools/{wheel.file}"))
    elif index_url:
        try:
            files = {f.filename: f for f in client.project_files(index_url, wheel.tool)}
            if wheel.file in files:
                client.download(files[wheel.file].url, dest)
        except OSError as exc:
            tried.append(f"{redact(index_url)}: {redact(str(exc))}")
        tried.append(redact(index_url))
    if not target.is_file():
        raise BuildError(
            f"Could not download {wheel.tool} {wheel.version}"
            + (f", which {needed_by} needs" if needed_by else ""),
            details=[f"Looked for {wheel.file} at: {', '.join(tried) or 'no mirror or index'}"],
            fix=(
                f"Check that the package index is reachable from the build, or add\n"
                f"tools/{wheel.file} (and its .sha256) to the mirror ('make mirror')."
            ),
            code="tools::unavailable",
        )
    actual = sha256_of(target)
    if actual != wheel.sha256:
        target.unlink(missing_ok=True)
        raise BuildError(
            f"Checksum mismatch for {wheel.tool} {wheel.version}: the download is not the pinned wheel",
            details=[f"Expected sha256 {wheel.sha256}", f"Got      sha256 {actual}"],
            fix="Nothing of it was used or kept. Check the index or mirror it came from.",
            code="tools::checksum-mismatch",
        )
    return target


def _unpack(archive: Path, member: str, program: Path) -> None:
    import zipfile  # (with a download only: a warm build's core start does without it)

    staging = program.parent.with_name(f"{program.parent.name}.tmp.{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with zipfile.ZipFile(archive) as wheel, wheel.open(member) as source:
            data = source.read()
        target = staging / program.name
        target.write_bytes(data)
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        recorded.write_record(target, staging / _SUM, hashlib.sha256(data).hexdigest())
        shutil.rmtree(program.parent, ignore_errors=True)
        os.replace(staging, program.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def provide(
    layout: Layout,
    wheel: ToolWheel,
    member: str,
    index_url: str | None,
    mirror: Mirror | None,
    needed_by: str | None = None,
) -> Path:
    """The tool's program (MEMBER of its wheel), ready to run; fetched only when not cached.
    needed_by: what needs it, named when it can't be had (e.g. "the app's lock file")."""
    home = tools_dir(layout)
    program = home / wheel.key / Path(member).name
    if _verified(program):
        os.utime(program.parent)  # in use: the cache keeps it
        return program
    import zipfile

    output.info(f"Fetching {wheel.tool} {wheel.version}")
    downloads = layout.scratch / "tool-downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    archive = _download(wheel, downloads, index_url, mirror, needed_by)
    try:
        home.mkdir(parents=True, exist_ok=True)
        _unpack(archive, member, program)
    except OSError:
        program = layout.scratch / "tools" / wheel.key / Path(member).name
        _unpack(archive, member, program)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise BuildError(
            f"The {wheel.tool} wheel has no {member}",
            details=[str(exc)],
            code="tools::checksum-mismatch",
        ) from exc
    finally:
        archive.unlink(missing_ok=True)
    for other in home.iterdir() if home.is_dir() else ():
        if other.name.startswith(f"{wheel.tool}-") and other.name != wheel.key:
            shutil.rmtree(other, ignore_errors=True)  # an older pin: never used again
    return program
