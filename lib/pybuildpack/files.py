"""Replacing a file whole: the new content goes to a file of its own, renamed over the old one.
A reader never sees half a file, and a file whose inode the cache shares with a slug (hard links)
is never edited in place."""

from __future__ import annotations

import os
import threading
from pathlib import Path


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
