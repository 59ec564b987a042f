from __future__ import annotations

import errno
import hashlib
import importlib.util
import os
import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

from pybuildpack.archives.install import install_libraries, install_runtime
from pybuildpack.archives.names import archive_name
from pybuildpack.cache import bytecode
from pybuildpack.context import Layout, Settings
from pybuildpack.errors import BuildError
from pybuildpack.state import LibraryUse

STACK, ARCH, VERSION = "debian-12", "amd64", "3.13.5"
RUNTIME = archive_name("python", VERSION, STACK, ARCH)
PYTHON = {"bin/python3": "#!/bin/sh\nexit 0\n", "lib/python3.13/os.py": "# the standard library\n"}
MEMCACHED = LibraryUse("libmemcached", "1.1.4", "pylibmc")
LZO = LibraryUse("lzo2", "2.10", "python-lzo")


def publish(mirror: Path, name: str, files: dict[str, str] | None, tmp: Path) -> None:
    """A .tar.zst of files (raw garbage when None) and its .sha256 on the mirror."""
    mirror.mkdir(parents=True, exist_ok=True)
    archive = mirror / name
    if files is None:
        archive.write_bytes(b"this is no tarball\n" * 20)
    else:
        tree = tmp / f"tree-{name}"
        for relative, text in files.items():
            (tree / relative).parent.mkdir(parents=True, exist_ok=True)
            (tree / relative).write_text(text)
            if relative.startswith("bin/"):
                (tree / relative).chmod(0o755)
        subprocess.run(["tar", "--zstd", "-cf", str(archive), "-C", str(tree), "."], check=True)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (mirror / f"{name}.sha256").write_text(f"{digest}  {name}\n")


def library_files(library: LibraryUse) -> dict[str, str]:
    return {
        f"lib/{library.name}.so": f"{library.name} {library.version}\n",
        f"include/{library.name}.h": "/* header */\n",
    }


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "mirror"
    root.mkdir()
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", root.as_uri())
    return root


def settings() -> Settings:
    """The settings naming the mirror the fixture configured, as a build reads them."""
    return Settings.from_env()


def make_layout(tmp_path: Path, build: str = "build") -> Layout:
    layout = Layout(
        app=tmp_path / build,
        build=tmp_path / build,
        buildpack=tmp_path / "buildpack",
        work=tmp_path / f"work-{build}",
        cache=tmp_path / "cache" / "python",
    )
    layout.build.mkdir(parents=True, exist_ok=True)
    layout.scratch.mkdir(parents=True, exist_ok=True)
    return layout


def test_first_install_downloads_and_caches(
    tmp_path: Path, mirror: Path, capsys: pytest.CaptureFixture
) -> None:
    publish(mirror, RUNTIME, PYTHON, tmp_path)
    layout = make_layout(tmp_path)
    install_runtime(layout, settings(), VERSION, STACK, ARCH)
    assert f"Downloading {RUNTIME}" in capsys.readouterr().out
    assert (layout.runtime / "lib/python3.13/os.py").read_text() == PYTHON["lib/python3.13/os.py"]
    assert layout.runtime_python.stat().st_mode & 0o111
    cache = layout.cache
    assert cache is not None
    assert (cache / "runtimes" / RUNTIME).read_bytes() == (mirror / RUNTIME).read_bytes()
    # the record: the mirror's checksum, and the cached copy's size and time (checked without hashing)
    cached = cache / "runtimes" / RUNTIME
    digest, size, mtime = (cache / "runtimes" / f"{RUNTIME}.sha256").read_text().split()
    assert digest == (mirror / f"{RUNTIME}.sha256").read_text().split()[0]
    assert [size, mtime] == [str(cached.stat().st_size), str(cached.stat().st_mtime_ns)]
    assert (cache / "runtime-tree" / RUNTIME / "bin" / "python3").is_file()
    assert sorted(p.name for p in (layout.build / ".heroku").iterdir()) == ["python"]


def test_second_install_reuses_the_cached_tree(
    tmp_path: Path, mirror: Path, capsys: pytest.CaptureFixture
) -> None:
    publish(mirror, RUNTIME, PYTHON, tmp_path)
    install_runtime(make_layout(tmp_path, "build1"), settings(), VERSION, STACK, ARCH)
    for path in mirror.iterdir():
        path.unlink()  # nothing to download from now on
    capsys.readouterr()
    layout = make_layout(tmp_path, "build2")
    install_runtime(layout, settings(), VERSION, STACK, ARCH)
    out = capsys.readouterr().out
    assert "(cached runtime, no download)" in out
    assert "Downloading" not in out
    assert layout.cache is not None
    kept = layout.cache / "runtime-tree" / RUNTIME
    # The installed files are the kept tree's (hard links), not a fresh unpacking.
    assert layout.runtime_python.samefile(kept / "bin" / "python3")
    assert not (layout.runtime / ".manifest.json").exists()


def test_a_damaged_kept_tree_is_unpacked_again(
    tmp_path: Path, mirror: Path, capsys: pytest.CaptureFixture
) -> None:
    publish(mirror, RUNTIME, PYTHON, tmp_path)
    layout = make_layout(tmp_path)
    install_runtime(layout, settings(), VERSION, STACK, ARCH)
    assert layout.cache is not None
    (layout.cache / "runtime-tree" / RUNTIME / "lib/python3.13/os.py").unlink()
    capsys.readouterr()
    install_runtime(make_layout(tmp_path, "build2"), settings(), VERSION, STACK, ARCH)
    out = capsys.readouterr().out
    assert "(cached runtime, no download)" in out and "Downloading" not in out
    assert (tmp_path / "build2/.heroku/python/lib/python3.13/os.py").read_text() == "# the standard library\n"


def test_a_changed_cached_archive_is_fetched_again(
    tmp_path: Path, mirror: Path, capsys: pytest.CaptureFixture
) -> None:
    publish(mirror, RUNTIME, PYTHON, tmp_path)
    install_runtime(make_layout(tmp_path), settings(), VERSION, STACK, ARCH)
    cached = tmp_path / "cache/python/runtimes" / RUNTIME
    cached.write_bytes(cached.read_bytes()[:-10] + b"0123456789")
    capsys.readouterr()
    install_runtime(make_layout(tmp_path, "build2"), settings(), VERSION, STACK, ARCH)
    out = capsys.readouterr().out
    assert "discarding the cached runtime: checksum mismatch" in out
    assert f"Downloading {RUNTIME}" in out
    assert cached.read_bytes() == (mirror / RUNTIME).read_bytes()
    assert (tmp_path / "build2/.heroku/python/bin/python3").is_file()


def test_a_new_version_replaces_the_cached_one(tmp_path: Path, mirror: Path) -> None:
    older = archive_name("python", "3.12.9", STACK, ARCH)
    publish(mirror, older, PYTHON, tmp_path)
    publish(mirror, RUNTIME, PYTHON, tmp_path)
    install_runtime(make_layout(tmp_path), settings(), "3.12.9", STACK, ARCH)
    install_runtime(make_layout(tmp_path, "build2"), settings(), VERSION, STACK, ARCH)
    cache = tmp_path / "cache" / "python"
    assert sorted(p.name for p in (cache / "runtimes").iterdir()) == [RUNTIME, f"{RUNTIME}.sha256"]
    assert [p.name for p in (cache / "runtime-tree").iterdir()] == [RUNTIME]


def test_a_damaged_archive_leaves_nothing_half_unpacked(tmp_path: Path, mirror: Path) -> None:
    publish(mirror, RUNTIME, None, tmp_path)
    layout = make_layout(tmp_path)
    with pytest.raises(BuildError) as caught:
        install_runtime(layout, settings(), VERSION, STACK, ARCH)
    assert caught.value.code == "runtime::archive-damaged"
    assert list((layout.build / ".heroku").iterdir()) == []
    assert not (tmp_path / "cache/python/runtimes" / RUNTIME).exists()


@pytest.mark.parametrize("files", [{"lib/python3.13/os.py": ""}, {"bin/python3": "#!/bin/sh\nexit 1\n"}])
def test_an_archive_without_a_working_python3_is_no_runtime(
    tmp_path: Path, mirror: Path, files: dict[str, str]
) -> None:
    publish(mirror, RUNTIME, files, tmp_path)
    layout = make_layout(tmp_path)
    with pytest.raises(BuildError) as caught:
        install_runtime(layout, settings(), VERSION, STACK, ARCH)
    assert caught.value.code == "runtime::not-a-runtime"
    assert list((layout.build / ".heroku").iterdir()) == []


def test_libraries_land_in_vendor_and_the_cache_keeps_the_last_ones(
    tmp_path: Path, mirror: Path, capsys: pytest.CaptureFixture
) -> None:
    for library in (MEMCACHED, LZO):
        publish(
            mirror, archive_name(library.name, library.version, STACK, ARCH), library_files(library), tmp_path
        )
    layout = make_layout(tmp_path)
    install_libraries(layout, settings(), [MEMCACHED, LZO], STACK, ARCH)
    for library in (MEMCACHED, LZO):
        assert (layout.natives / library.name / "lib" / f"{library.name}.so").is_file()
        assert (layout.natives / library.name / "include" / f"{library.name}.h").is_file()
    assert sorted(p.name for p in layout.natives.iterdir()) == ["libmemcached", "lzo2"]
    capsys.readouterr()
    install_libraries(make_layout(tmp_path, "build2"), settings(), [LZO], STACK, ARCH)
    assert "lzo2 2.10: cached archive, no download" in capsys.readouterr().out
    lzo = archive_name("lzo2", "2.10", STACK, ARCH)
    assert sorted(p.name for p in (tmp_path / "cache/python/libraries").iterdir()) == [lzo, f"{lzo}.sha256"]


def test_a_library_archive_without_lib_is_damaged(tmp_path: Path, mirror: Path) -> None:
    name = archive_name("lzo2", "2.10", STACK, ARCH)
    publish(mirror, name, {"include/lzo2.h": "/* header */\n"}, tmp_path)
    layout = make_layout(tmp_path)
    with pytest.raises(BuildError) as caught:
        install_libraries(layout, settings(), [LZO], STACK, ARCH)
    assert caught.value.code == "natives::archive-damaged"
    assert list(layout.natives.iterdir()) == []
    assert not (tmp_path / "cache/python/libraries" / name).exists()


def test_what_the_mirror_says_an_archive_was_built_from_is_kept_with_it(
    tmp_path: Path, mirror: Path, capsys: pytest.CaptureFixture
) -> None:
    """NAME.source (builds/mirror.sh's) goes with its archive into the cache and into the runtime's
    mark or the library's use, from a download or the cache; a mirror without one gives ""."""
    from pybuildpack.committed import runtime_mark, runtime_source

    lzo = archive_name("lzo2", "2.10", STACK, ARCH)
    publish(mirror, RUNTIME, PYTHON, tmp_path)
    publish(mirror, lzo, library_files(LZO), tmp_path)
    publish(mirror, archive_name("libmemcached", "1.1.4", STACK, ARCH), library_files(MEMCACHED), tmp_path)
    (mirror / f"{RUNTIME}.source").write_text("python3.13 3.13.5-1\n")
    (mirror / f"{lzo}.source").write_text("lzo2 2.10-3\n")
    runtime_sha, lzo_sha = ((mirror / f"{name}.sha256").read_text().split()[0] for name in (RUNTIME, lzo))
    for build in ("build1", "build2"):  # a download, then the cache's copy
        layout = make_layout(tmp_path, build)
        install_runtime(layout, settings(), VERSION, STACK, ARCH)
        found = install_libraries(layout, settings(), [LZO, MEMCACHED], STACK, ARCH)
        assert runtime_source(layout.runtime) == "python3.13 3.13.5-1"
        assert runtime_mark(layout.runtime) == (RUNTIME, runtime_sha)
        assert found == {
            "lzo2": (lzo_sha, "lzo2 2.10-3"),
            "libmemcached": (found["libmemcached"][0], ""),
        }
        for path in mirror.iterdir():
            path.unlink()  # the second build downloads nothing
    cached = sorted(p.name for p in (tmp_path / "cache/python/libraries").iterdir())
    assert f"{lzo}.source" in cached
    install_libraries(make_layout(tmp_path, "build3"), settings(), [MEMCACHED], STACK, ARCH)
    assert not (tmp_path / "cache/python/libraries" / f"{lzo}.source").exists()  # gone with its archive


def publish_compiled(mirror: Path, tmp: Path, os_mode: str) -> None:
    """A runtime whose python3 is this interpreter, with os and json compiled: os in os_mode (what
    the runtime ships), json timestamp-checked (current for its source)."""
    tree = tmp / "tree-compiled"
    stdlib = tree / "lib/python3.13"
    stdlib.mkdir(parents=True)
    (tree / "bin").mkdir()
    (tree / "bin/python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (tree / "bin/python3").chmod(0o755)
    for module, mode in (("os", os_mode), ("json", "timestamp")):
        source = stdlib / f"{module}.py"
        source.write_text(f"NAME = {module!r}\n")
        checked = py_compile.PycInvalidationMode[mode.upper().replace("-", "_")]
        py_compile.compile(
            str(source), importlib.util.cache_from_source(str(source)), invalidation_mode=checked
        )
    subprocess.run(["tar", "--zstd", "-cf", str(mirror / RUNTIME), "-C", str(tree), "."], check=True)
    digest = hashlib.sha256((mirror / RUNTIME).read_bytes()).hexdigest()
    (mirror / f"{RUNTIME}.sha256").write_text(f"{digest}  {RUNTIME}\n")


@pytest.mark.parametrize(
    ("shipped", "json_after"), [("unchecked-hash", "timestamp"), ("timestamp", "unchecked-hash")]
)
def test_cnb_uses_a_runtime_with_hash_based_bytecode_as_it_is(
    tmp_path: Path, mirror: Path, shipped: str, json_after: str
) -> None:
    """CNB's layers need hash-based bytecode (the exporter resets the files' times): a runtime that
    ships it (this project's, Heroku's since 2022) is used as it is, an older one is rewritten."""
    publish_compiled(mirror, tmp_path, shipped)
    plain = make_layout(tmp_path)
    layers = tmp_path / "layers"
    layout = Layout(plain.app, plain.build, plain.buildpack, plain.work, plain.cache, layers=layers)
    install_runtime(layout, settings(), VERSION, STACK, ARCH)
    stdlib = layout.runtime / "lib/python3.13"
    compiled = {
        module: bytecode.mode_of_pyc(Path(importlib.util.cache_from_source(str(stdlib / f"{module}.py"))))
        for module in ("os", "json")
    }
    assert compiled == {"os": "unchecked-hash", "json": json_after}


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs: run as root")
def test_a_full_disk_while_unpacking_is_no_damaged_archive(tmp_path: Path, mirror: Path) -> None:
    """Trial 58 through bin/build (the layers on a full file system): tar's 'No space left on
    device' was 'The Python archive is damaged', and the good archive was thrown away. It is the
    machine's: the build's I/O error (__main__: 'The build could not use a file it needs'), the
    cached archive kept, nothing half unpacked."""
    publish(mirror, RUNTIME, {**PYTHON, "lib/big.bin": os.urandom(3 << 20).hex()}, tmp_path)
    layout = make_layout(tmp_path)
    slug = layout.build / ".heroku"
    slug.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(slug)], check=True)
    try:
        with pytest.raises(OSError) as caught:
            install_runtime(layout, settings(), VERSION, STACK, ARCH)
        assert caught.value.errno == errno.ENOSPC
        assert list(slug.iterdir()) == []
    finally:
        subprocess.run(["umount", str(slug)], check=True)
    assert (tmp_path / "cache/python/runtimes" / RUNTIME).is_file()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs: run as root")
def test_a_cache_too_full_for_the_archive_is_warned_about_and_the_download_used(
    tmp_path: Path, mirror: Path, capsys: pytest.CaptureFixture
) -> None:
    """A CACHE_DIR that can't hold the runtime's archive (a real full file system; compile.bats'
    "a full CACHE_DIR" built the whole app on one): the build goes on from the download, says
    once that the archive was not kept, and leaves no part of it in the cache."""
    publish(mirror, RUNTIME, {**PYTHON, "lib/big.bin": os.urandom(3 << 20).hex()}, tmp_path)
    layout = make_layout(tmp_path)
    assert layout.cache is not None
    layout.cache.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(layout.cache)], check=True)
    try:
        install_runtime(layout, settings(), VERSION, STACK, ARCH)
        said = capsys.readouterr()
        out = said.out + said.err
        assert out.count(f"Could not save {RUNTIME} in the build cache (is it full?)") == 1
        assert "This build is fine; the next one downloads it again." in out
        assert not list((layout.cache / "runtimes").glob(f"{RUNTIME}*"))
    finally:
        subprocess.run(["umount", str(layout.cache)], check=True)
    assert (layout.runtime / "lib/python3.13/os.py").read_text() == PYTHON["lib/python3.13/os.py"]
