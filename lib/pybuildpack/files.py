"""Replacing a file whole: the new content goes to a file of its own, renamed over the old one.
A reader never sees half a file, and a file whose inode the cache shares with a slug (hard links)
is never edited in place. And a file's sha256, the one way the build checks a file by content."""

from __future__ import annotations

import hashlib
import mmap
import os
import threading
from pathlib import Path

_MAPPED = 1 << 16  # larger files are hashed through a mapping (no copy of their bytes)


def sha256_of(path: Path | str) -> str:
    """The sha256 (hex) of a file's content."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return sha256_of_fd(fd)
    finally:
        os.close(fd)


def sha256_of_fd(fd: int) -> str:
    """The sha256 (hex) of the content of an open file. Large files are hashed through a read-only
    mapping (no copy of their bytes; hashlib releases the GIL on them, so threads hash in parallel)."""
    digest = hashlib.sha256()
    if os.fstat(fd).st_size >= _MAPPED:
        with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mapped:
            digest.update(mapped)
    else:
        while chunk := os.read(fd, _MAPPED):
            digest.update(chunk)
    return digest.hexdigest()


def replace_file(path: Path, content: str | bytes, mode: int | None = None) -> None:
    """path now holds content (and mode, when given); on failure path is as it was."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}.{threading.get_ident()}")  # threads too
    try:
        if isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            tmp.write_text(content)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
