"""Installing the mirror's archives into the slug: the CPython runtime (.heroku/python) and the
native libraries (.heroku/vendor/NAME). One way for both: the archive from the cache if its
checksum verifies, else from the mirror (verified, then cached); unpacked into a staging directory
and moved into place, so that nothing half-unpacked is ever used."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

from pybuildpack import output
from pybuildpack.archives.mirror import SOURCE_SUFFIX, Mirror
from pybuildpack.archives.names import archive_name
from pybuildpack.cache import bytecode, recorded, tree
from pybuildpack.committed import mark_runtime, runtime_mark
from pybuildpack.context import CHECKED_HASH, UNCHECKED_HASH, Layout, Settings
from pybuildpack.errors import BuildError
from pybuildpack.state import LibraryUse

_DAMAGED_FIX = (
    "The cached copy was discarded. Build again to download it afresh; if this\n"
    "persists, rebuild the archive on the mirror."
)


def _cached_ok(path: Path) -> bool:
    """The cached archive exists and is as its record (PATH.sha256) says (recorded.matches)."""
    return recorded.matches(path, path.with_name(path.name + ".sha256"))


def _store(download: Path, cached: Path) -> Path:
    """Keep a verified download in the cache with its record (its verified checksum, size and
    time: recorded.write_record); best effort. Returns the archive to unpack (the cached copy, or
    the download when the cache can't take it)."""
    record = cached.with_name(cached.name + ".sha256")
    tmp = cached.with_name(f"{cached.name}.tmp.{os.getpid()}")
    try:
        digest = download.with_name(download.name + ".sha256").read_text(errors="replace").split()[0]
        cached.parent.mkdir(parents=True, exist_ok=True)
        source = download.with_name(download.name + SOURCE_SUFFIX)
        if source.is_file():
            shutil.copyfile(source, cached.with_name(cached.name + SOURCE_SUFFIX))
        shutil.copyfile(download, tmp)
        os.replace(tmp, cached)
        recorded.write_record(cached, record, digest)  # its size and time too: checked without hashing
        return cached
    except (OSError, IndexError):
        for target in (cached, record, tmp, cached.with_name(cached.name + SOURCE_SUFFIX)):
            target.unlink(missing_ok=True)
        output.warning(
            [
                f"Could not save {download.name} in the build cache (is it full?)",
                "This build is fine; the next one downloads it again.",
            ]
        )
        return download


def _fetch(layout: Layout, mirror: Mirror, name: str, cached: Path | None, what: str) -> Path:
    download = layout.scratch / "downloads" / name
    download.parent.mkdir(parents=True, exist_ok=True)
    mirror.fetch(name, download, what)
    return _store(download, cached) if cached is not None else download


# tar's words when the file system, not the archive, failed it: the machine's I/O error.
_FULL = {"No space left on device": errno.ENOSPC, "Disk quota exceeded": errno.EDQUOT}


def _unpack(archive: Path, staging: Path) -> str | None:
    """Unpack into a fresh staging directory; tar's complaint when it fails. A full file system
    is an OSError (the build's I/O error, the archive kept), with nothing left unpacked."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    result = subprocess.run(
        ["tar", "--zstd", "-xf", str(archive), "-C", str(staging)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        for words, number in _FULL.items():
            if words in result.stderr:
                shutil.rmtree(staging, ignore_errors=True)
                raise OSError(number, words, str(staging.parent))
        return "\n".join(result.stderr.splitlines()[:3]) or f"exit status {result.returncode}"
    return None


def _discard(*paths: Path) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".sha256").unlink(missing_ok=True)
            path.with_name(path.name + SOURCE_SUFFIX).unlink(missing_ok=True)


def _keep_only(directory: Path, names: set[str]) -> None:
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        if (
            path.name not in names
            and path.name.removesuffix(".sha256").removesuffix(SOURCE_SUFFIX) not in names
        ):
            _discard(path)


def _move_into_place(staging: Path, target: Path) -> None:
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)


def _source(archive: Path) -> str:
    """Where the archive was built from, as the mirror's NAME.source says (or "")."""
    try:
        return archive.with_name(archive.name + SOURCE_SUFFIX).read_text(errors="replace").strip()
    except OSError:
        return ""


def _checksum(archive: Path) -> str:
    """The verified sha256 the mirror's download or the cache's record names (or "")."""
    try:
        return archive.with_name(archive.name + ".sha256").read_text(errors="replace").split()[0]
    except (OSError, IndexError):
        return ""


def _ships_hash_based_bytecode(runtime: Path) -> bool:
    """Whether the runtime's standard library comes compiled in a hash-based mode (the os module's
    .pyc says), and is used as it is in every mode: builds/runtimes/build-python.sh's runtimes
    are, and Heroku's since 2022; older ones (timestamp) are rewritten for the CNB mode."""
    for pyc in runtime.glob("lib/python3*/__pycache__/os.*.pyc"):
        if ".opt-" not in pyc.name:
            return bytecode.mode_of_pyc(pyc) in (UNCHECKED_HASH, CHECKED_HASH)
    return False


def install_runtime(layout: Layout, settings: Settings, version: str, stack: str, arch: str) -> None:
    """The runtime into .heroku/python, from the mirror the settings configure (via the cache); with
    layers, into the runtime's layer, which is reused as it is when it holds this archive's."""
    mirror = Mirror.required(settings)
    name = archive_name("python", version, stack, arch)
    target = layout.runtime
    if (
        layout.layers is not None
        and (runtime_mark(target) or ("",))[0] == name
        and os.access(layout.runtime_python, os.X_OK)
    ):
        output.step(f"Installing Python {version} (its layer, reused as it is)")
        return
    staging = layout.slug_dir / ".python-unpacking"
    target.parent.mkdir(parents=True, exist_ok=True)
    runtimes = layout.cached("runtimes")
    trees = layout.cached("runtime-tree")
    archive = runtimes / name if runtimes else None
    kept = tree.Kept.holding_its_manifest(trees / name) if trees else None
    # The unpacked runtime of the last build, reused when it is intact and its archive is too.
    expected = kept.expected() if kept is not None else None
    if archive is not None and kept is not None and expected is not None:
        shutil.rmtree(staging, ignore_errors=True)
        if kept.restore(staging, expected, lambda: _cached_ok(archive)) is None:
            output.step(f"Installing Python {version} (cached runtime, no download)")
            (staging / tree.MANIFEST).unlink(missing_ok=True)
            _move_into_place(staging, target)
            mark_runtime(target, name, _checksum(archive), _source(archive))
            return
    if trees is not None:
        shutil.rmtree(trees, ignore_errors=True)
    if archive is not None and _cached_ok(archive):
        output.step(f"Installing Python {version} (cached runtime, no download)")
        unpack_from = archive
    else:
        if archive is not None and archive.exists():
            output.step(f"Installing Python {version} (discarding the cached runtime: checksum mismatch)")
        else:
            output.step(f"Installing Python {version}")
        if archive is not None:
            _discard(archive)
        output.info(f"Downloading {name}")
        unpack_from = _fetch(layout, mirror, name, archive, f"Python {version} ({name})")
    if runtimes is not None:
        _keep_only(runtimes, {name})
    problem = _unpack(unpack_from, staging)
    if problem is not None:
        _discard(staging, unpack_from)
        raise BuildError(
            f"The Python {version} archive is damaged and could not be unpacked",
            details=[f"Archive: {name}", f"tar: {problem}"],
            fix=_DAMAGED_FIX,
            code="runtime::archive-damaged",
        )
    python = staging / "bin" / "python3"
    works = os.access(python, os.X_OK) and (
        subprocess.run([str(python), "-c", "import sys"], capture_output=True, check=False).returncode == 0
    )
    if not works:
        _discard(staging, unpack_from)
        raise BuildError(
            f"The Python {version} archive holds no working bin/python3",
            details=[f"Archive: {name}"],
            fix=f"The archive is not a runtime built for {stack} {arch}.",
            code="runtime::not-a-runtime",
        )
    if layout.bytecode_mode == UNCHECKED_HASH and not _ships_hash_based_bytecode(staging):
        bytecode.rehash_with(python, staging, UNCHECKED_HASH)  # (the exporter resets every file's time)
    # Keep the unpacked tree for the next build (best effort: the archive is what counts).
    if kept is not None:
        kept.keep_copy_of(staging)
    _move_into_place(staging, target)
    mark_runtime(target, name, _checksum(unpack_from), _source(unpack_from))


def install_libraries(
    layout: Layout, settings: Settings, uses: list[LibraryUse], stack: str, arch: str
) -> dict[str, tuple[str, str]]:
    """Each library (its name and version, and what needs it) into .heroku/vendor/NAME; the cache
    keeps only these archives. Returns {library: (the verified sha256 of its archive, where the
    mirror says it was built from)}."""
    mirror = Mirror.required(settings)
    cache_dir = layout.cached("libraries")
    used: set[str] = set()
    checksums: dict[str, tuple[str, str]] = {}
    for library in uses:
        name = archive_name(library.name, library.version, stack, arch)
        used.add(name)
        what = f"{library.name} {library.version} (needed by {library.needed_by})"
        cached = cache_dir / name if cache_dir else None
        if cached is not None and _cached_ok(cached):
            output.info(f"{library.name} {library.version}: cached archive, no download")
            archive = cached
        else:
            if cached is not None:
                _discard(cached)
            output.info(f"{library.name} {library.version}: downloading {name}")
            archive = _fetch(layout, mirror, name, cached, what)
        staging = layout.natives / f".{library.name}-unpacking"
        if _unpack(archive, staging) is not None or not (staging / "lib").is_dir():
            _discard(staging, archive)
            raise BuildError(
                f"The {what} archive is damaged and could not be unpacked",
                details=[f"Archive: {name}"],
                fix=_DAMAGED_FIX,
                code="natives::archive-damaged",
            )
        checksums[library.name] = _checksum(archive), _source(archive)
        _move_into_place(staging, layout.natives / library.name)
    if cache_dir is not None:
        _keep_only(cache_dir, used)
    if layout.layers is not None:  # (the layer was restored with what the last build used)
        _keep_only(layout.natives, {library.name for library in uses})
    return checksums
