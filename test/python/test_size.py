"""The size of what a build hands on (size.py), measured by du on real trees: a distribution of
1,001 MB is a real installed wheel whose data file is then made that long, sparse (du counts a
file's length, as a tarball of the slug holds it, so no 1,001 MB is written)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import tomllib
from conftest import make_venv, make_wheel

from pybuildpack import size
from pybuildpack.cache import layers
from pybuildpack.context import Layout, Settings

MB = size.MB


def layout_of(root: Path, *, layers: bool = False) -> Layout:
    build = root / ("workspace" if layers else "build")
    build.mkdir(parents=True)
    (build / "app.py").write_bytes(b"x" * 2 * MB)
    return Layout(
        app=build,
        build=build,
        buildpack=root / "buildpack",
        work=root / "work",
        cache=None,
        layers=root / "layers" if layers else None,
    )


def install(layout: Layout, tmp_path: Path) -> Path:
    """The runtime (a directory of 1 MB) and an environment with six distributions: big (a 3 MB
    data file), mid (1 MB and a module), and four smaller ones; site-packages."""
    layout.runtime.mkdir(parents=True)
    (layout.runtime / "libpython.a").write_bytes(b"r" * MB)
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "big", "2.0", {"big/__init__.py": "", "big/data.bin": "placeholder"})
    make_wheel(wheels, "mid", "1.0", {"mid/__init__.py": "VALUE = 1\n", "mid/data.bin": "m" * MB})
    make_wheel(wheels, "small", "1.0", {"small.py": "#" * 200_000})
    make_wheel(wheels, "little", "1.0", {"little.py": "#" * 100_000})
    make_wheel(wheels, "tiny", "0.1", {"tiny.py": "#" * 1_000})
    make_wheel(wheels, "least", "0.1", {"least.py": ""})
    make_venv(layout.env, sorted(wheels.glob("*.whl")))
    (site,) = layout.env.glob("lib/python*/site-packages")
    os.truncate(site / "big" / "data.bin", 3 * MB)
    return site


def measured(layout: Layout) -> list[tuple[str, int]]:
    sizes = size.start(layout).sizes()
    assert sizes is not None
    return sizes


def test_the_slug_is_measured_by_part_each_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = layout_of(tmp_path)
    site = install(layout, tmp_path)
    # a file the app links to in the environment (as a hook may) is counted once, in the environment
    os.link(site / "mid" / "data.bin", layout.build / "linked.bin")
    sizes = dict(measured(layout))
    assert list(sizes) == [".heroku/python", ".heroku/venv", "the app"]
    assert MB <= sizes[".heroku/python"] < MB + 10_000
    assert 4 * MB <= sizes[".heroku/venv"] < 5 * MB
    assert 2 * MB <= sizes["the app"] < 2 * MB + 20_000  # (directories count their own few KB)
    size.tell(layout, size.start(layout), 300)
    said = capsys.readouterr()
    assert said.out.startswith("-----> Slug size: 7.")
    assert "(.heroku/python 1.0 MB, .heroku/venv 4." in said.out and ", the app 2.0 MB)" in said.out
    assert said.err == ""  # under the warning size: nothing more


def test_above_the_warning_size_the_largest_distributions_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = layout_of(tmp_path)
    site = install(layout, tmp_path)
    os.truncate(site / "big" / "data.bin", 1001 * MB)  # sparse: nothing written
    size.tell(layout, size.start(layout), Settings().slug_size_warning)  # the default warning size
    said = capsys.readouterr()
    assert said.out.startswith("-----> Slug size: 1,005 MB (.heroku/python 1.0 MB, .heroku/venv 1,002 MB")
    lines = [line.removeprefix(" !     ") for line in said.err.strip("\n").splitlines()]
    assert lines[0] == "Warning: The slug is 1,005 MB, over 1,000 MB (BUILDPACK_SLUG_SIZE_WARNING)"
    listed = lines[lines.index("The largest installed distributions:") + 1 :][:6]
    assert [line.split()[:2] for line in listed[:5]] == [
        ["big", "2.0"],
        ["mid", "1.0"],
        ["small", "1.0"],
        ["little", "1.0"],
        ["tiny", "0.1"],
    ]
    assert listed[5].startswith("To make it smaller")  # five, not least
    assert listed[0].split()[2:] == ["1,001", "MB"] and listed[1].split()[2:] == ["1.0", "MB"]
    assert any(".slugignore" in line for line in lines)
    assert any("lighter build" in line for line in lines)


def test_a_distributions_size_counts_the_bytecode_the_build_compiled(tmp_path: Path) -> None:
    layout = layout_of(tmp_path)
    site = install(layout, tmp_path)
    before = dict(size.largest(layout.env, size.start(layout).each(), 10))
    # (no RECORD lists the build's bytecode; it is the runtime's, not the interpreter's running finish)
    (site / "mid" / "__pycache__").mkdir()
    (site / "mid" / "__pycache__" / "__init__.cpython-399.pyc").write_bytes(b"\0" * 50_000)
    (site / "mid" / "__pycache__" / "data.cpython-399.pyc").write_bytes(b"\0" * 7)  # (data.bin's: no)
    after = dict(size.largest(layout.env, size.start(layout).each(), 10))
    assert after["mid 1.0"] - before["mid 1.0"] == 50_000
    assert after["big 2.0"] == before["big 2.0"]


def test_with_layers_the_launch_layers_and_the_app_are_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = layout_of(tmp_path, layers=True)
    site = install(layout, tmp_path)
    (layout.natives / "libmemcached" / "lib").mkdir(parents=True)
    (layout.natives / "libmemcached" / "lib" / "libmemcached.so").write_bytes(b"n" * MB)
    (layout.layers / "cache").mkdir()  # a cache-only layer: not in the image
    (layout.layers / "cache" / "wheel").write_bytes(b"c" * 5 * MB)
    assert [name for name, _ in measured(layout)] == ["python", "venv", "natives", "the app"]
    os.truncate(site / "big" / "data.bin", 2 * MB)
    size.tell(layout, size.start(layout), 5)
    said = capsys.readouterr()
    assert said.out.startswith("-----> Image size: 7.")
    assert "in the launch layers and the app (python 1.0 MB, venv 3." in said.out
    assert "natives 1.0 MB, the app 2.0 MB), the run image besides" in said.out
    assert "The app's launch layers and files are 7." in said.err and "over 5.0 MB" in said.err
    assert "project.toml's [io.buildpacks] exclude" in said.err and ".slugignore" not in said.err


def test_an_environment_layer_reused_as_it_is_keeps_the_size_measured_when_it_was_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CNB: the build that writes the environment's layer records du's size of it in its metadata
    (the rest of the metadata and the types kept); a build that reuses it unchanged takes that
    size and walks only what can change (the runtime's layer, the app)."""
    layout = layout_of(tmp_path, layers=True)
    site = install(layout, tmp_path)
    assert layout.layers is not None
    layers.write(layout.layers, "venv", {"launch", "cache"}, {"fingerprint": "f1"})
    written = size.start(layout)
    size.keep(layout, written)
    venv = dict(written.sizes() or [])["venv"]
    assert 4 * MB <= venv < 5 * MB
    assert layers.recorded_size(layout.layers, "venv") == venv
    assert layers.metadata(layout.layers, "venv") == {"fingerprint": "f1", "size": venv}
    assert tomllib.loads((layout.layers / "venv.toml").read_text())["types"] == {
        "launch": True,
        "build": False,
        "cache": True,
    }

    # Reused as it is: the recorded size, not a walk (the environment's content changed here
    # behind the build's back only to tell the two apart); the app's new file is counted.
    os.truncate(site / "big" / "data.bin", 1 * MB)
    (layout.build / "more.bin").write_bytes(b"m" * MB)
    reused = size.start(layout, unchanged=True)
    assert reused.known == {"venv": venv}
    sizes = dict(reused.sizes() or [])
    assert sizes["venv"] == venv and 3 * MB <= sizes["the app"] < 3 * MB + 20_000
    size.keep(layout, reused)  # (nothing measured: nothing recorded)
    assert layers.recorded_size(layout.layers, "venv") == venv
    # Not reused as it is (a sync, a hook's edit): walked and recorded again.
    size.keep(layout, changed := size.start(layout))
    assert dict(changed.sizes() or [])["venv"] == venv - 2 * MB == layers.recorded_size(layout.layers, "venv")

    # Past the warning size, the largest distributions are still named from a walk of the layer.
    size.tell(layout, size.start(layout, unchanged=True), 1)
    said = capsys.readouterr()
    assert "venv 2." in said.out
    assert re.search(r"mid 1\.0 +1\.0 MB", said.err) and re.search(r"big 2\.0 +1\.0 MB", said.err)


def test_an_unusable_recorded_size_is_measured(tmp_path: Path) -> None:
    layout = layout_of(tmp_path, layers=True)
    install(layout, tmp_path)
    assert layout.layers is not None
    for recorded in ("big", -1, True):
        layers.write(layout.layers, "venv", {"cache"}, {"fingerprint": "f1", "size": recorded})
        assert layers.recorded_size(layout.layers, "venv") is None
        assert size.start(layout, unchanged=True).known == {}
    (layout.layers / "venv.toml").unlink()
    size.keep(layout, size.start(layout))  # (no metadata file: none written)
    assert not (layout.layers / "venv.toml").exists()


def test_without_du_nothing_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = layout_of(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    size.tell(layout, size.start(layout), 0)
    assert capsys.readouterr() == ("", "")


def test_sizes_are_shown_in_mb() -> None:
    assert [size.shown(n) for n in (0, 2_345_678, 9_949_999, 10 * MB, 1_234_567_890)] == [
        "0.0 MB",
        "2.3 MB",
        "9.9 MB",
        "10 MB",
        "1,235 MB",
    ]
