"""A uv workspace member in BUILDPACK_APP_SUBDIR: found as uv finds it, built from the workspace's
uv.lock (test/integration/lockfiles_uv.bats builds one locked by the real uv)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pybuildpack.context import Layout, Settings
from pybuildpack.errors import BuildError
from pybuildpack.requirements import uvlock, uvworkspace
from pybuildpack.requirements.app import read_app
from pybuildpack.requirements.source import install_source
from pybuildpack.tools.export import export_lock

MARKERS = Path(__file__).resolve().parents[2] / "data" / "app-markers.txt"
ROOT = """[project]
name = "monorepo"
version = "0"

[tool.uv.workspace]
members = ["services/*", "libs/shared"]
"""


def member(root: Path, relative: str, name: str, dependencies: str = "", more: str = "") -> Path:
    directory = root / relative
    directory.mkdir(parents=True)
    (directory / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "1"\ndependencies = [{dependencies}]\n{more}'
    )
    return directory


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(ROOT)
    (tmp_path / "uv.lock").write_text("version = 1\n")
    member(tmp_path, "services/api", "api", '"shared", "six==1.17.0"')
    member(tmp_path, "services/worker", "worker", '"shared", "idna==3.10"')
    member(tmp_path, "libs/shared", "shared")
    return tmp_path


def test_a_member_is_built_from_the_workspaces_lock_by_its_name(repo: Path) -> None:
    source = install_source(repo / "services" / "api", MARKERS, "", repo)
    assert (source.kind, source.path, source.member, source.root) == ("uv", repo / "uv.lock", "api", repo)
    assert source.reason == "from uv.lock (uv workspace member api)"
    # BUILDPACK_PACKAGE_MANAGER=uv takes the workspace's lock over a requirements.txt of its own
    (repo / "services" / "api" / "requirements.txt").write_text("six\n")
    assert install_source(repo / "services" / "api", MARKERS, "uv", repo).member == "api"
    assert install_source(repo / "services" / "api", MARKERS, "", repo).kind == "requirements"


def test_the_lock_is_made_from_the_root_and_every_members_pyproject(repo: Path) -> None:
    assert [p.relative_to(repo).as_posix() for p in uvworkspace.Workspace.at(repo).projects()] == [
        "pyproject.toml",
        "libs/shared/pyproject.toml",
        "services/api/pyproject.toml",
        "services/worker/pyproject.toml",
    ]
    assert uvlock.READER.inputs(repo) == uvworkspace.Workspace.at(repo).projects()


def test_a_directory_the_members_do_not_match_is_an_error_naming_them(repo: Path) -> None:
    other = member(repo, "tools/cli", "cli")
    with pytest.raises(BuildError) as caught:
        install_source(other, MARKERS, "", repo)
    error = caught.value
    assert error.code == "app::not-a-workspace-member"
    assert error.title == "The app in tools/cli is not a member of the uv workspace whose uv.lock is uv.lock"
    assert error.where == "pyproject.toml [tool.uv.workspace] members"
    assert "The workspace's members: ., libs/shared, services/api, services/worker." in error.details
    assert "Add 'tools/cli' to [tool.uv.workspace] members in pyproject.toml" in error.fix


def test_no_workspace_lock_leaves_the_app_as_it_was(repo: Path) -> None:
    # excluded: its own project, as uv sees it
    (repo / "pyproject.toml").write_text(ROOT + 'exclude = ["services/worker"]\n')
    assert install_source(repo / "services" / "worker", MARKERS, "", repo).kind == "package"
    # inside another project that is not a workspace (its tests, its examples)
    nested = member(repo, "services/api/examples/demo", "demo")
    assert install_source(nested, MARKERS, "", repo).kind == "package"
    # a workspace without uv.lock, or one outside the build directory
    (repo / "uv.lock").unlink()
    assert install_source(repo / "services" / "api", MARKERS, "", repo).kind == "package"
    (repo / "uv.lock").write_text("version = 1\n")
    assert install_source(repo / "services" / "api", MARKERS, "", repo / "services").kind == "package"
    # the app at the root of the build directory is its own project
    assert install_source(repo, MARKERS, "", repo).member == ""


def test_a_member_without_a_project_name_is_told_so(repo: Path) -> None:
    (repo / "services" / "api" / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    with pytest.raises(BuildError) as caught:
        install_source(repo / "services" / "api", MARKERS, "", repo)
    assert caught.value.code == "lockfile::invalid"


def test_what_is_stale_in_a_workspace_names_the_members_file(repo: Path) -> None:
    (repo / "uv.lock").write_text(
        'version = 1\nrequires-python = ">=3.11"\n\n'
        '[[package]]\nname = "monorepo"\nversion = "0"\nsource = { virtual = "." }\n\n'
        '[[package]]\nname = "api"\nversion = "1"\nsource = { virtual = "services/api" }\n\n'
        '[package.metadata]\nrequires-dist = [{ name = "shared", editable = "libs/shared" }, '
        '{ name = "six", specifier = "==1.17.0" }]\n\n'
        '[[package]]\nname = "shared"\nversion = "1"\nsource = { editable = "libs/shared" }\n\n'
        '[[package]]\nname = "worker"\nversion = "1"\nsource = { virtual = "services/worker" }\n\n'
        '[package.metadata]\nrequires-dist = [{ name = "shared", editable = "libs/shared" }]\n'
    )
    assert uvlock.what_is_stale(repo) == [
        "services/worker/pyproject.toml asks for idna==3.10, which uv.lock does not lock"
    ]


def test_each_member_gets_its_own_export_of_the_lock_by_the_real_uv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workspace of local packages only, locked offline by the uv of .tools/; each member's export
    (uv export --package) holds its own dependencies, anchored at the workspace's root, and one
    member's export kept in the cache is not another's."""
    root = Path(__file__).resolve().parents[2]
    build = tmp_path / "build"
    build.mkdir()
    (build / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["services/*", "libs/*"]\n')
    sources = "\n[tool.uv.sources]\nshared = { workspace = true }\nhelper = { workspace = true }\n"
    member(build, "services/api", "api", '"shared"', sources)
    member(build, "services/worker", "worker", '"shared", "helper"', sources)
    backend = '\n[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
    for name in ("shared", "helper"):
        member(build, f"libs/{name}", name, "", backend)
    uv = root / ".tools" / "bin" / "uv"
    subprocess.run([uv, "lock", "--offline", "--quiet"], cwd=build, check=True)
    (build / ".heroku").mkdir()
    (build / ".heroku" / "python").symlink_to(sys.base_prefix)
    monkeypatch.delenv("BUILDPACK_PACKAGE_MANAGER", raising=False)
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", (root / ".mirror").as_uri())

    def exported(app: str) -> list[str]:
        work = tmp_path / "work"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        layout = Layout(app=build / app, build=build, buildpack=root, work=work, cache=tmp_path / "cache")
        locked = read_app(layout, Settings.from_env())
        graph = export_lock(layout, locked, "amd64", layout.runtime_python, None, version="3.11.7").graph
        assert graph.root == build
        return sorted(entry.raw or entry.text for entry in graph.requirements())

    assert exported("services/api") == [str(build / "libs" / "shared")]
    assert exported("services/worker") == [str(build / "libs" / "helper"), str(build / "libs" / "shared")]
    assert exported("services/api") == [str(build / "libs" / "shared")]


def test_a_member_s_groups_are_its_own_and_an_error_names_its_file(repo: Path) -> None:
    """BUILDPACK_INSTALL_GROUPS for a member: its own [dependency-groups] (uv export --package
    --group), never another member's, and the error names the member's pyproject.toml."""
    with (repo / "services" / "api" / "pyproject.toml").open("a") as api:
        api.write('\n[dependency-groups]\nprod = ["docopt"]\n')
    with (repo / "services" / "worker" / "pyproject.toml").open("a") as worker:
        worker.write('\n[dependency-groups]\njobs = ["certifi"]\n')
    buildpack = Path(__file__).resolve().parents[2]
    layout = Layout(
        app=repo / "services" / "api", build=repo, buildpack=buildpack, work=repo / "work", cache=None
    )
    chosen = read_app(layout, Settings(install_groups=("Prod",)))
    assert (chosen.source.member, chosen.source.selection.groups) == ("api", ("prod",))
    with pytest.raises(BuildError) as caught:
        read_app(layout, Settings(install_groups=("jobs",)))
    assert caught.value.code == "app::group-unknown"
    assert str(caught.value) == (
        "BUILDPACK_INSTALL_GROUPS names jobs: services/api/pyproject.toml declares no such dependency group"
    )
    assert caught.value.details[0] == "services/api/pyproject.toml [dependency-groups] declares: prod."
