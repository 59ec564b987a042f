"""install, the core's second run, on a real environment with the real pip and an index on
127.0.0.1: when uv can't be had (the mirror's copy is damaged), pip installs, and the report says
why; when pip's cache holds a damaged wheel (a truncated copy of the wheel pip would have built from
the sdist, where pip's own code keeps it), the cache is emptied once, the install retried, and the
build succeeds."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import LocalServer, make_venv, seed_wheels, simple_index

from pybuildpack.commands.install import install
from pybuildpack.context import Layout, Settings
from pybuildpack.environment import metadata
from pybuildpack.state import State

ROOT = Path(__file__).resolve().parents[2]


def sdist(directory: Path, name: str, version: str) -> Path:
    """An sdist pip builds with setuptools (which the index serves, for build isolation)."""
    files = {
        "pyproject.toml": (
            '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\n'
        ),
        f"{name}.py": f"VERSION = {version!r}\n",
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for relative, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{relative}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_without_uv_pip_installs_and_a_damaged_wheel_in_its_cache_is_emptied_once_and_retried(
    tmp_path: Path,
    local_server: Callable[..., LocalServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "tools").mkdir(parents=True)
    shutil.copy(ROOT / ".mirror" / "index.txt", mirror)
    for wheel in (ROOT / ".mirror" / "tools").glob("uv-*.whl"):
        (mirror / "tools" / wheel.name).write_bytes(wheel.read_bytes()[:4096])  # its checksum fails
        shutil.copy(wheel.with_name(wheel.name + ".sha256"), mirror / "tools")
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", mirror.as_uri())
    distributions = [*seed_wheels(), sdist(tmp_path / "sdists", "tiny", "0.1")]  # setuptools to build tiny
    index = local_server(root=simple_index(tmp_path / "index", distributions))
    build, work, config = tmp_path / "build", tmp_path / "work", tmp_path / "env"
    for directory in (build / ".heroku", work, config):
        directory.mkdir(parents=True)
    (build / ".heroku" / "python").symlink_to(sys.base_prefix)  # the runtime: the tests' interpreter
    (build / "requirements.txt").write_text("tiny==0.1\n")
    (config / "PIP_INDEX_URL").write_text(index.url)
    layout = Layout(build, build, ROOT, work, tmp_path / "cache" / "python", config)
    make_venv(layout.env, seed_wheels())  # the environment restored from the cache (a sync)
    version = ".".join(map(str, sys.version_info[:3]))
    State(version, ".python-version", "heroku-24", "amd64", environment="sync").write(work)
    # A wheel of tiny in pip's cache, where pip keeps what it built from the index's sdist: truncated.
    assert layout.cached("pip") is not None
    where = subprocess.run(
        [
            str(layout.env_python),
            "-c",
            "import sys; from pip._internal.cache import SimpleWheelCache; "
            "from pip._internal.models.link import Link; "
            "print(SimpleWheelCache(sys.argv[1]).get_path_for_link(Link(sys.argv[2])))",
            str(layout.cached("pip")),
            f"{index.url}/tiny/tiny-0.1.tar.gz",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    damaged = Path(where) / "tiny-0.1-py3-none-any.whl"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"PK\x03\x04 truncated")
    state = State.read(work)
    assert state is not None
    capsys.readouterr()

    install(layout, replace(Settings.from_env(), installer="uv"), state)

    out = capsys.readouterr().out
    assert "       Installing with pip, not uv: uv could not be fetched (Checksum mismatch for uv" in out
    assert "is invalid" in out  # pip's own words, shown
    assert "-----> pip's cache held a damaged file: it was emptied. Retrying\n" in out
    assert out.count("Retrying") == 1
    assert metadata.installed(layout.env)["tiny"] == "0.1"
    saved = State.read(work)
    assert saved is not None
    pip = f"pip {metadata.installed(layout.env)['pip']} (uv could not be fetched (Checksum mismatch for uv"
    assert [(step.step, step.engine[: len(pip)]) for step in saved.installs] == [
        ("dependencies from requirements.txt", pip)
    ]
    assert damaged.stat().st_size > 100  # what pip built on the retry
