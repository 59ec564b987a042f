"""The uv engine (environment/uv.py): pip's settings in uv's names, uv's cache in CACHE_DIR, the real
uv (the pinned wheel from the mirror) installing into a real environment from an index on
127.0.0.1; pip installing a step uv fails, saying so; and what uv linked from its cache made the
environment's own."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import LocalServer, make_venv, make_wheel, seed_wheels, simple_index

from pybuildpack.archives.mirror import Mirror
from pybuildpack.context import Layout, Settings
from pybuildpack.environment import metadata
from pybuildpack.environment.pip import Pip
from pybuildpack.environment.relocate import make_local_installs_portable
from pybuildpack.environment.uv import UvEngine, uv_environment
from pybuildpack.reproducible import FIXED_TIME
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.tools.uv import Uv

ROOT = Path(__file__).resolve().parents[2]


def configured() -> Mirror | None:
    """The mirror the environment configures, as a build reads it."""
    return Mirror.configured(Settings.from_env())


@pytest.fixture(scope="module")
def fetched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """uv's program fetched once from the mirror into a cache, as a build does."""
    cache = tmp_path_factory.mktemp("uv-fetched") / "python"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BUILDPACK_MIRROR_URL", (ROOT / ".mirror").as_uri())
        layout = Layout(cache.parent, cache.parent, ROOT, cache.parent / "work", cache)
        Uv(layout, "amd64", None, configured())
    yield cache / "package-managers"


@pytest.fixture
def layout(tmp_path: Path, fetched: Path, monkeypatch: pytest.MonkeyPatch) -> Layout:
    """A build whose cache holds uv (linked from the fetched copy: no fetch, no mirror)."""
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", (tmp_path / "no-mirror").as_uri())
    cache = tmp_path / "cache" / "python"
    shutil.copytree(fetched, cache / "package-managers", copy_function=os.link)
    app = tmp_path / "build"
    app.mkdir()
    return Layout(app, app, ROOT, tmp_path / "work", cache)


def test_pip_s_settings_become_uv_s_and_the_machine_s_uv_settings_are_dropped(
    layout: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_LINK_MODE", "symlink")
    monkeypatch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/the-machines-index")
    monkeypatch.setenv("UV_COMPILE_BYTECODE", "1")
    pip_config = {
        "PIP_INDEX_URL": "http://127.0.0.1:8/simple",
        "PIP_EXTRA_INDEX_URL": "http://127.0.0.1:7/simple",
        "PIP_FIND_LINKS": "http://127.0.0.1:6/links",
        "PIP_DEFAULT_TIMEOUT": "30",
        "PIP_RETRIES": "2",
        "PIP_TRUSTED_HOST": "127.0.0.1",
        "PIP_PRE": "Yes",
        "PIP_NO_BINARY": "a,b",
        "PIP_ONLY_BINARY": ":all:",
    }
    env, args = uv_environment(layout, Uv(layout, "amd64", None, configured()), pip_config)
    uv = {name: value for name, value in env.items() if name.startswith("UV_")}
    assert layout.cache is not None
    assert uv == {
        "UV_INDEX_URL": "http://127.0.0.1:8/simple",
        "UV_EXTRA_INDEX_URL": "http://127.0.0.1:7/simple",
        "UV_FIND_LINKS": "http://127.0.0.1:6/links",
        "UV_HTTP_TIMEOUT": "30",
        "UV_HTTP_RETRIES": "2",
        "UV_INSECURE_HOST": "127.0.0.1",
        "UV_PRERELEASE": "allow",
        "UV_CACHE_DIR": str(layout.cache / "uv"),
        "UV_LINK_MODE": "hardlink",  # the cache and the build on one filesystem
        "UV_INDEX_STRATEGY": "unsafe-best-match",
        "UV_PYTHON": str(layout.env_python),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
        "UV_SYSTEM_CERTS": "1",
    }
    assert args == ["--no-binary", "a", "--no-binary", "b", "--only-binary", ":all:"]
    assert env["VIRTUAL_ENV"] == str(layout.env)
    env, args = uv_environment(layout, Uv(layout, "amd64", None, configured()), {"PIP_PRE": "0"})
    assert "UV_PRERELEASE" not in env and args == []


def test_uv_installs_and_pip_takes_over_a_step_uv_fails(
    layout: Layout,
    tmp_path: Path,
    local_server: Callable[..., LocalServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wheels = [make_wheel(tmp_path / "wheels", name, "1.0") for name in ("first", "second")]
    index = local_server(root=simple_index(tmp_path / "index", wheels))
    (layout.app / "requirements.txt").write_text("first==1.0\n")
    graph = parse_requirements(layout.app / "requirements.txt", layout.app, {})
    make_venv(layout.env, seed_wheels())
    engine = UvEngine(
        layout, graph, {"PIP_INDEX_URL": index.url}, (), Uv(layout, "amd64", None, configured())
    )
    before = metadata.snapshot(layout.env)

    assert engine.install(["-r", "requirements.txt"]) == "uv 0.13.9"
    assert metadata.installed(layout.env)["first"] == "1.0"
    assert layout.cache is not None and (layout.cache / "uv").is_dir()  # uv's cache in CACHE_DIR
    # uv linked the wheel's files from its cache; detached, they are the environment's own
    added = metadata.installed_since(layout.env, before)
    assert any(path.stat().st_nlink > 1 for path in added)
    assert engine.detach(added) > 0
    assert all(path.stat().st_nlink == 1 for path in added if not path.is_symlink())

    capsys.readouterr()
    monkeypatch.setenv("BUILDPACK_TEST_BREAK", "uv")  # uv's run fails, as the integration suite makes it
    assert engine.install(["second==1.0"]) == f"pip {metadata.installed(layout.env)['pip']} (uv failed)"
    out = capsys.readouterr().out
    assert (
        "       uv could not install this step: pip installs it instead (pip's semantics, its messages)\n"
        in out
    )
    assert "Successfully installed second-1.0" in out
    assert metadata.installed(layout.env)["second"] == "1.0"


@pytest.mark.parametrize("fixture", ["pyproject-app", "setup-py-app"])
def test_an_app_that_is_a_package_gets_the_same_distributions_from_uv_as_from_pip(
    fixture: str,
    layout: Layout,
    tmp_path: Path,
    local_server: Callable[..., LocalServer],
) -> None:
    """The app itself a package (pyproject.toml; setup.py), installed as a build installs it
    (`.`, built in isolation from the index): the same distributions and versions with either
    engine. (engine_uv.bats built both fixtures cold with each engine.)"""
    six = make_wheel(tmp_path / "wheels", "six", "1.17.0")
    index = local_server(root=simple_index(tmp_path / "index", [six, *seed_wheels()]))
    installed = {}
    for name in ("pip", "uv"):
        app = tmp_path / name
        shutil.copytree(ROOT / "test" / "fixtures" / fixture, app)
        (app / "requirements.txt").write_text("")
        built = Layout(app, app, ROOT, tmp_path / f"work-{name}", layout.cache)
        graph = parse_requirements(app / "requirements.txt", app, {})
        make_venv(built.env, seed_wheels())
        config = {"PIP_INDEX_URL": index.url}
        if name == "pip":
            by = Pip(built, graph, config).install(["."])
        else:
            by = UvEngine(built, graph, config, (), Uv(built, "amd64", None, configured())).install(["."])
        assert by.startswith(name)
        installed[name] = metadata.installed(built.env)
    assert installed["uv"] == installed["pip"]
    assert installed["pip"][fixture] == "1.0" and installed["pip"]["six"] == "1.17.0"


def test_a_local_path_requirement_leaves_the_same_dist_info_in_any_build_directory(
    layout: Layout,
    tmp_path: Path,
    local_server: Callable[..., LocalServer],
) -> None:
    """`./pkg` (the pyproject-app fixture) installed by uv in two build directories, and by pip:
    its direct_url.json names it where the slug runs it (file:///app/pkg), uv's uv_cache.json
    holds the fixed time, not the checkout's, and their RECORD rows follow
    (relocate.make_local_installs_portable): uv's dist-info is the same, byte for byte."""
    six = make_wheel(tmp_path / "wheels", "six", "1.17.0")
    index = local_server(root=simple_index(tmp_path / "index", [six, *seed_wheels()]))
    found = {}
    for name, where in (("uv", "build_one"), ("uv", "another_build"), ("pip", "pip_build")):
        build = tmp_path / where
        shutil.copytree(ROOT / "test" / "fixtures" / "pyproject-app", build / "pkg")
        (build / "requirements.txt").write_text("./pkg\n")
        built = Layout(build, build, ROOT, tmp_path / f"work-{where}", layout.cache)
        graph = parse_requirements(build / "requirements.txt", build, {})
        make_venv(built.env, seed_wheels())
        args, config = ["-r", str(build / "requirements.txt")], {"PIP_INDEX_URL": index.url}
        if name == "pip":
            Pip(built, graph, config).install(args)
        else:
            UvEngine(built, graph, config, (), Uv(built, "amd64", None, configured())).install(args)
        assert make_local_installs_portable(built.env, built.runs_from) >= 1
        info = next(built.env.glob("lib/python*/site-packages/pyproject_app-1.0.dist-info"))
        found[where] = {path.name: path.read_bytes() for path in info.iterdir()}
        assert str(build).encode() not in b"".join(found[where].values())
    assert found["build_one"] == found["another_build"]
    for where in ("build_one", "pip_build"):
        assert json.loads(found[where]["direct_url.json"])["url"] == "file:///app/pkg"
    cache = json.loads(found["build_one"]["uv_cache.json"])
    assert cache["timestamp"] == {"secs_since_epoch": FIXED_TIME, "nanos_since_epoch": 0}
    for where in ("build_one", "pip_build"):
        data = found[where]["direct_url.json"]
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (
            f"pyproject_app-1.0.dist-info/direct_url.json,sha256={digest},{len(data)}"
            in found[where]["RECORD"].decode()
        )
