"""Trees kept in the cache (the unpacked runtime, the environment): a copy made of hard links, and
a manifest of every file's size that tells a damaged tree from an intact one."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

MANIFEST = ".manifest.json"


def copy_as_links(source: Path, target: Path) -> None:
    """target: a copy of source made of hard links (cp -al, fast), else of copies. Nothing may edit
    the files of either in place."""
    result = subprocess.run(["cp", "-al", "--", str(source), str(target)], capture_output=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, symlinks=True)


def copy_checked(
    source: Path, target: Path, expected: dict[str, list[int]], intact: Callable[[], bool] = lambda: True
) -> str | None:
    """copy_as_links, with source checked against its manifest (expected) and intact() while cp
    links (a warm build pays for the check and the copy at once): why source is damaged (target
    then removed), or None."""
    copying = subprocess.Popen(["cp", "-al", "--", str(source), str(target)], stderr=subprocess.DEVNULL)
    try:
        damage = first_difference(source, expected) or (None if intact() else "its checksum does not match")
    finally:
        copied = copying.wait() == 0
    if damage is not None:
        shutil.rmtree(target, ignore_errors=True)
        return damage
    if not copied:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, symlinks=True)
    return None


def update_links(source: Path, target: Path, skip: frozenset[str] = frozenset()) -> None:
    """Make target (a copy of an earlier source made of hard links, or no directory yet) a copy of
    source again, touching only what differs: a file whose inode differs is linked afresh, what
    source no longer has is removed, new files, links and directories are added (a few files
    changed in a tree of thousands costs a walk, not a copy). Directories named in skip are left
    out (for now: a later update adds them)."""
    if target.is_dir():
        _update_directory(str(source), str(target), skip)
    else:
        _new_directory(str(source), str(target), skip)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _update_directory(source: str, target: str, skip: frozenset[str] = frozenset()) -> None:
    wanted = {entry.name: entry for entry in os.scandir(source) if entry.name not in skip}
    present = {entry.name: entry for entry in os.scandir(target) if entry.name not in skip}
    for name in present.keys() - wanted.keys():
        _remove(f"{target}/{name}")
    for name, entry in wanted.items():
        there = f"{target}/{name}"
        old = present.get(name)
        if entry.is_dir(follow_symlinks=False):
            if old is not None and not old.is_dir(follow_symlinks=False):
                _remove(there)
                old = None
            if old is None:
                _new_directory(entry.path, there, skip)
            else:
                _update_directory(entry.path, there, skip)
        elif entry.is_symlink():
            link = os.readlink(entry.path)
            if old is not None and old.is_symlink() and os.readlink(there) == link:
                continue
            if old is not None:
                _remove(there)
            os.symlink(link, there)
        else:
            if old is not None and not old.is_symlink() and old.inode() == entry.inode():
                continue
            if old is not None:
                _remove(there)
            os.link(entry.path, there)


def _new_directory(source: str, target: str, skip: frozenset[str] = frozenset()) -> None:
    os.mkdir(target)
    _update_directory(source, target, skip)
    shutil.copystat(source, target, follow_symlinks=False)


def manifest(root: Path) -> dict[str, list[int]]:
    """Every regular file's [size, modification time in ns], by path relative to root (plain
    strings: 10,000s of files). The manifest file itself is left out. The cache shares its files
    with slugs (hard links): a file edited in place in a slug changes its modification time, and
    so no longer matches."""
    sizes: dict[str, list[int]] = {}
    top = str(root)
    start = len(top) + 1
    for dirpath, _dirnames, filenames in os.walk(top):
        prefix = dirpath[start:] + "/" if len(dirpath) > len(top) else ""
        for name in filenames:
            info = os.lstat(f"{dirpath}/{name}")
            if not stat.S_ISLNK(info.st_mode) and prefix + name != MANIFEST:
                sizes[prefix + name] = [info.st_size, info.st_mtime_ns]
    return sizes


def first_difference(root: Path, expected: dict[str, list[int]]) -> str | None:
    """Why root no longer matches a manifest (a missing, resized or rewritten file), or None."""
    base = f"{root}/"
    for relative, (size, mtime) in expected.items():
        try:
            info = os.stat(base + relative)
        except OSError:
            return f"{relative} is missing"
        if info.st_size != size:
            return f"{relative} is truncated or changed ({info.st_size} bytes, expected {size})"
        if info.st_mtime_ns != mtime:
            return f"{relative} was changed in place (in a slug that shares it, or in the cache)"
    return None


def write_manifest(root: Path, path: Path) -> None:
    path.write_text(json.dumps(manifest(root)))


def read_manifest(path: Path) -> dict[str, list[int]] | None:
    try:
        data = json.loads(path.read_text())
        return {str(k): [int(v[0]), int(v[1])] for k, v in data.items()}
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        return None
