from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pybuildpack.cache import recorded


def test_a_file_rewritten_with_its_recorded_size_and_time_put_back_is_refused(tmp_path: Path) -> None:
    """What the cache hands to later builds as code is checked by its content, never taken by its
    size and time (a build's own code can write CACHE_DIR)."""
    path, record = tmp_path / "uv", tmp_path / "program.sha256"
    path.write_bytes(b"the real program")
    recorded.write_record(path, record, hashlib.sha256(b"the real program").hexdigest())
    assert recorded.matches(path, record)
    info = path.stat()
    with path.open("r+b") as handle:  # in place, the same size, the time put back
        handle.write(b"#!/bin/sh\necho p")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert not recorded.matches(path, record)


def test_a_file_changed_in_place_is_hashed_and_must_match(tmp_path: Path) -> None:
    path, record = tmp_path / "archive", tmp_path / "archive.sha256"
    path.write_bytes(b"the archive")
    recorded.write_record(path, record, hashlib.sha256(b"the archive").hexdigest())
    os.utime(path, ns=(1, 1))  # the same content, touched: hashed, and it matches
    assert recorded.matches(path, record)
    path.write_bytes(b"the archivX")  # rewritten, the same size
    os.utime(path, ns=(1, 1))
    assert not recorded.matches(path, record)
    path.write_bytes(b"the arch")  # truncated
    assert not recorded.matches(path, record)


def test_a_mirror_record_holds_only_the_checksum(tmp_path: Path) -> None:
    path, record = tmp_path / "archive", tmp_path / "archive.sha256"
    path.write_bytes(b"the archive")
    record.write_text(f"{hashlib.sha256(b'the archive').hexdigest()}  archive\n")
    assert recorded.matches(path, record)
    record.write_text(f"{'1' * 64}  archive\n")
    assert not recorded.matches(path, record)
    assert not recorded.matches(tmp_path / "missing", record)
    assert not recorded.matches(path, tmp_path / "no-record")
