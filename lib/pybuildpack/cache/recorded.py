"""A file the cache keeps beside a record of it: `SHA256 SIZE MTIME_NS` (or a mirror's `.sha256`:
`SHA256  NAME`). The cache hands what it keeps to later builds as code (a runtime, a library, a
tool), and whatever a build runs (a hook, a package's build script) can write CACHE_DIR: so a
kept file is checked by its content, always, never taken by its size and time (a file rewritten
with both put back is not the file that was recorded)."""

from __future__ import annotations

from pathlib import Path

from pybuildpack.files import replace_file, sha256_of


def write_record(path: Path, record: Path, digest: str) -> None:
    """record says path, whose checksum is digest (checked by the caller), is as it is now."""
    info = path.stat()
    replace_file(record, f"{digest} {info.st_size} {info.st_mtime_ns}\n")


def matches(path: Path, record: Path) -> bool:
    """path's content is the one record names (its sha256); a resized file is not hashed."""
    try:
        words = record.read_text(errors="replace").split()
        if not words or not path.is_file():
            return False
        if len(words) == 3 and words[1] != str(path.stat().st_size):
            return False
        return words[0].lower() == sha256_of(path)
    except OSError:
        return False
