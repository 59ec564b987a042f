from __future__ import annotations

import importlib.util
import marshal
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pybuildpack.cache import bytecode as store_cache
from pybuildpack.environment import bytecode, metadata
from pybuildpack.files import sha256_of
from pybuildpack.reproducible import FIXED_TIME


def make_env(root: Path, sources: dict[str, str]) -> Path:
    """An environment of this interpreter with one distribution, demo, holding sources."""
    env = root / "env"
    site = env / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    info = site / "demo-1.0.dist-info"
    info.mkdir(parents=True)
    (env / "bin").mkdir()
    (env / "bin" / "python").symlink_to(sys.executable)
    rows = []
    for name, text in sources.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
        rows.append(f"{name},,")
    (info / "RECORD").write_text("\n".join([*rows, "demo-1.0.dist-info/RECORD,,"]) + "\n")
    return site


def added(env: Path) -> list[Path]:
    """Every file of the environment's distributions (all installed since an empty snapshot)."""
    return metadata.installed_since(env, {})


def pyc(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def verbose_import(site: Path, module: str) -> str:
    """What python -v says (on stderr) while importing module from site, writing no bytecode."""
    result = subprocess.run(
        [sys.executable, "-v", "-c", f"import {module}"],
        env={**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr


def imports_from_bytecode(site: Path, module: str) -> bool:
    """Python itself takes the .pyc (python -v says it matches the source)."""
    return f"matches {site / module.replace('.', '/')}" in verbose_import(site, module)


def test_compiles_what_was_installed_since_the_snapshot_and_stores_it(tmp_path: Path) -> None:
    site = make_env(tmp_path, {"demo/__init__.py": "VALUE = 1\n", "demo/bad.py": "print 'python 2'\n"})
    store = tmp_path / "store"
    assert metadata.snapshot(tmp_path / "env") == {
        "demo-1.0.dist-info": (site / "demo-1.0.dist-info" / "RECORD").stat().st_ino
    }
    done = bytecode.compile_installed(tmp_path / "env", added(tmp_path / "env"), store)
    assert (done.compiled, done.linked) == (2, 0)
    assert pyc(site / "demo" / "__init__.py").is_file() and not pyc(site / "demo" / "bad.py").exists()
    assert imports_from_bytecode(site, "demo")
    assert len(list(store.glob("*/*.pyc"))) == 1  # what did not compile is not stored
    # Nothing new since the snapshot: nothing to do.
    again = bytecode.compile_installed(
        tmp_path / "env",
        metadata.installed_since(tmp_path / "env", metadata.snapshot(tmp_path / "env")),
        store,
    )
    assert (again.compiled, again.linked) == (0, 0)


def at_app(build: Path) -> tuple[str, str]:
    """A build directory's runs_from (context.Layout.runs_from): its slug runs from /app."""
    return str(build.resolve()), "/app"


def compile_in(build: Path, store: Path | None) -> bytecode.Compiled:
    """compile_installed for the environment of a slug built in build, which runs from /app."""
    return bytecode.compile_installed(build / "env", added(build / "env"), store, runs_from=at_app(build))


def test_a_fresh_environment_copies_what_the_store_holds(tmp_path: Path) -> None:
    site = make_env(tmp_path / "first", {"demo/__init__.py": "VALUE = 1\n"})
    store = tmp_path / "store"
    compile_in(tmp_path / "first", store)
    (stored,) = store.glob("*/*.pyc")
    # The store keeps a file of its own: nothing done to the slug's .pyc reaches it.
    assert stored.stat().st_ino != pyc(site / "demo" / "__init__.py").stat().st_ino
    # The same distribution installed again in another build directory, later (another mtime):
    # from the store, valid.
    other = make_env(tmp_path / "second", {"demo/__init__.py": "VALUE = 1\n"})
    os.utime(other / "demo" / "__init__.py", (1_000_000_000, 1_000_000_000))
    done = compile_in(tmp_path / "second", store)
    assert (done.compiled, done.linked) == (0, 1)
    second = pyc(other / "demo" / "__init__.py")
    assert second.read_bytes() == stored.read_bytes()
    assert second.stat().st_nlink == 1 and stored.stat().st_nlink == 1  # a copy: no inode shared
    assert imports_from_bytecode(other, "demo")
    # A changed source is compiled, not taken from the store.
    third = make_env(tmp_path / "third", {"demo/__init__.py": "VALUE = 2\n"})
    done = compile_in(tmp_path / "third", store)
    assert (done.compiled, done.linked) == (1, 0)
    assert imports_from_bytecode(third, "demo")


def code_of(compiled: Path) -> tuple[int, int, str]:
    """(flags, the source mtime recorded, the source path named) of a timestamp-checked .pyc."""
    data = compiled.read_bytes()
    code = marshal.loads(data[16:])
    return int.from_bytes(data[4:8], "little"), int.from_bytes(data[8:12], "little"), code.co_filename


def test_two_builds_in_two_directories_at_two_times_write_the_same_bytecode(tmp_path: Path) -> None:
    """Reproducible: a module's .pyc records the fixed time (not its install's) and names its
    source where the slug runs (not the build directory), and Python still takes it as current
    there (python -v: it matches the source)."""
    sources = {"demo/__init__.py": "VALUE = 1\n", "demo/sub/__init__.py": ""}
    first = make_env(tmp_path / "build_one", sources)
    second = make_env(tmp_path / "another_build_dir", sources)
    os.utime(second / "demo" / "__init__.py", (1_900_000_000, 1_900_000_000))
    assert compile_in(tmp_path / "build_one", None).compiled == 2
    assert compile_in(tmp_path / "another_build_dir", tmp_path / "store").compiled == 2
    for name in sources:
        assert pyc(first / name).read_bytes() == pyc(second / name).read_bytes()
    site = first.relative_to(tmp_path / "build_one")
    assert code_of(pyc(first / "demo" / "__init__.py")) == (0, FIXED_TIME, f"/app/{site}/demo/__init__.py")
    assert os.stat(first / "demo" / "__init__.py").st_mtime_ns // 10**9 == FIXED_TIME
    assert imports_from_bytecode(first, "demo") and imports_from_bytecode(second, "demo.sub")
    # Without a place to run from (a CNB layer is built where it runs), the source as it is.
    third = make_env(tmp_path / "third", sources)
    bytecode.compile_installed(tmp_path / "third" / "env", added(tmp_path / "third" / "env"), None)
    assert code_of(pyc(third / "demo" / "__init__.py"))[2] == str(third.resolve() / "demo" / "__init__.py")


def test_the_store_gives_a_module_only_bytecode_that_names_it_where_it_runs(tmp_path: Path) -> None:
    """The same source at another path (an empty __init__.py), or compiled where an older build
    ran (a store from before the build named its modules as they run), is compiled again: its
    .pyc would name another file, and the slug would differ from a cold build's."""
    store = tmp_path / "store"
    old = make_env(tmp_path / "old", {"demo/__init__.py": ""})
    bytecode.compile_installed(tmp_path / "old" / "env", added(tmp_path / "old" / "env"), store)
    site = make_env(tmp_path / "new", {"demo/__init__.py": "", "demo/other/__init__.py": ""})
    done = compile_in(tmp_path / "new", store)
    assert (done.compiled, done.linked) == (2, 0)
    assert code_of(pyc(site / "demo" / "other" / "__init__.py"))[2].endswith("/demo/other/__init__.py")
    assert str(old) not in pyc(site / "demo" / "__init__.py").read_text(errors="replace")
    # What this build stored, a later build in another directory takes.
    again = make_env(tmp_path / "later", {"demo/__init__.py": "", "demo/other/__init__.py": ""})
    assert compile_in(tmp_path / "later", store).linked == 2
    for name in ("demo/__init__.py", "demo/other/__init__.py"):
        assert pyc(again / name).read_bytes() == pyc(site / name).read_bytes()


def test_test_suites_and_packaging_tools_are_left_to_compile_at_their_first_import(tmp_path: Path) -> None:
    # (the environment itself under a directory named tests: only what is below site-packages counts)
    sources = {
        name: "VALUE = 1\n"
        for name in (
            "demo/__init__.py",
            "demo/tests/__init__.py",
            "demo/tests/test_core.py",
            "demo/sub/tests/conftest.py",
            "tests/__init__.py",  # a distribution that ships its tests at the top
            "demo/test/__init__.py",  # as django.test: imported by apps
            "demo/testing/__init__.py",  # as numpy.testing
            "demo/_testing/__init__.py",  # as pandas._testing, which pandas imports
            "demo/tests.py",  # a module, not a suite
            "pip/__init__.py",  # the packaging tools no app imports at start
            "pip/_internal/cli/main.py",
            "wheel/__init__.py",
            "setuptools/_distutils/version.py",  # `import distutils` at run time
            "pip_audit/__init__.py",  # a package named like one
        )
    }
    site = make_env(tmp_path / "tests", sources)
    env = tmp_path / "tests" / "env"
    done = bytecode.compile_installed(env, added(env), None)
    compiled = sorted(name for name in sources if pyc(site / name).is_file())
    assert compiled == [
        "demo/__init__.py",
        "demo/_testing/__init__.py",
        "demo/test/__init__.py",
        "demo/testing/__init__.py",
        "demo/tests.py",
        "pip_audit/__init__.py",
        "setuptools/_distutils/version.py",
    ]
    assert (done.compiled, done.linked) == (7, 0)
    # Python compiles a suite's module at its first import, when it can write beside it.
    subprocess.run(
        [sys.executable, "-c", "import demo.tests.test_core"],
        env={**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": ""},
        check=True,
    )
    assert pyc(site / "demo" / "tests" / "test_core.py").is_file()
    # BUILDPACK_COMPILE_ALL: every module.
    every = make_env(tmp_path / "every", sources)
    done = bytecode.compile_installed(
        tmp_path / "every" / "env", added(tmp_path / "every" / "env"), None, every=True
    )
    assert done.compiled == len(sources)
    assert all(pyc(every / name).is_file() for name in sources)


def value_in(site: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import demo; print(demo.VALUE)"],
        env={**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_a_planted_pyc_of_the_same_size_header_and_time_is_not_used(tmp_path: Path) -> None:
    """What a build's own code (a hook, a build script) writes into the store never reaches a
    later environment: a stored .pyc is taken only when its content is the one its name records."""
    make_env(tmp_path / "first", {"demo/__init__.py": "VALUE = 11\n"})
    store = tmp_path / "store"
    bytecode.compile_installed(tmp_path / "first" / "env", added(tmp_path / "first" / "env"), store)
    (stored,) = store.glob("*/*.pyc")
    # Other code, compiled from a source of the same size, with the stored file's header and times.
    planted_site = make_env(tmp_path / "plant", {"demo/__init__.py": "VALUE = 77\n"})
    bytecode.compile_installed(tmp_path / "plant" / "env", added(tmp_path / "plant" / "env"), None)
    planted = pyc(planted_site / "demo" / "__init__.py").read_bytes()
    original = stored.read_bytes()
    assert len(planted) == len(original) and planted != original
    info = stored.stat()
    with stored.open("r+b") as handle:  # in place: the same inode, the same size
        handle.write(original[:16] + planted[16:])
    os.utime(stored, ns=(info.st_atime_ns, info.st_mtime_ns))
    fresh = make_env(tmp_path / "fresh", {"demo/__init__.py": "VALUE = 11\n"})
    done = bytecode.compile_installed(tmp_path / "fresh" / "env", added(tmp_path / "fresh" / "env"), store)
    assert (done.compiled, done.linked) == (1, 0)
    assert value_in(fresh) == "11"


def test_prune_keeps_what_the_cached_environment_holds(tmp_path: Path) -> None:
    site_a = make_env(tmp_path / "a", {"demo/__init__.py": "VALUE = 1\n"})
    make_env(tmp_path / "b", {"demo/__init__.py": "VALUE = 2\n"})
    store = tmp_path / "bytecode" / "tag"
    bytecode.compile_installed(tmp_path / "a" / "env", added(tmp_path / "a" / "env"), store)
    bytecode.compile_installed(tmp_path / "b" / "env", added(tmp_path / "b" / "env"), store)
    assert len(list(store.glob("*/*.pyc"))) == 2
    (store / "ab").mkdir(exist_ok=True)
    (store / "ab" / "stray.tmp").write_text("left by an interrupted write")
    # The cached environment is a's: the sha256 of each of its files (its manifest's).
    keep = {sha256_of(path) for path in site_a.rglob("*") if path.is_file()}
    assert store_cache.prune(tmp_path / "bytecode", keep) == 2
    assert len(list(store.glob("*/*"))) == 1


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_compiler_that_cannot_start_fails_nothing(tmp_path: Path) -> None:
    """What is not compiled, Python compiles at import: the build goes on."""
    make_env(tmp_path, {"demo/__init__.py": "VALUE = 1\n"})
    (tmp_path / "env" / "bin" / "python").unlink()  # no interpreter to compile with
    done = bytecode.compile_installed(tmp_path / "env", added(tmp_path / "env"), None)
    assert done.compiled == 1 and not list((tmp_path / "env").rglob("*.pyc"))


EXPORTED = 315532801  # 1980-01-01T00:00:01Z: every file's modification time in a CNB image


def loads_from(site: Path, module: str, compiled: Path) -> bool:
    """Python imports the module from this .pyc (python -v names the code object's file)."""
    return f"code object from '{compiled}'" in verbose_import(site, module)


def test_hash_checked_bytecode_survives_the_exporter_and_has_a_store_of_its_own(tmp_path: Path) -> None:
    site = make_env(tmp_path / "first", {"demo/__init__.py": "VALUE = 1\n"})
    cache = tmp_path / "cache"
    store = store_cache.store_dir(cache, "unchecked-hash")
    assert store != store_cache.store_dir(cache) and store_cache.mode_of(store) == "unchecked-hash"
    done = bytecode.compile_installed(
        tmp_path / "first" / "env", added(tmp_path / "first" / "env"), store, "unchecked-hash"
    )
    assert (done.compiled, done.linked) == (1, 0)
    compiled = pyc(site / "demo" / "__init__.py")
    assert compiled.read_bytes()[4:8] == (1).to_bytes(4, "little")  # PEP 552: a hash, not checked
    os.utime(site / "demo" / "__init__.py", (EXPORTED, EXPORTED))
    assert loads_from(site, "demo", compiled)
    kept = compiled.read_bytes()
    # A fresh environment in its place (a layer is built where the image runs it), the same
    # source: from the mode's store, as it was compiled.
    shutil.rmtree(tmp_path / "first")
    other = make_env(tmp_path / "first", {"demo/__init__.py": "VALUE = 1\n"})
    again = bytecode.compile_installed(
        tmp_path / "first" / "env", added(tmp_path / "first" / "env"), store, "unchecked-hash"
    )
    assert (again.compiled, again.linked) == (0, 1)
    assert pyc(other / "demo" / "__init__.py").read_bytes() == kept
    # A timestamp-checked .pyc of the same source is not current in hash mode: compiled again.
    third = make_env(tmp_path / "third", {"demo/__init__.py": "VALUE = 1\n"})
    bytecode.compile_installed(tmp_path / "third" / "env", added(tmp_path / "third" / "env"), None)
    redone = bytecode.compile_installed(
        tmp_path / "third" / "env", added(tmp_path / "third" / "env"), None, "unchecked-hash"
    )
    assert redone.compiled == 1
    assert pyc(third / "demo" / "__init__.py").read_bytes()[4:8] == (1).to_bytes(4, "little")


def test_rehash_makes_current_bytecode_hash_checked_without_compiling(tmp_path: Path) -> None:
    """The runtime's standard library in a CNB layer: its timestamp .pyc files rewritten in place."""
    import py_compile

    root = tmp_path / "lib"
    root.mkdir()
    (root / "kept.py").write_text("VALUE = 1\n")
    (root / "stale.py").write_text("VALUE = 1\n")
    for name in ("kept", "stale"):
        py_compile.compile(str(root / f"{name}.py"))
    body = pyc(root / "kept.py").read_bytes()[16:]
    (root / "stale.py").write_text("VALUE = 22\n")  # changed since it was compiled
    assert store_cache.rehash(str(root), "unchecked-hash") == 1
    assert pyc(root / "kept.py").read_bytes()[16:] == body  # the same code, a new header
    assert pyc(root / "stale.py").read_bytes()[4:8] == bytes(4)  # left to compile at import
    os.utime(root / "kept.py", (EXPORTED, EXPORTED))
    assert loads_from(root, "kept", pyc(root / "kept.py"))


def test_the_packaging_tools_compile_before_the_build_runs_them_leaving_a_shared_file_alone(
    tmp_path: Path,
) -> None:
    """compile_tools: pip's and wheel's modules, with the fixed time and named where the slug runs,
    into the store; nothing more once they are. A module whose file is shared with another tree
    (the cache's, after a restore) is copied apart before its time is set: the other is untouched."""
    sources = {"pip/__init__.py": "A = 1\n", "pip/_internal/main.py": "B = 2\n", "wheel/__init__.py": ""}
    site = make_env(tmp_path / "build", {**sources, "demo/__init__.py": ""})
    env = tmp_path / "build" / "env"
    kept = tmp_path / "cache-copy.py"
    os.link(site / "pip" / "__init__.py", kept)
    was = kept.stat()
    store = tmp_path / "store"
    done = bytecode.compile_tools(env, store, store_cache.TIMESTAMP, at_app(tmp_path / "build"))
    assert (done.compiled, done.linked) == (3, 0)
    assert not pyc(site / "demo" / "__init__.py").exists()  # (only the tools)
    for name in sources:
        flags, mtime, named = code_of(pyc(site / name))
        assert (flags, mtime) == (0, FIXED_TIME) and named.startswith("/app/")
    assert len(list(store.glob("*/*.pyc"))) == 3
    assert kept.stat().st_mtime_ns == was.st_mtime_ns and kept.stat().st_nlink == 1
    assert (site / "pip" / "__init__.py").read_text() == "A = 1\n"
    assert imports_from_bytecode(site, "pip._internal.main")
    assert bytecode.compile_tools(env, store, store_cache.TIMESTAMP, at_app(tmp_path / "build")) == (
        bytecode.Compiled(0, 0)
    )
