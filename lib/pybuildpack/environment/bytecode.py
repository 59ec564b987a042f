"""Bytecode for what the engines install, compiled once and kept (the store: cache/bytecode.py).

pip compiles every module of the wheels it installs, so that the slug does not compile at dyno
start; the build compiles what an app can import at start, once the engine has installed a step's
packages (the engines run with compiling off), for the distributions that step installed: in
parallel, one process per core, with the runtime's own compiler (`compileall.compile_file`, as pip
calls it), and timestamp-checked .pyc files, as pip writes them (hash-checked in a CNB image). The
packages' own test suites (TEST_SUITES) are left to compile at their first import, if they are
ever run; BUILDPACK_COMPILE_ALL compiles them too (every). The packaging tools (BUILD_TOOLS: pip,
wheel) compile when the build first runs them (compile_tools), by the same rules.

The store keeps a copy of every .pyc the build compiled. A fresh environment (a Python patch
release, a stack change that keeps the bytecode magic, a damaged cache) copies the .pyc of every
module whose source the store has seen, and compiles only the rest."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue

from pybuildpack import output
from pybuildpack.cache.bytecode import (
    FLAGS,
    HEADER,
    TIMESTAMP,
    Lookup,
    copy_from_store,
    digest,
    holds_any,
    run_name,
    set_time,
    timestamp_fields,
)
from pybuildpack.reproducible import FIXED_TIME

# A compiling process: serve() in the runtime's interpreter, isolated, with the core on its path.
_COMPILER = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from pybuildpack.cache.bytecode import serve; serve(*sys.argv[2:6])"
)
_BATCH = 16  # files per line
# The directory name of packages' test suites, which no app imports at start: 1,380 of the bench
# app's 4,286 modules (pandas/tests 1,143, numpy's 15 tests/ 243, certifi/tests 2). Not `test` nor
# `testing`: django.test, numpy.testing and pandas._testing (which pandas imports) are imported by
# apps and libraries. A module left out is compiled at its first import, as Python does.
TEST_SUITES = "tests"
# The packaging tools every environment is seeded with (and an app may pin): no app imports them
# at start, and the uv engine never runs them. pip and wheel are 456 of the seed's 683 modules,
# about 1 s of a cold build's CPU. They compile when the build first runs pip (the pip engine,
# uv's fallback) or setuptools' bdist_wheel (a build without isolation: compile_tools), or may (a
# bin/post_compile hook: tools_for), by the same rules as the rest (the fixed time, the names at
# /app, the store), so that pip never writes its own .pyc files into a slug (with the install's
# times: not reproducible). Not setuptools: the distutils shim its .pth file installs hands
# `import distutils` to setuptools._distutils, which older libraries import at run time.
BUILD_TOOLS = frozenset({"pip", "wheel"})


@dataclass(frozen=True)
class Compiled:
    linked: int  # from the store
    compiled: int  # compiled now

    def __add__(self, other: Compiled) -> Compiled:
        return Compiled(self.linked + other.linked, self.compiled + other.compiled)

    def describe(self) -> str:
        done = [f"{self.compiled:,} compiled"] if self.compiled else []
        done += [f"{self.linked:,} from the cache's bytecode store"] if self.linked else []
        return f"Bytecode: {', '.join(done)}"


def _inside(path: Path) -> tuple[str, ...]:
    """The directories of a path below its site-packages."""
    return path.parts[len(path.parts) - path.parts[::-1].index("site-packages") : -1]


def _tool(path: Path, inside: tuple[str, ...] | None = None) -> bool:
    """A module of site-packages is one of the packaging tools' (BUILD_TOOLS; inside: _inside's)."""
    inside = _inside(path) if inside is None else inside
    return bool(inside) and inside[0] in BUILD_TOOLS


def _sources(files: list[Path], every: bool = False, tools: bool = False) -> list[Path]:
    """The modules (.py files in site-packages) among an install's files that an app can import at
    start: all but those in a package's test suite (a directory TEST_SUITES below site-packages)
    and the packaging tools' (BUILD_TOOLS, unless tools), unless every."""
    found = []
    for path in files:
        if path.suffix != ".py" or "site-packages" not in path.parts:
            continue
        inside = _inside(path)
        if "__pycache__" in inside[-1:]:
            continue
        if every or (TEST_SUITES not in inside and (tools or not _tool(path, inside))):
            found.append(path)
    return found


def _header(pyc: Path) -> tuple[int, int, int] | None:
    """(flags, source mtime, source size) of a .pyc of this interpreter's (with a hash: flags, then
    the hash as two numbers), or None."""
    try:
        with pyc.open("rb") as handle:
            header = handle.read(HEADER)
    except OSError:
        return None
    if len(header) != HEADER or header[:4] != importlib.util.MAGIC_NUMBER:
        return None
    flags, mtime, size = (int.from_bytes(header[i : i + 4], "little") for i in (4, 8, 12))
    return flags, mtime, size


def _current(pyc: Path, source: Path, mode: str = TIMESTAMP) -> bool:
    """The .pyc is this interpreter's and was checked against this source (its mtime and size, or
    its hash), in mode."""
    if mode == TIMESTAMP:
        return _header(pyc) == (0, *timestamp_fields(source.stat()))
    header = _header(pyc)
    if header is None or header[0] != FLAGS[mode]:
        return False
    hashed = importlib.util.source_hash(source.read_bytes())
    return header[1:] == (int.from_bytes(hashed[:4], "little"), int.from_bytes(hashed[4:], "little"))


def _start_compiling(
    python: Path, sources: list[Path], store: Path | None, mode: str, runs_from: tuple[str, str] | None
) -> list[threading.Thread]:
    """Start compiling sources with one process of python per core, each taking the next file
    (the largest first) when it is free, naming it as where it runs (runs_from), and keeping what
    it compiled in store; the threads that feed them, to join."""
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
                    mode,
                    *(runs_from or ("", "")),
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


def tell(compiled: Compiled) -> None:
    """What was compiled and copied from the store, in the build log (nothing when nothing was)."""
    if compiled.compiled or compiled.linked:
        output.info(compiled.describe())


def compile_installed(
    env: Path,
    added: list[Path],
    store: Path | None,
    mode: str = TIMESTAMP,
    *,
    every: bool = False,
    runs_from: tuple[str, str] | None = None,
) -> Compiled:
    return start_compiling(env, added, store, mode=mode, every=every, runs_from=runs_from).wait()


def start_compiling(
    env: Path,
    added: list[Path],
    store: Path | None,
    look: bool | None = None,
    mode: str = TIMESTAMP,
    *,
    every: bool = False,
    tools: bool = False,
    runs_from: tuple[str, str] | None = None,
) -> Pending:
    """Bytecode for the modules an app can import at start (every: all of them; Settings'
    compile_all; tools: the packaging tools' too) among the files an install added to env
    (metadata.installed_since): copied from the store where it has the module's source (and its
    content checks), compiled (and stored, by the compiling processes) otherwise. Run with the
    runtime's interpreter (the install step's), whose magic the .pyc files carry. An empty store (a
    cold build) is not looked in: the compilers start at once (look: holds_any(store) as the build
    found it, when it has added to it since). mode: how the .pyc files are checked
    (context.Layout.bytecode_mode; the store is the mode's, cache/bytecode.store_for). runs_from:
    context.Layout.runs_from, where the .pyc files name their sources. Reproducible (README,
    "Reproducible builds"): in timestamp mode each module's modification time is set to
    reproducible.FIXED_TIME first, so that its .pyc records that rather than when it was installed;
    and a .pyc names its source where it runs."""
    python = env / "bin" / "python"
    looked_in = holds_any(store) if look is None else look
    lookup = Lookup(store) if looked_in and store is not None else None
    linked = 0
    todo: list[Path] = []
    for source in _sources(added, every, tools):
        pyc = Path(importlib.util.cache_from_source(str(source)))
        if mode == TIMESTAMP:
            if tools and _tool(source):
                _own(source)
            try:
                set_time(source, FIXED_TIME)
            except OSError:
                pass  # (compiled with its own time: current, but not the same in every build)
        try:
            if _current(pyc, source, mode):
                continue
            stored = lookup.find(digest(source)) if lookup is not None else []
        except OSError:
            continue
        name = run_name(str(source), runs_from)
        if any(copy_from_store(candidate, source, pyc, name) for candidate in stored):
            linked += 1
        else:
            todo.append(source)
    return Pending(linked, len(todo), _start_compiling(python, todo, store, mode, runs_from))


def tools_for(app: Path) -> bool:
    """Whether the build compiles the packaging tools with the app's modules: when the app has a
    bin/post_compile hook, which may run pip (after the install, with the environment's Python on
    PATH)."""
    return (app / "bin" / "post_compile").is_file()


def tool_modules(env: Path) -> list[Path]:
    """The modules of the packaging tools (BUILD_TOOLS) in env."""
    return sorted(
        module
        for site in env.glob("lib/python*/site-packages")
        for name in BUILD_TOOLS
        for module in (site / name).rglob("*.py")
    )


def compile_tools(env: Path, store: Path | None, mode: str, runs_from: tuple[str, str] | None) -> Compiled:
    """Bytecode for the packaging tools (BUILD_TOOLS), before the build runs pip: what is not
    current yet is copied from the store or compiled, as start_compiling does (nothing, once they
    are)."""
    return start_compiling(env, tool_modules(env), store, mode=mode, tools=True, runs_from=runs_from).wait()


def _own(source: Path) -> None:
    """A packaging tool's module shared with another tree (restored from the cache, whose files the
    slug shares: cache/tree.py) copied apart before its time is set, so that the cache's file
    never changes: the tools of an environment cached uncompiled are compiled in a later build."""
    try:
        info = source.stat()
        if info.st_nlink > 1 and int(info.st_mtime) != FIXED_TIME:
            apart = source.with_name(f".{source.name}.apart")
            shutil.copy2(source, apart)
            os.replace(apart, source)
    except OSError:
        pass
