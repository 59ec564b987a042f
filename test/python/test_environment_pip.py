"""The pip engine (environment/pip.py): pip runs with the app's allow-listed settings and nothing of
the build machine's pip configuration but how to reach the network; its failure is summarized
with the requirement's line and a reason code. The real pip, in a real environment."""

from __future__ import annotations

import importlib.util
import marshal
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LocalServer, make_venv, make_wheel, seed_wheels, simple_index

from pybuildpack.context import Layout
from pybuildpack.environment import metadata
from pybuildpack.environment.pip import Pip, pip_environment
from pybuildpack.environment.pipfailure import InstallFailed
from pybuildpack.reproducible import FIXED_TIME
from pybuildpack.requirements.parse import parse_requirements

ROOT = Path(__file__).resolve().parents[2]


def layout_of(tmp_path: Path, cache: bool = True) -> Layout:
    app = tmp_path / "build"
    app.mkdir(exist_ok=True)
    return Layout(app, app, ROOT, tmp_path / "work", tmp_path / "cache" / "python" if cache else None)


def test_pip_runs_with_the_app_s_settings_and_the_machine_s_network_settings_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in os.environ if name.startswith("PIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/the-machines-index")
    monkeypatch.setenv("PIP_REQUIRE_VIRTUALENV", "1")
    monkeypatch.setenv("PIP_DEFAULT_TIMEOUT", "60")
    monkeypatch.setenv("PIP_CERT", "/etc/corporate-ca.pem")
    monkeypatch.setenv("PIP_PROXY", "http://proxy.invalid:3128")
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
        monkeypatch.setenv(name, "/elsewhere")
    layout = layout_of(tmp_path)
    env = pip_environment(layout, {"PIP_INDEX_URL": "http://127.0.0.1:8/the-apps-index"})
    pip = {name: value for name, value in env.items() if name.startswith("PIP_")}
    assert pip == {
        "PIP_INDEX_URL": "http://127.0.0.1:8/the-apps-index",
        "PIP_CERT": "/etc/corporate-ca.pem",
        "PIP_PROXY": "http://proxy.invalid:3128",
        "PIP_DEFAULT_TIMEOUT": "60",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INPUT": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_PROGRESS_BAR": "off",
        "PIP_ROOT_USER_ACTION": "ignore",
        "PIP_CACHE_DIR": str(tmp_path / "cache" / "python" / "pip"),
    }
    assert not {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"} & set(env)
    assert env["PATH"].split(os.pathsep)[0] == str(layout.env / "bin")
    assert env["TMPDIR"] == str(layout.scratch / "tmp") and (layout.scratch / "tmp").is_dir()
    # without a cache, pip keeps none
    env = pip_environment(layout_of(tmp_path, cache=False), {})
    assert env["PIP_NO_CACHE_DIR"] == "1" and "PIP_CACHE_DIR" not in env and "PIP_INDEX_URL" not in env


def test_a_failed_install_names_the_requirement_and_its_line(
    tmp_path: Path, local_server: Callable[..., LocalServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real pip, asked for a release the index (on 127.0.0.1, the app's PIP_INDEX_URL) does not
    have; the machine's own PIP_INDEX_URL is never asked."""
    index = local_server(
        root=simple_index(tmp_path / "index", [make_wheel(tmp_path / "wheels", "other", "1.0")])
    )
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/the-machines-index")
    layout = layout_of(tmp_path)
    (layout.app / "requirements.txt").write_text("other==1.0\nmissing-pkg==2.0\n")
    graph = parse_requirements(layout.app / "requirements.txt", layout.app, {})
    make_venv(layout.env, seed_wheels())
    engine = Pip(layout, graph, {"PIP_INDEX_URL": index.url}, (), "BUILDPACK_INSTALLER=pip")
    assert engine.describe() == f"pip {metadata.installed(layout.env)['pip']} (BUILDPACK_INSTALLER=pip)"

    with pytest.raises(InstallFailed) as caught:
        engine.install(["-r", "requirements.txt"])

    assert caught.value.code == "install::requirement-not-found"
    assert caught.value.where == "requirements.txt:2"
    assert "missing-pkg" in caught.value.title
    assert any("No matching distribution found for missing-pkg==2.0" in line for line in caught.value.tail)
    assert "/missing-pkg/" in index.paths
    assert "other" not in metadata.installed(layout.env)  # pip installs all or nothing


def test_a_git_repository_pip_could_not_fetch_is_named_with_its_line(tmp_path: Path) -> None:
    """The real pip and git, on a repository at a port where nothing listens (trial 32): the summary
    says which requirement could not be fetched, its line and git's words, not 'pip failed'."""
    layout = layout_of(tmp_path)
    (layout.app / "requirements.txt").write_text(
        "six==1.17.0 ; python_version < '3'\ngit+http://127.0.0.1:9/x.git#egg=x\n"
    )
    graph = parse_requirements(layout.app / "requirements.txt", layout.app, {})
    make_venv(layout.env, seed_wheels())
    engine = Pip(layout, graph, {}, (), "BUILDPACK_INSTALLER=pip")

    with pytest.raises(InstallFailed) as caught:
        engine.install(["-r", "requirements.txt"])

    assert caught.value.code == "install::vcs-failed"
    assert caught.value.title == "pip could not fetch x from its git repository http://127.0.0.1:9/x.git"
    assert caught.value.where == "requirements.txt:2"
    assert any("unable to access" in line and "127.0.0.1" in line for line in caught.value.details)


def test_requirements_that_conflict_are_named_with_their_lines(
    tmp_path: Path, local_server: Callable[..., LocalServer]
) -> None:
    """The real pip, asked for two versions of one package (a lock that locks it twice, trial N48):
    the summary names the conflict and the first line, not 'pip failed'."""
    wheels = [
        make_wheel(tmp_path / "wheels", "other", "1.0"),
        make_wheel(tmp_path / "wheels", "other", "2.0"),
    ]
    index = local_server(root=simple_index(tmp_path / "index", wheels))
    layout = layout_of(tmp_path)
    (layout.app / "requirements.txt").write_text("other==1.0\nother==2.0\n")
    graph = parse_requirements(layout.app / "requirements.txt", layout.app, {})
    make_venv(layout.env, seed_wheels())
    engine = Pip(layout, graph, {"PIP_INDEX_URL": index.url}, (), "BUILDPACK_INSTALLER=pip")

    with pytest.raises(InstallFailed) as caught:
        engine.install(["-r", "requirements.txt"])

    assert caught.value.code == "install::requirements-conflict"
    assert (
        caught.value.title
        == "The requirements conflict: pip can't install other==1.0 and other==2.0 together"
    )
    assert caught.value.where == "requirements.txt:1"
    assert "The user requested other==2.0" in caught.value.details


def test_a_source_archive_pip_refuses_to_unpack_is_named_with_its_line(tmp_path: Path) -> None:
    """The real pip, on an sdist holding a link to an absolute path (trials N54, N55): the summary
    names the package, its line and pip's reason, and nothing is written outside."""
    import io
    import tarfile

    links = tmp_path / "links"
    links.mkdir()
    with tarfile.open(links / "evilsdist-1.0.tar.gz", "w:gz") as archive:
        for name, data in (
            ("PKG-INFO", b"Metadata-Version: 2.1\nName: evilsdist\nVersion: 1.0\n"),
            ("setup.py", b""),
        ):
            member = tarfile.TarInfo(f"evilsdist-1.0/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
        link = tarfile.TarInfo("evilsdist-1.0/link")
        link.type, link.linkname = tarfile.SYMTYPE, str(tmp_path / "outside")
        archive.addfile(link)
    layout = layout_of(tmp_path)
    (layout.app / "requirements.txt").write_text(f"--no-index\n--find-links {links}\nevilsdist==1.0\n")
    graph = parse_requirements(layout.app / "requirements.txt", layout.app, {})
    make_venv(layout.env, seed_wheels())
    engine = Pip(layout, graph, {}, (), "BUILDPACK_INSTALLER=pip")

    with pytest.raises(InstallFailed) as caught:
        engine.install(["-r", "requirements.txt"])

    assert caught.value.code == "install::unsafe-archive"
    assert (
        caught.value.title
        == "pip refused to unpack evilsdist-1.0.tar.gz: 'link' is a link to an absolute path"
    )
    assert caught.value.where == "requirements.txt:3"
    assert not (tmp_path / "outside").exists()


def test_pip_and_wheel_are_compiled_by_the_build_before_pip_first_runs(
    tmp_path: Path, local_server: Callable[..., LocalServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed leaves pip and wheel uncompiled (no app imports them at start); before the build
    runs pip, their modules are compiled by the build's rules (the fixed time, not the install's:
    with Python free to write bytecode, pip would otherwise write its own), once."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    index = local_server(
        root=simple_index(tmp_path / "index", [make_wheel(tmp_path / "wheels", "other", "1.0")])
    )
    layout = layout_of(tmp_path)
    (layout.app / "requirements.txt").write_text("other==1.0\n")
    graph = parse_requirements(layout.app / "requirements.txt", layout.app, {})
    make_venv(layout.env, seed_wheels())
    tools = [
        m for name in ("pip", "wheel") for m in layout.env.glob(f"lib/python*/site-packages/{name}/**/*.py")
    ]
    assert tools and not list(layout.env.glob("lib/python*/site-packages/pip/**/*.pyc"))
    engine = Pip(layout, graph, {"PIP_INDEX_URL": index.url})
    engine.install(["-r", "requirements.txt"])
    assert "other" in metadata.installed(layout.env)
    compiled = engine.tools_compiled()
    written = [m for m in tools if Path(importlib.util.cache_from_source(str(m))).is_file()]
    assert compiled.compiled + compiled.linked == len(written) > len(tools) * 0.9
    for module in written:
        data = Path(importlib.util.cache_from_source(str(module))).read_bytes()
        assert int.from_bytes(data[8:12], "little") == FIXED_TIME, module
        assert marshal.loads(data[16:]).co_filename.startswith("/app/"), module
    engine.uninstall(["other"])
    assert engine.tools_compiled() == compiled  # once
