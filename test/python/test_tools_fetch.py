from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from pybuildpack.tools import fetch


def unpacked(tmp_path: Path) -> Path:
    wheel = tmp_path / "tool-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tool-1.0.data/scripts/tool", b"#!/bin/sh\necho tool\n" * 100)
    program = tmp_path / "tools" / "tool-1.0" / "tool"
    fetch._unpack(wheel, "tool-1.0.data/scripts/tool", program)
    return program


def test_an_untouched_program_is_checked_by_its_size_and_time_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = unpacked(tmp_path)

    def unexpected(path: Path) -> str:
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(fetch, "sha256_of", unexpected)
    assert fetch._verified(program)


def test_a_truncated_or_rewritten_program_is_not_verified(tmp_path: Path) -> None:
    program = unpacked(tmp_path)
    with program.open("r+b") as handle:
        handle.truncate(10)
    assert not fetch._verified(program)
    program = unpacked(tmp_path)
    data, before = program.read_bytes(), program.stat().st_mtime_ns
    program.write_bytes(data.replace(b"tool", b"loot"))  # same size, rewritten (later)
    os.utime(program, ns=(before + 10**9, before + 10**9))
    assert not fetch._verified(program)


def test_a_record_without_the_size_and_time_falls_back_to_the_checksum(tmp_path: Path) -> None:
    program = unpacked(tmp_path)
    record = program.parent / "program.sha256"
    record.write_text(record.read_text().split()[0] + "\n")  # written by an older buildpack
    assert fetch._verified(program)
    os.utime(program, ns=(0, 0))
    assert fetch._verified(program)
    program.write_bytes(b"damaged")
    assert not fetch._verified(program)
