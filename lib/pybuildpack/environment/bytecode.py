"""Bytecode for what the engines install, compiled once and kept.

pip compiles every module of the wheels it installs, so that the slug does not compile at dyno
start; the build does the same, once the engine has installed a step's packages (the engines run
with compiling off), for the distributions that step installed: in parallel, one process per
core, with the runtime's own compiler (`compileall.compile_file`, as pip calls it), and
timestamp-checked .pyc files, as pip writes them.

The store (CACHE_DIR/python/bytecode/TAG-MAGIC/) keeps a copy of every .pyc the build compiled,
named by the sha256 of its source and its own (SOURCE.PYC.pyc). A fresh environment (a Python
patch release, a stack change that keeps the bytecode magic, a damaged cache) copies the .pyc of
every module whose source it has seen, once its content is checked against its name, setting the
module's modification time to the one the .pyc was checked against, and compiles only the rest.
The store's files are its own: no slug shares their inodes, so that what a build's own code (a
hook) writes into a slug's .pyc never reaches the store. What the cached environment does not
hold is removed when the cache is saved."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue

# A compiling process: serve() in the runtime's interpreter, isolated, with the core on its path.
_COMPILER = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from pybuildpack.environment.bytecode import serve; serve(sys.argv[2])"
)
_BATCH = 16  # files per line
_HEADER = 16  # magic, flags, source mtime, source size


@dataclass(frozen=True)
class Compiled:
    linked: int  # from the store
    compiled: int  # compiled now

    def describe(self) -> str:
        done = [f"{self.compiled:,} compiled"] if self.compiled else []
        done += [f"{self.linked:,} from the cache's bytecode store"] if self.linked else []
        return f"Bytecode: {', '.join(done)}"


def _sources(files: list[Path]) -> list[Path]:
    """The modules (.py files in site-packages) among an install's files."""
    return [
        path
        for path in files
        if path.suffix == ".py" and path.parent.name != "__pycache__" and "site-packages" in path.parts
    ]


def _header(pyc: Path) -> tuple[int, int, int] | None:
    """(flags, source mtime, source size) of a .pyc of this interpreter's, or None."""
    try:
        with pyc.open("rb") as handle:
            header = handle.read(_HEADER)
    except OSError:
        return None
    if len(header) != _HEADER or header[:4] != importlib.util.MAGIC_NUMBER:
        return None
    flags, mtime, size = (int.from_bytes(header[i : i + 4], "little") for i in (4, 8, 12))
    return flags, mtime, size


def _current(pyc: Path, source: os.stat_result) -> bool:
    """The .pyc is this interpreter's and was checked against this source's mtime and size."""
    checked = (0, int(source.st_mtime) & 0xFFFFFFFF, source.st_size & 0xFFFFFFFF)
    return _header(pyc) == checked


def store_dir(cache: Path) -> Path:
    """This interpreter's part of the store: its cache tag and bytecode magic."""
    return cache / f"{sys.implementation.cache_tag}-{importlib.util.MAGIC_NUMBER.hex()}"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_NAME = re.compile(r"([0-9a-f]{64})\.([0-9a-f]{64})\.pyc")  # SOURCE.PYC.pyc: both sha256


class _Lookup:
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


def _copy_from_store(stored: Path, source: Path, pyc: Path) -> bool:
    """The stored .pyc as source's (a copy of its own), when its content is the one its name
    records and it was compiled from a source of this size; source's mtime is set to the one it
    was checked against. A stored file that is not what its name says is removed."""
    try:
        data = stored.read_bytes()
        if hashlib.sha256(data).hexdigest() != stored.name[65:129]:
            stored.unlink(missing_ok=True)  # damaged, or written by something that is not the build
            return False
        header = data[:_HEADER]
        if len(header) != _HEADER or header[:4] != importlib.util.MAGIC_NUMBER:
            return False
        flags, mtime, size = (int.from_bytes(header[i : i + 4], "little") for i in (4, 8, 12))
        if flags != 0 or size != source.stat().st_size & 0xFFFFFFFF:
            return False
        os.utime(source, (mtime, mtime))
        pyc.parent.mkdir(exist_ok=True)
        _write_new(pyc, data)
        return True
    except OSError:
        return False


def serve(store: str) -> None:
    """A compiling process: lines of files (NUL-separated) read, each file compiled quietly, as
    pip compiles, and what compiled kept in the store (unless store is empty); an empty line back
    for each line (so that the next files go to whichever process is free)."""
    import compileall
    import warnings

    warnings.filterwarnings("ignore")
    for line in sys.stdin:
        for path in line.rstrip("\n").split("\0"):
            if compileall.compile_file(path, force=True, quiet=2) and store:
                _keep(Path(store), Path(path))
        sys.stdout.write("\n")
        sys.stdout.flush()


def _keep(store: Path, source: Path) -> None:
    """A copy of the source's .pyc, just compiled, into the store, named by both checksums (best
    effort)."""
    try:
        data = Path(importlib.util.cache_from_source(str(source))).read_bytes()
        name = f"{_digest(source)}.{hashlib.sha256(data).hexdigest()}.pyc"
        stored = store / name[:2] / name
        if not stored.exists():
            stored.parent.mkdir(parents=True, exist_ok=True)
            _write_new(stored, data)
    except OSError:
        pass


def _start_compiling(python: Path, sources: list[Path], store: Path | None) -> list[threading.Thread]:
    """Start compiling sources with one process of python per core, each taking the next file
    (the largest first) when it is free, and keeping what it compiled in store; the threads that
    feed them, to join."""
    if not sources:
        return []
    workers = max(1, min(len(os.sched_getaffinity(0)), len(sources) // 50 or 1))
    queue: Queue[str] = Queue()
    ordered = [str(p) for p in sorted(sources, key=lambda p: p.stat().st_size, reverse=True)]
    for start in range(0, len(ordered), _BATCH):
        queue.put("\0".join(ordered[start : start + _BATCH]))
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONHOME", "PYTHONPATH")}

    def feed() -> None:
        try:
            process = subprocess.Popen(
                [
                    str(python),
                    "-I",
                    "-c",
                    _COMPILER,
                    str(Path(__file__).resolve().parents[2]),
                    str(store or ""),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=env,
            )
        except OSError:
            return  # no compiler: what is not compiled, Python compiles at import
        assert process.stdin is not None and process.stdout is not None
        try:
            while True:
                try:
                    path = queue.get_nowait()
                except Empty:
                    break
                process.stdin.write(path + "\n")
                process.stdin.flush()
                if not process.stdout.readline():
                    break  # the process died: what it did not compile, Python compiles at import
        except OSError:
            pass
        finally:
            process.stdin.close()
            process.wait()

    threads = [threading.Thread(target=feed, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    return threads


@dataclass
class Pending:
    """Bytecode being compiled (start_compiling): wait() when the files are needed."""

    linked: int
    compiling: int
    feeders: list[threading.Thread]

    def wait(self) -> Compiled:
        """Wait for the compilers (which keep what they compiled in the store)."""
        for feeder in self.feeders:
            feeder.join()
        return Compiled(self.linked, self.compiling)


def compile_installed(env: Path, added: list[Path], store: Path | None) -> Compiled:
    return start_compiling(env, added, store).wait()


def holds_any(store: Path | None) -> bool:
    """Whether the store holds anything (read before a build adds to it: a cold build's compilers
    then never look in it)."""
    return store is not None and store.is_dir() and any(store.iterdir())


def start_compiling(env: Path, added: list[Path], store: Path | None, look: bool | None = None) -> Pending:
    """Bytecode for every module among the files an install added to env (metadata.installed_since):
    copied from the store where it has the module's source (and its content checks), compiled
    (and stored, by the compiling processes) otherwise. Run with the runtime's interpreter (the
    install step's), whose magic the .pyc files carry. An empty store (a cold build) is not looked
    in: the compilers start at once (look: holds_any(store) as the build found it, when it has
    added to it since)."""
    python = env / "bin" / "python"
    looked_in = holds_any(store) if look is None else look
    lookup = _Lookup(store) if looked_in and store is not None else None
    linked = 0
    todo: list[Path] = []
    for source in _sources(added):
        pyc = Path(importlib.util.cache_from_source(str(source)))
        try:
            if _current(pyc, source.stat()):
                continue
            stored = lookup.find(_digest(source)) if lookup is not None else []
        except OSError:
            continue
        if any(_copy_from_store(candidate, source, pyc) for candidate in stored):
            linked += 1
        else:
            todo.append(source)
    return Pending(linked, len(todo), _start_compiling(python, todo, store))


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
