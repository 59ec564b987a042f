"""Trees kept in the cache (the unpacked runtime, the environment): a copy made of hard links (of
copies when the cache is on another filesystem), and a manifest of every file's size,
modification time and sha256 that tells a damaged tree from an intact one. The slug shares the
cache's files (hard links): whatever edits a slug's file in place (a hook) edits the cache's, so
after the hooks ran, every file written since the slug began to share it is checked by its
content (touched_since).

One protocol for every kept tree (Kept: archives/install.py's runtime tree, cache/environment.py's
environment): restored by copy_checked, its files checked against the manifest while cp links
them; checked by content after the build's own code ran (Kept.touched_since); saved as a partial
(NAME.partial, a stray until it is done), its manifest written, then renamed into place
(save_partial)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pybuildpack.files import sha256_of

MANIFEST = ".manifest.json"
Manifest = dict[str, tuple[int, int, str]]  # relative path: (size, modification time in ns, sha256)
# relative path: (size, a time in ns, sha256) of files whose content something else vouches for
# (an environment's RECORDs: environment/metadata.py's recorded_digests), for manifest()
Vouched = dict[str, tuple[int, int, str]]


def same_filesystem(one: Path, other: Path) -> bool:
    """Whether hard links can join one and other (the nearest existing parent of each)."""

    def device(path: Path) -> int:
        while not path.exists() and path != path.parent:
            path = path.parent
        return path.stat().st_dev

    return device(one) == device(other)


def _copy(source: Path, target: Path) -> None:
    """target: a copy of source of its own (cp -a, else Python's)."""
    shutil.rmtree(target, ignore_errors=True)
    result = subprocess.run(["cp", "-a", "--", str(source), str(target)], capture_output=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, symlinks=True)


def copy_as_links(source: Path, target: Path) -> None:
    """target: a copy of source made of hard links (cp -al, fast), else of copies (across
    filesystems). Nothing may edit the files of either in place."""
    result = subprocess.run(["cp", "-al", "--", str(source), str(target)], capture_output=True, check=False)
    if result.returncode != 0:
        _copy(source, target)


def copy_checked(
    source: Path, target: Path, expected: Manifest, intact: Callable[[], bool] = lambda: True
) -> str | None:
    """copy_as_links, with source checked against its manifest (expected: every file's content)
    and intact() while cp links (a warm build pays for the check and the copy at once): why source
    is damaged (target then removed), or None."""
    mode = "-al" if same_filesystem(source, target.parent) else "-a"
    copying = subprocess.Popen(["cp", mode, "--", str(source), str(target)], stderr=subprocess.DEVNULL)
    try:
        damage = first_difference(source, expected) or (None if intact() else "its checksum does not match")
    finally:
        copied = copying.wait() == 0
    if damage is not None:
        shutil.rmtree(target, ignore_errors=True)
        return damage
    if not copied:
        _copy(source, target)
    return None


class _Update:
    """One update_links: whether it links (else copies: across filesystems), and the files it put."""

    def __init__(self, link: bool, top: str) -> None:
        self.link = link
        self.start = len(top) + 1
        self.put: list[str] = []

    def same(self, old: os.DirEntry[str], new: os.DirEntry[str]) -> bool:
        if self.link:
            return old.inode() == new.inode()
        # a copy made by an earlier update (or restore) and the file it was copied from
        one, other = old.stat(follow_symlinks=False), new.stat(follow_symlinks=False)
        return (one.st_size, one.st_mtime_ns) == (other.st_size, other.st_mtime_ns)

    def file(self, source: str, there: str) -> None:
        if self.link:
            try:
                os.link(source, there)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                self.link = False
        if not self.link:
            shutil.copy2(source, there, follow_symlinks=False)
        self.put.append(there[self.start :])


def update_links(source: Path, target: Path, skip: frozenset[str] = frozenset()) -> list[str]:
    """Make target (a copy of an earlier source made of hard links, or no directory yet) a copy of
    source again, touching only what differs: a file whose inode differs is linked afresh, what
    source no longer has is removed, new files, links and directories are added (a few files
    changed in a tree of thousands costs a walk, not a copy). Across filesystems, files are copied
    (and a copy of the same size and time is taken as the same file). Directories named in skip
    are left out (for now: a later update adds them). Returns the files it put (relative paths)."""
    update = _Update(same_filesystem(source, target), str(target))
    if target.is_dir():
        _update_directory(str(source), str(target), update, skip)
    else:
        _new_directory(str(source), str(target), update, skip)
    return update.put


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _update_directory(source: str, target: str, update: _Update, skip: frozenset[str]) -> None:
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
                _new_directory(entry.path, there, update, skip)
            else:
                _update_directory(entry.path, there, update, skip)
        elif entry.is_symlink():
            link = os.readlink(entry.path)
            if old is not None and old.is_symlink() and os.readlink(there) == link:
                continue
            if old is not None:
                _remove(there)
            os.symlink(link, there)
        else:
            if old is not None and not old.is_symlink() and update.same(old, entry):
                continue
            if old is not None:
                _remove(there)
            update.file(entry.path, there)


def _new_directory(source: str, target: str, update: _Update, skip: frozenset[str]) -> None:
    os.mkdir(target)
    _update_directory(source, target, update, skip)
    shutil.copystat(source, target, follow_symlinks=False)


def _hash_all(paths: list[str]) -> list[str]:
    """The sha256 of each file, in threads (one per core, at most 4: hashlib hashes large buffers
    without the GIL)."""
    workers = max(1, min(4, len(os.sched_getaffinity(0))))
    if workers == 1 or len(paths) < 64:
        return [sha256_of(path) for path in paths]
    from concurrent.futures import ThreadPoolExecutor  # (imported by a build that hashes only)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sha256") as pool:
        return list(pool.map(sha256_of, paths, chunksize=64))


def digests_of_modules(root: Path, vouched: Vouched | None = None) -> set[str]:
    """The sha256 of every module and .pyc under root (what the bytecode store's prune keeps);
    vouched: as manifest()'s."""
    found = {relative: info for relative, info in _regular_files(root) if relative.endswith((".py", ".pyc"))}
    return {digest for _size, _mtime, digest in _manifest_of(root, found, {}, vouched or {}).values()}


def _regular_files(root: Path) -> Iterable[tuple[str, os.stat_result]]:
    top = str(root)
    start = len(top) + 1
    for dirpath, _dirnames, filenames in os.walk(top):
        prefix = dirpath[start:] + "/" if len(dirpath) > len(top) else ""
        for name in filenames:
            info = os.lstat(f"{dirpath}/{name}")
            if not stat.S_ISLNK(info.st_mode) and prefix + name != MANIFEST:
                yield prefix + name, info


def manifest(root: Path, known: Manifest | None = None, vouched: Vouched | None = None) -> Manifest:
    """Every regular file's (size, modification time in ns, sha256), by path relative to root
    (plain strings: 10,000s of files). The manifest file itself is left out. known: entries of
    files the caller knows to be unchanged since they were hashed (the same inodes), reused when
    their size and time still match. vouched: {path: (size, a time in ns, sha256)} of files whose
    content something else vouches for (an environment's RECORDs: metadata.recorded_digests),
    taken without reading the file when it still has that size and was not written after that
    time; every other file is read and hashed."""
    return _manifest_of(root, dict(_regular_files(root)), known or {}, vouched or {})


def _manifest_of(root: Path, stats: dict[str, os.stat_result], known: Manifest, vouched: Vouched) -> Manifest:
    """manifest() of the files stats lists (relative path: its lstat)."""
    entries: Manifest = {}
    todo: list[str] = []
    for relative, info in stats.items():
        was = known.get(relative)
        given = vouched.get(relative)
        if was is not None and was[:2] == (info.st_size, info.st_mtime_ns):
            entries[relative] = was
        elif given is not None and given[0] == info.st_size and info.st_mtime_ns <= given[1]:
            entries[relative] = (info.st_size, info.st_mtime_ns, given[2])
        else:
            todo.append(relative)
    base = f"{root}/"
    for relative, digest in zip(todo, _hash_all([base + relative for relative in todo])):
        info = stats[relative]
        entries[relative] = (info.st_size, info.st_mtime_ns, digest)
    return entries


def first_difference(root: Path, expected: Manifest) -> str | None:
    """Why root no longer matches a manifest (a missing, resized or touched file), or None. (A
    file rewritten with its size and time put back is told by touched_since, after the build.)"""
    base = f"{root}/"
    for relative, (size, mtime, _digest) in expected.items():
        try:
            info = os.stat(base + relative)
        except OSError:
            return f"{relative} is missing"
        if info.st_size != size:
            return f"{relative} is truncated or changed ({info.st_size} bytes, expected {size})"
        if info.st_mtime_ns != mtime:
            return f"{relative} was changed in place (in a slug that shares it, or in the cache)"
    return None


def touched_since(root: Path, expected: Manifest, since: Path) -> str | None:
    """Why root no longer matches its manifest, judged by the content of every file whose inode
    changed (its ctime, which nothing can put back) since the file since was made: what a hook
    or a build script wrote into a file shared with the slug, even with its size and time put
    back. None when every such file still holds what the manifest records."""
    try:
        mark = os.stat(since).st_ctime_ns
    except OSError:
        return None
    base = f"{root}/"
    todo: list[str] = []
    for relative, (size, mtime, _digest) in expected.items():
        try:
            info = os.stat(base + relative)
        except OSError:
            continue  # removed (with the slug's link): the next restore says so
        if info.st_ctime_ns >= mark:
            if (info.st_size, info.st_mtime_ns) != (size, mtime):
                return f"{relative} was changed in place"
            todo.append(relative)
    try:
        digests = _hash_all([base + relative for relative in todo])
    except OSError as exc:
        return f"a file can't be read ({exc.strerror or exc})"
    for relative, digest in zip(todo, digests):
        if digest != expected[relative][2]:
            return f"{relative} was rewritten in place, its size and time put back"
    return None


def written_since(root: Path, since: Path) -> str | None:
    """The first entry under root (a file, a link or a directory: new, changed or with an entry
    removed) whose inode changed after the file since was made (its ctime, which nothing can put
    back): what the build's own code wrote into a tree used in place, with no manifest (a CNB
    layer); None when there is none, or no mark. (find: a warm build's whole environment is
    looked at, in C.)"""
    if not since.is_file():
        return None
    result = subprocess.run(
        ["find", str(root), "-cnewer", str(since), "-printf", "%P\\n", "-quit"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 and not result.stdout:
        return f"it can't be read ({result.stderr.strip()[:200]})"
    found = result.stdout.rstrip("\n")
    return f"{found or '.'} was written" if result.stdout else None


def read_manifest(path: Path) -> Manifest | None:
    """A manifest written by manifest(); None when it is missing, unreadable or of an older
    format (no checksums)."""
    try:
        data = json.loads(path.read_text())
        out: Manifest = {}
        for key, value in data.items():
            size, mtime, digest = value
            if not isinstance(digest, str) or len(digest) != 64:
                return None
            out[str(key)] = (int(size), int(mtime), digest)
        return out
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        return None


@dataclass(frozen=True)
class Kept:
    """A tree kept in the cache: its files, and the manifest that describes them."""

    files: Path
    manifest_file: Path

    @classmethod
    def holding_its_manifest(cls, files: Path) -> Kept:
        """A tree whose manifest is a file of its own top directory (MANIFEST: the runtime's)."""
        return cls(files, files / MANIFEST)

    def expected(self) -> Manifest | None:
        return read_manifest(self.manifest_file)

    def restore(
        self, target: Path, expected: Manifest, intact: Callable[[], bool] = lambda: True
    ) -> str | None:
        """The kept tree copied to target (copy_checked): why it is damaged, or None."""
        return copy_checked(self.files, target, expected, intact)

    def touched_since(self, since: Path) -> str | None:
        """Why the kept tree no longer matches its manifest, judged by the content of what was
        written since the file since was made (touched_since); None when it does, or has none."""
        expected = self.expected()
        return touched_since(self.files, expected, since) if expected is not None else None

    def keep_copy_of(self, source: Path) -> bool:
        """A tree that holds its manifest kept as a copy of source (hard links), saved as a
        partial and renamed (best effort: False, and nothing kept, when it can't be)."""
        partial = partial_of(self.files)
        try:
            self.files.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(partial, ignore_errors=True)
            copy_as_links(source, partial)
            save_partial(partial, self.files, Kept(partial, partial / self.manifest_file.name).write_manifest)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
            return False
        return True

    def write_manifest(self, known: Manifest | None = None, vouched: Vouched | None = None) -> set[str]:
        """The manifest of the files as they are now (known, vouched: manifest()'s); the sha256
        of each."""
        found = manifest(self.files, known, vouched)
        self.manifest_file.write_text(json.dumps(found))
        return {digest for _size, _mtime, digest in found.values()}


def partial_of(final: Path) -> Path:
    """Where a tree to be kept at final is written first (a stray until save_partial renames it)."""
    return final.with_name(final.name + ".partial")


T = TypeVar("T")


def save_partial(partial: Path, final: Path, complete: Callable[[], T]) -> T:
    """A tree written at partial, completed (complete(): its manifest, any metadata) and renamed to
    final; the partial removed when any of it fails. complete's result."""
    try:
        done = complete()
        os.rename(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return done
