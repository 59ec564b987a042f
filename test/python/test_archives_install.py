from __future__ import annotations

import errno
import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from pybuildpack.archives.install import install_libraries, install_runtime
from pybuildpack.archives.names import archive_name
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
