from __future__ import annotations

import os
import zipfile
from pathlib import Path

from pybuildpack.tools import fetch


def unpacked(tmp_path: Path) -> Path:
    wheel = tmp_path / "tool-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tool-1.0.data/scripts/tool", b"#!/bin/sh\necho tool\n" * 100)
    program = tmp_path / "tools" / "tool-1.0" / "tool"
    fetch._unpack(wheel, "tool-1.0.data/scripts/tool", program)
    return program


def test_a_program_replaced_with_its_size_and_time_put_back_is_not_verified(tmp_path: Path) -> None:
    """The cached uv is checked by its content: a script of the same size, with the recorded
    modification time, written over it by a build's own code is never run as uv."""
    program = unpacked(tmp_path)
    assert fetch._verified(program)
    info = program.stat()
    script = b"#!/bin/sh\necho planted\n"
    with program.open("r+b") as handle:
        handle.write(script + b"#" * (info.st_size - len(script)))
    os.utime(program, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert program.stat().st_size == info.st_size
    assert not fetch._verified(program)


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
