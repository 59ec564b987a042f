from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pybuildpack import recorded


def test_a_file_with_its_recorded_size_and_time_is_not_hashed_again(tmp_path: Path) -> None:
    path, record = tmp_path / "archive", tmp_path / "archive.sha256"
    path.write_bytes(b"the archive")
    recorded.write_record(path, record, "0" * 64)  # a checksum that is not the file's
    assert recorded.matches(path, record)  # taken by its size and time


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
