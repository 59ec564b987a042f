"""What decide makes of the cached environment (reuse, sync or fresh), from an entry the build's own
save wrote for a real environment; and a lock's export, kept in the cache and reused while nothing
that made it changed (so that a warm build of a locked app runs no tool)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_venv, make_wheel

from pybuildpack.cache import fingerprint
from pybuildpack.cache.environment import Restoring, save_environment
from pybuildpack.context import Layout, Settings
from pybuildpack.environment import metadata
from pybuildpack.environment.reuse import _decide_environment
from pybuildpack.errors import BuildError
from pybuildpack.requirements.app import read_app
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.state import LibraryUse, State
from pybuildpack.tools.export import export_lock

ROOT = Path(__file__).resolve().parents[2]
LIBMEMCACHED = LibraryUse("libmemcached", "1.1.4", "pylibmc at requirements/base.txt:1")


def app_layout(tmp_path: Path) -> Layout:
    """An app (requirements.txt including requirements/base.txt) whose runtime is the interpreter
    running the tests (.heroku/python, a link to it)."""
    build = tmp_path / "build"
    (build / "requirements").mkdir(parents=True)
    (build / "requirements.txt").write_text("-r requirements/base.txt\nsix==1.17.0\n")
    (build / "requirements" / "base.txt").write_text("pylibmc==1.6.3\n")
    (build / ".heroku").mkdir()
    (build / ".heroku" / "python").symlink_to(sys.base_prefix)
    (tmp_path / "work").mkdir()  # bin/compile's
    return Layout(
        app=build, build=build, buildpack=ROOT, work=tmp_path / "work", cache=tmp_path / "cache" / "python"
    )


def inputs_of(layout: Layout, python: str = "3.13.15", stack: str = "debian-12") -> fingerprint.Inputs:
    graph = parse_requirements(layout.app / "requirements.txt", layout.app, {})
    return fingerprint.collect(
        graph,
        python_version=python,
        stack=stack,
        arch="amd64",
        buildpack=ROOT,
        pip_config={},
        package_app=False,
    )


def built_before(layout: Layout, tmp_path: Path) -> None:
    """A build of the app as it is now: its environment (six installed) saved into the cache as
    install saves it, then the slug gone (the next build starts from the app's sources)."""
    make_venv(layout.env, [make_wheel(tmp_path / "wheels", "six", "1.17.0")])
    inputs = inputs_of(layout)
    state = State("3.13.15", ".python-version", "debian-12", "amd64", environment="fresh")
    state.fingerprint, state.inputs, state.libraries = inputs.digest(), inputs.items, [LIBMEMCACHED]
    save_environment(layout, state, metadata.installed(layout.env))
    shutil.rmtree(layout.env)


def decided(layout: Layout, inputs: fingerprint.Inputs) -> tuple[str, list[LibraryUse], list[str]]:
    """The next build's decision, with the cached environment restored as decide's caller does."""
    with Restoring(layout.cache, layout.env) as restoring:
        return _decide_environment(layout, inputs, restoring)


def test_without_a_cached_environment_the_environment_is_made_afresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = app_layout(tmp_path)
    assert decided(layout, inputs_of(layout)) == ("fresh", [], [])
    assert capsys.readouterr().out == "-----> Creating the environment (no cached environment)\n"
    assert not layout.env.exists()


def test_unchanged_the_cached_environment_is_reused_as_it_is_and_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = app_layout(tmp_path)
    built_before(layout, tmp_path)
    capsys.readouterr()
    assert decided(layout, inputs_of(layout)) == ("reuse", [LIBMEMCACHED], [])
    assert capsys.readouterr().out == "-----> Reusing the cached environment (requirements unchanged)\n"
    assert metadata.installed(layout.env) == {"six": "1.17.0"}
    # relocated onto this build's runtime (the cached one was made on another): its python runs
    # and imports what the cache held
    out = subprocess.run(
        [str(layout.env_python), "-c", "import six, sys; print(six.VERSION, sys.prefix)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == f"1.17.0 {layout.env}\n"
    assert f"home = {layout.runtime / 'bin'}\n" in (layout.env / "pyvenv.cfg").read_text()


def test_a_changed_included_file_syncs_the_cached_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = app_layout(tmp_path)
    built_before(layout, tmp_path)
    capsys.readouterr()
    (layout.app / "requirements" / "base.txt").write_text("itsdangerous==2.2.0\n")
    assert decided(layout, inputs_of(layout)) == ("sync", [LIBMEMCACHED], [])
    assert (
        capsys.readouterr().out == "-----> Updating the cached environment: requirements/base.txt changed\n"
    )
    assert metadata.installed(layout.env) == {"six": "1.17.0"}  # what the sync starts from


@pytest.mark.parametrize(
    ("python", "stack", "said"),
    [
        ("3.11.2", "debian-12", "python version 3.13.15 -> 3.11.2; requirements/base.txt changed"),
        ("3.13.15", "debian-99", "requirements/base.txt changed; stack debian-12 -> debian-99"),
    ],
)
def test_another_python_or_stack_rebuilds_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], python: str, stack: str, said: str
) -> None:
    layout = app_layout(tmp_path)
    built_before(layout, tmp_path)
    capsys.readouterr()
    (layout.app / "requirements" / "base.txt").write_text("itsdangerous==2.2.0\n")
    assert decided(layout, inputs_of(layout, python, stack)) == ("fresh", [], [])
    assert capsys.readouterr().out == f"-----> Rebuilding the environment: {said}\n"


def test_a_vcs_requirement_on_a_branch_is_resolved_again_though_nothing_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = app_layout(tmp_path)
    (layout.app / "requirements" / "base.txt").write_text("git+https://git.invalid/x.git@main#egg=x\n")
    built_before(layout, tmp_path)
    capsys.readouterr()
    assert decided(layout, inputs_of(layout)) == ("sync", [LIBMEMCACHED], ["x"])
    assert capsys.readouterr().out == (
        "-----> Updating the cached environment: x names a branch or tag: resolved again\n"
    )


def test_new_hashes_for_an_installed_requirement_install_it_afresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pip checks no hash of what is installed already: a sync installs it again, checked."""
    layout = app_layout(tmp_path)
    hashed = "-r requirements/base.txt\nsix==1.17.0 --hash=sha256:{}\nidna==3.10 --hash=sha256:{}\n"
    (layout.app / "requirements.txt").write_text(hashed.format("a" * 64, "c" * 64))
    built_before(layout, tmp_path)
    capsys.readouterr()
    (layout.app / "requirements.txt").write_text(hashed.format("b" * 64, "d" * 64))
    assert decided(layout, inputs_of(layout)) == ("sync", [LIBMEMCACHED], ["six"])  # idna: not installed
    assert capsys.readouterr().out == (
        "-----> Updating the cached environment: requirements.txt changed; "
        "new hashes for six: installed afresh\n"
    )


def test_a_damaged_cached_environment_is_discarded_and_made_afresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = app_layout(tmp_path)
    built_before(layout, tmp_path)
    capsys.readouterr()
    assert layout.cache is not None
    (layout.cache / os.readlink(layout.cache / "env") / "meta.json").unlink()
    assert decided(layout, inputs_of(layout)) == ("fresh", [], [])
    assert capsys.readouterr().out == (
        "-----> Creating the environment "
        "(the cached environment is damaged (its metadata file is missing); discarded)\n"
    )
    assert not (layout.cache / "env").exists()


PYPROJECT = """[project]
name = "app"
version = "0"
requires-python = ">=3.11"
dependencies = ["localpkg"]

[tool.uv]
package = false

[tool.uv.sources]
localpkg = { path = "libs/localpkg" }
"""
# What `uv lock` writes for PYPROJECT (no index: the one package is a path).
UV_LOCK = """version = 1
revision = 5
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0"
source = { virtual = "." }
dependencies = [
    { name = "localpkg" },
]

[package.metadata]
requires-dist = [{ name = "localpkg", directory = "libs/localpkg" }]

[[package]]
name = "localpkg"
version = "1.0"
source = { directory = "libs/localpkg" }
"""


def test_a_locks_export_is_reused_while_nothing_that_made_it_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first build exports uv.lock with uv (fetched from the mirror); the next, with no uv to
    be had anywhere, reads the same packages from the cache; a changed lock is exported again."""
    layout = app_layout(tmp_path)
    (layout.app / "requirements.txt").unlink()
    shutil.rmtree(layout.app / "requirements")
    (layout.app / "pyproject.toml").write_text(PYPROJECT)
    (layout.app / "uv.lock").write_text(UV_LOCK)
    package = layout.app / "libs" / "localpkg"
    (package / "localpkg").mkdir(parents=True)
    (package / "localpkg" / "__init__.py").write_text("VALUE = 1\n")
    (package / "pyproject.toml").write_text('[project]\nname = "localpkg"\nversion = "1.0"\n')
    monkeypatch.delenv("BUILDPACK_PACKAGE_MANAGER", raising=False)
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", (ROOT / ".mirror").as_uri())

    def exported() -> list[str]:
        shutil.rmtree(layout.work, ignore_errors=True)  # each build has a work directory of its own
        app = export_lock(
            layout,
            read_app(layout, Settings.from_env()),
            "amd64",
            layout.runtime_python,
            None,
            version="3.11.7",
        )
        return [entry.raw or entry.text for entry in app.graph.requirements()]

    assert exported() == [str(package)]
    assert capsys.readouterr().out == "       Fetching uv 0.13.9\n"
    # The next build: the same lock, and no uv in the cache nor on the mirror.
    assert layout.cache is not None
    shutil.rmtree(layout.cache / "package-managers")
    (tmp_path / "empty-mirror").mkdir()
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", (tmp_path / "empty-mirror").as_uri())
    assert exported() == [str(package)]
    assert capsys.readouterr().out == ""
    # The lock changed: exported again, which needs uv.
    with (layout.app / "uv.lock").open("a") as lock:
        lock.write("\n")
    with pytest.raises(BuildError) as caught:
        exported()
    assert caught.value.code == "tools::unavailable"
