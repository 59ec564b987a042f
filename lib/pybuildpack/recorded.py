"""A file the cache keeps beside a record of it: `SHA256 SIZE MTIME_NS`, its checksum and its
size and modification time when it was checked. A file that still has that size and time is
taken as checked (as the cache's trees are: a truncated or rewritten file differs); otherwise, or
when the record has only the checksum (a mirror's `.sha256`: `SHA256  NAME`), it is hashed."""

from __future__ import annotations

from pathlib import Path

from pybuildpack.archives.mirror import sha256_of
from pybuildpack.files import replace_file


def write_record(path: Path, record: Path, digest: str) -> None:
    """record says path, whose checksum is digest (checked by the caller), is as it is now."""
    info = path.stat()
    replace_file(record, f"{digest} {info.st_size} {info.st_mtime_ns}\n")


def matches(path: Path, record: Path) -> bool:
    """path is the file record describes (by its size and time, else by its checksum)."""
    try:
        words = record.read_text(errors="replace").split()
        info = path.stat()
        if len(words) == 3 and words[1:] == [str(info.st_size), str(info.st_mtime_ns)]:
            return True
        return path.is_file() and bool(words) and words[0].lower() == sha256_of(path)
    except OSError:
        return False
