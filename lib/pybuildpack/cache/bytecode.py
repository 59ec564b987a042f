"""The bytecode store (CACHE_DIR/python/bytecode/TAG-MAGIC/): a copy of every .pyc the build
compiled, named by the sha256 of its source and its own (SOURCE.PYC.pyc), per interpreter (its
cache tag and bytecode magic). environment/bytecode.py compiles what the engines install and
looks here first: a module whose source the store has seen is copied from it, once its content
is checked against its name, setting the module's modification time to the one the .pyc was
checked against. The store's files are its own: no slug shares their inodes, so that what a
build's own code (a hook) writes into a slug's .pyc never reaches the store. What the cached
environment does not hold is removed when the cache is saved (prune).

This module runs in the compiling processes too (serve, in the runtime's interpreter, isolated):
it imports the standard library only."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (this module runs in the compiling processes: the standard library only)
    from pybuildpack.context import Layout

HEADER = 16  # magic, flags, then the source's mtime and size, or its hash
TIMESTAMP = "timestamp"  # (context.py's names of the modes, which this module can't import)
# A .pyc's flags, by how it is checked against its source (PEP 552): by the source's mtime and
# size, or by its hash (bit 0), checked at import (bit 1) or not.
FLAGS = {TIMESTAMP: 0, "unchecked-hash": 0b01, "checked-hash": 0b11}


def store_for(layout: Layout) -> Path | None:
    """This interpreter's part of the cache's bytecode store, for the layout's mode (None without
    a cache)."""
    store = layout.cached("bytecode")
    return store_dir(store, layout.bytecode_mode) if store is not None else None


def store_dir(cache: Path, mode: str = TIMESTAMP) -> Path:
    """This interpreter's part of the store: its cache tag and bytecode magic, and the mode its
    .pyc files are checked in when it is not the timestamp."""
    suffix = "" if mode == TIMESTAMP else f"-{mode}"
    return cache / f"{sys.implementation.cache_tag}-{importlib.util.MAGIC_NUMBER.hex()}{suffix}"


def run_name(source: str, runs_from: tuple[str, str] | None) -> str:
    """The path a module's .pyc names as its source: where it is when the slug runs (runs_from:
    context.Layout.runs_from, (where it is built, where it runs)), not where it was built."""
    if runs_from is not None and source.startswith(runs_from[0] + "/"):
        return runs_from[1] + source[len(runs_from[0]) :]
    return source


def set_time(source: Path, seconds: int) -> None:
    """source's modification time at seconds, what a timestamp-checked .pyc records, keeping its
    fraction of a second (which a .pyc and a slug's tar leave out; the cache tells a file's
    copies apart by it, cache/tree.py)."""
    info = source.stat()
    ns = seconds * 1_000_000_000 + info.st_mtime_ns % 1_000_000_000
    if info.st_mtime_ns != ns:
        os.utime(source, ns=(ns, ns))


def timestamp_fields(source: os.stat_result) -> tuple[int, int]:
    """What a timestamp-checked .pyc records of its source: its mtime and its size (32 bits each)."""
    return int(source.st_mtime) & 0xFFFFFFFF, source.st_size & 0xFFFFFFFF


def mode_of_pyc(pyc: Path) -> str | None:
    """The mode a .pyc file is checked in, read from its header's flags (whichever interpreter's
    it is); None when it can't be read or its flags are none of the modes'."""
    try:
        with pyc.open("rb") as handle:
            flags = int.from_bytes(handle.read(8)[4:], "little")
    except OSError:
        return None
    return next((mode for mode, bits in FLAGS.items() if bits == flags), None)


def mode_of(store: Path | None) -> str:
    """The mode of a store_dir (what serve and copy_from_store are handed)."""
    if store is not None:
        for mode in FLAGS:
            if mode != TIMESTAMP and store.name.endswith(f"-{mode}"):
                return mode
    return TIMESTAMP


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_NAME = re.compile(r"([0-9a-f]{64})\.([0-9a-f]{64})\.pyc")  # SOURCE.PYC.pyc: both sha256


class Lookup:
    """The store's .pyc files by their source's sha256 (each bucket listed once, when first asked)."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.buckets: dict[str, dict[str, list[str]]] = {}

    def find(self, source_digest: str) -> list[Path]:
        bucket = source_digest[:2]
        if bucket not in self.buckets:
            listed: dict[str, list[str]] = {}
            try:
                for name in os.listdir(self.store / bucket):
                    if _NAME.fullmatch(name):
                        listed.setdefault(name[:64], []).append(name)
            except OSError:
                pass
            self.buckets[bucket] = listed
        return [self.store / bucket / name for name in self.buckets[bucket].get(source_digest, [])]


def _write_new(path: Path, data: bytes) -> None:
    """path: a file of its own holding data (written aside, renamed into place)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def copy_from_store(stored: Path, source: Path, pyc: Path, name: str | None = None) -> bool:
    """The stored .pyc as source's (a copy of its own), when its content is the one its name
    records, it was compiled from a source of this size and it names the module as name (run_name:
    the same source at another path, or compiled where an older build ran, would make the slug
    differ); source's mtime is set to the one it was checked against. A stored file that is not
    what its name says is removed."""
    try:
        data = stored.read_bytes()
        if hashlib.sha256(data).hexdigest() != stored.name[65:129]:
            stored.unlink(missing_ok=True)  # damaged, or written by something that is not the build
            return False
        if name is not None and name.encode("utf-8", "surrogateescape") not in data:
            return False
        header = data[:HEADER]
        if len(header) != HEADER or header[:4] != importlib.util.MAGIC_NUMBER:
            return False
        flags, mtime, size = (int.from_bytes(header[i : i + 4], "little") for i in (4, 8, 12))
        if flags != FLAGS[mode_of(stored.parents[1])]:
            return False
        if flags == 0:  # the name says the source is the same; its time is put back as checked
            if size != source.stat().st_size & 0xFFFFFFFF:
                return False
            set_time(source, mtime)
        pyc.parent.mkdir(exist_ok=True)
        _write_new(pyc, data)
        return True
    except OSError:
        return False


def serve(store: str, mode: str = TIMESTAMP, built: str = "", runs: str = "") -> None:
    """A compiling process: lines of files (NUL-separated) read, each file compiled quietly, as
    pip compiles, checked in mode, naming its source as where it runs (built, runs: run_name's
    runs_from, unless empty), and what compiled kept in the store (unless store is empty); an empty
    line back for each line (so that the next files go to whichever process is free)."""
    import compileall
    import py_compile
    import warnings

    warnings.filterwarnings("ignore")
    checked = py_compile.PycInvalidationMode[mode.upper().replace("-", "_")]
    runs_from = (built, runs) if built and runs else None
    for line in sys.stdin:
        for path in line.rstrip("\n").split("\0"):
            ddir = os.path.dirname(run_name(path, runs_from))
            if compileall.compile_file(path, ddir, force=True, quiet=2, invalidation_mode=checked) and store:
                _keep(Path(store), Path(path))
        sys.stdout.write("\n")
        sys.stdout.flush()


def _keep(store: Path, source: Path) -> None:
    """A copy of the source's .pyc, just compiled, into the store, named by both checksums (best
    effort)."""
    try:
        data = Path(importlib.util.cache_from_source(str(source))).read_bytes()
        name = f"{digest(source)}.{hashlib.sha256(data).hexdigest()}.pyc"
        stored = store / name[:2] / name
        if not stored.exists():
            stored.parent.mkdir(parents=True, exist_ok=True)
            _write_new(stored, data)
    except OSError:
        pass


def holds_any(store: Path | None) -> bool:
    """Whether the store holds anything (read before a build adds to it: a cold build's compilers
    then never look in it)."""
    return store is not None and store.is_dir() and any(store.iterdir())


def prune(root: Path, keep: set[str]) -> int:
    """After the cache is saved: remove every stored .pyc that the cached environment does not
    hold (keep: the sha256 of each of its files; a stored file is kept while both its source and
    itself are among them), and what is not a stored .pyc; then the directories left empty.
    Returns the files removed."""
    removed = 0
    for tag in root.iterdir() if root.is_dir() else ():
        for bucket in tag.iterdir() if tag.is_dir() and not tag.is_symlink() else ():
            for stored in bucket.iterdir() if bucket.is_dir() and not bucket.is_symlink() else ():
                named = _NAME.fullmatch(stored.name)
                if named is None or named[1] not in keep or named[2] not in keep:
                    try:
                        stored.unlink()
                        removed += 1
                    except OSError:
                        continue
            try:
                bucket.rmdir()  # only when empty
            except OSError:
                pass
        try:
            tag.rmdir()
        except OSError:
            pass
    return removed


def rehash_with(python: Path, root: Path, mode: str) -> None:
    """rehash(root, mode) run by python (the interpreter whose .pyc files they are); quiet, best
    effort: what it leaves is compiled at import, as it would have been."""
    import subprocess

    core = str(Path(__file__).resolve().parents[2])
    program = "import sys; sys.path.insert(0, sys.argv[1]); from pybuildpack.cache.bytecode import rehash; "
    program += "rehash(sys.argv[2], sys.argv[3])"
    try:
        subprocess.run(
            [str(python), "-I", "-c", program, core, str(root), mode], capture_output=True, check=False
        )
    except OSError:
        pass


def rehash(root: str, mode: str) -> int:
    """Every timestamp-checked .pyc under root that is current for its source given the header of
    a hash-checked one, in mode (PEP 552): its code unchanged, so nothing is compiled again. Run
    in the interpreter whose .pyc files they are (the hash is keyed by its magic). For a tree whose
    files' modification times will change (a CNB image's layers: the exporter sets them all to one
    date), so that its bytecode stays valid. Returns the files rewritten."""
    flags = FLAGS[mode].to_bytes(4, "little")
    done = 0
    for pyc in Path(root).rglob("*.pyc"):
        try:
            source = Path(importlib.util.source_from_cache(str(pyc)))
            data = pyc.read_bytes()
            if data[:4] != importlib.util.MAGIC_NUMBER or data[4:8] != bytes(4):
                continue
            recorded = (int.from_bytes(data[8:12], "little"), int.from_bytes(data[12:16], "little"))
            if recorded != timestamp_fields(source.stat()):
                continue  # not current: left to be compiled at import, as it would have been
            hashed = importlib.util.source_hash(source.read_bytes())
            _write_new(pyc, data[:4] + flags + hashed + data[16:])
            done += 1
        except (OSError, ValueError):
            continue
    return done
