"""Groups and extras (requirements/selection.py, and each lock reader's declared and export): an
app with groups that include others and extras, locked by the real uv, Poetry and pipenv of
.tools/ (at run time: the locks name the index's host), exported with a selection as the tools
would install it; a name the app does not declare fails, listing those it does."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.version import Version

from pybuildpack.archives.mirror import Mirror
from pybuildpack.context import Layout, Settings
from pybuildpack.errors import BuildError
from pybuildpack.index.select import pip_default_index
from pybuildpack.python_version.tags import marker_environment
from pybuildpack.requirements import pipfilelock, poetrylock, uvlock
from pybuildpack.requirements.lockformats import ExportRequest
from pybuildpack.requirements.package import declared_extras, package_dependencies
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.requirements.selection import NOTHING, Selection, choices_of, select
from pybuildpack.requirements.source import InstallSource
from pybuildpack.tools.uv import Uv

ROOT = Path(__file__).resolve().parents[2]
INDEX = pip_default_index(ROOT / "vendor" / "seed") or ""
TOOLS = ROOT / ".tools" / "bin"

UV_PROJECT = """
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["six"]

[project.optional-dependencies]
redis = ["idna"]

[dependency-groups]
dev = ["docopt"]
prod = ["certifi", {include-group = "worker"}]
worker = ["packaging"]
"""

POETRY_PROJECT = """
[tool.poetry]
name = "app"
version = "0.1.0"
description = ""
authors = []
package-mode = false

[tool.poetry.dependencies]
python = ">=3.11"
six = "*"
requests = {version = "*", optional = true}

[tool.poetry.extras]
http = ["requests"]

[tool.poetry.group.prod]
include-groups = ["worker"]

[tool.poetry.group.prod.dependencies]
certifi = "*"

[tool.poetry.group.worker.dependencies]
packaging = "*"

[tool.poetry.group.dev.dependencies]
docopt = "*"
"""

PIPFILE = f"""
[[source]]
name = "pypi"
url = "{INDEX}"
verify_ssl = true

[packages]
six = "*"

[dev-packages]
docopt = "*"

[worker]
packaging = "*"
"""


def _tool(name: str) -> str:
    found = TOOLS / name
    which = str(found) if found.is_file() else shutil.which(name)
    if which is None:
        pytest.fail(f"{name} is not on PATH: run 'make tools'")
    return which


def _lock(app: Path, command: list[str], scratch: Path) -> None:
    env = {**os.environ, "TMPDIR": str(scratch), "UV_SYSTEM_CERTS": "1", "PIPENV_YES": "1"}
    env.update(WORKON_HOME=str(scratch / "venvs"), PIPENV_IGNORE_VIRTUALENVS="1")
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(command, cwd=app, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command} failed in {app.name}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """{manager: app directory}, each locked by its own tool."""
    base = tmp_path_factory.mktemp("selection")
    (base / "scratch").mkdir()
    apps = {"uv": ("pyproject.toml", UV_PROJECT), "poetry": ("pyproject.toml", POETRY_PROJECT)}
    apps["pipenv"] = ("Pipfile", PIPFILE)
    commands = {
        "uv": [_tool("uv"), "lock", "--quiet"],
        "poetry": [_tool("poetry"), "lock", "--no-interaction"],
        "pipenv": [_tool("pipenv"), "lock"],
    }
    for manager, (name, text) in apps.items():
        (base / manager).mkdir()
        (base / manager / name).write_text(text)
    with ThreadPoolExecutor(max_workers=3) as pool:
        for done in [pool.submit(_lock, base / m, commands[m], base / "scratch") for m in apps]:
            done.result()
    return {manager: base / manager for manager in apps}


@pytest.fixture(scope="module")
def uv(tmp_path_factory: pytest.TempPathFactory) -> Uv:
    """uv's program from the test mirror, as a build fetches it."""
    cache = tmp_path_factory.mktemp("uv-fetched") / "python"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BUILDPACK_MIRROR_URL", (ROOT / ".mirror").as_uri())
        layout = Layout(cache.parent, cache.parent, ROOT, cache.parent / "work", cache)
        return Uv(layout, "amd64", None, Mirror.configured(Settings.from_env()))


def _installed(export: Path) -> set[str]:
    """The names an export installs on Python 3.13 (read as the build reads it: pip sees no extra)."""
    graph = parse_requirements(export, export.parent, {})
    target = marker_environment(Version("3.13.5"))
    return {entry.name for entry in graph.requirements() if entry.name and entry.applies(target)}


def _export(
    reader_export: Callable[[ExportRequest], None],
    app: Path,
    tmp_path: Path,
    selection: Selection,
    *,
    groups: bool = False,
    **more: object,
) -> set[str]:
    """What the reader's export of the app installs (groups: every group, bin/test-compile's)."""
    target = tmp_path / "export.txt"
    request = ExportRequest(
        app=app,
        target=target,
        config={},
        default_index=INDEX,
        groups=groups,
        environment=marker_environment(Version("3.13.5")),
        python=None,
        bound=app,
        selection=selection,
        **more,  # type: ignore[arg-type]
    )
    reader_export(request)
    return _installed(target)


def test_uv_installs_the_groups_it_is_told_with_those_they_include_and_the_extras(
    locked: dict[str, Path], uv: Uv, tmp_path: Path
) -> None:
    app = locked["uv"]
    declared = uvlock.choices(app)
    assert sorted(declared.groups.values()) == ["dev", "prod", "worker"]
    selection = select(("Prod",), ("REDIS",), declared)
    assert selection == Selection(("prod",), ("redis",))
    assert _export(uvlock.READER.export, app, tmp_path, NOTHING, tool=uv) == {"six"}
    assert _export(uvlock.READER.export, app, tmp_path, selection, tool=uv) == {
        "six",
        "certifi",
        "packaging",
        "idna",
    }
    only_worker = _export(
        uvlock.READER.export, app, tmp_path, select(("worker", "dev"), (), declared), tool=uv
    )
    assert only_worker == {"six", "packaging", "docopt"}
    # bin/test-compile: every group, and the extras selected
    tests = _export(uvlock.READER.export, app, tmp_path, Selection((), ("redis",)), groups=True, tool=uv)
    assert tests == {"six", "certifi", "packaging", "docopt", "idna"}


def test_a_group_or_extra_the_app_does_not_declare_fails_with_those_it_does(locked: dict[str, Path]) -> None:
    declared = uvlock.choices(locked["uv"])
    with pytest.raises(BuildError) as caught:
        select(("prod", "prdo"), (), declared)
    assert caught.value.code == "app::group-unknown"
    assert (
        caught.value.title
        == "BUILDPACK_INSTALL_GROUPS names prdo: pyproject.toml declares no such dependency group"
    )
    assert caught.value.where == "config var BUILDPACK_INSTALL_GROUPS"
    assert caught.value.details == ["pyproject.toml [dependency-groups] declares: dev, prod, worker."]
    with pytest.raises(BuildError) as caught:
        select((), ("redis", "celery"), declared)
    assert caught.value.code == "app::extra-unknown"
    assert caught.value.details == ["pyproject.toml [project.optional-dependencies] declares: redis."]


def test_poetry_installs_the_groups_as_poetry_sync_only_would_and_decides_extras_markers(
    locked: dict[str, Path], tmp_path: Path
) -> None:
    app = locked["poetry"]
    declared = poetrylock.choices(app)
    assert sorted(declared.groups.values()) == ["dev", "prod", "worker"]
    assert sorted((declared.extras or {}).values()) == ["http"]
    assert select(("main", "prod"), (), declared) == Selection(("prod",), ())  # main: always
    export = poetrylock.READER.export
    assert _export(export, app, tmp_path, NOTHING) == {"six"}
    # prod includes worker: the lock records packaging under both
    assert _export(export, app, tmp_path, select(("prod",), (), declared)) == {"six", "certifi", "packaging"}
    with_http = _export(export, app, tmp_path, select((), ("http",), declared))
    assert {"six", "requests", "urllib3", "idna", "certifi", "charset-normalizer"} == with_http
    everything = {"six", "certifi", "packaging", "docopt"}  # bin/test-compile's, without the extra
    assert _export(export, app, tmp_path, NOTHING, groups=True) == everything
    with pytest.raises(BuildError) as caught:
        select(("docs",), (), declared)
    assert caught.value.code == "app::group-unknown"
    assert "declares no such Poetry group" in caught.value.title
    assert caught.value.details[0].endswith("declares: dev, prod, worker.")


def test_pipenv_installs_the_categories_it_is_told_and_has_no_extras(
    locked: dict[str, Path], tmp_path: Path
) -> None:
    app = locked["pipenv"]
    declared = pipfilelock.choices(app)
    assert sorted(declared.groups.values()) == ["dev-packages", "worker"]
    export = pipfilelock.READER.export
    assert _export(export, app, tmp_path, NOTHING) == {"six"}
    assert _export(export, app, tmp_path, select(("worker",), (), declared)) == {"six", "packaging"}
    both = _export(export, app, tmp_path, select(("packages", "dev-packages"), (), declared))
    assert both == {"six", "docopt"}
    # bin/test-compile: dev-packages, and the categories selected
    tests = _export(export, app, tmp_path, Selection(("worker",), ()), groups=True)
    assert tests == {"six", "docopt", "packaging"}
    with pytest.raises(BuildError) as caught:
        select((), ("redis",), declared)
    assert caught.value.code == "app::extra-unknown"
    assert caught.value.details[0] == "Pipfile declares: no extra."


@pytest.mark.parametrize(
    ("files", "found"),
    [
        (
            {"pyproject.toml": '[project]\nname = "a"\n[project.optional-dependencies]\nRedis = ["redis"]\n'},
            ["Redis"],
        ),
        ({"pyproject.toml": '[project]\nname = "a"\ndynamic = ["optional-dependencies"]\n'}, None),
        ({"setup.cfg": "[options.extras_require]\nredis = redis\nsocks = pysocks\n"}, ["redis", "socks"]),
        (
            {"setup.py": "from setuptools import setup\nX = {'redis': ['redis']}\nsetup(extras_require=X)\n"},
            ["redis"],
        ),
        ({"setup.py": "from setuptools import setup\nsetup(extras_require=dict(redis=['redis']))\n"}, None),
        ({"setup.py": "from setuptools import setup\nsetup(name='a')\n"}, []),
    ],
)
def test_an_app_installed_as_a_package_declares_its_extras_where_pip_reads_them(
    tmp_path: Path, files: dict[str, str], found: list[str] | None
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    extras = declared_extras(tmp_path)[1]
    assert (sorted(extras.values()) if extras is not None else None) == found


def test_a_package_app_installs_itself_with_its_extras_and_its_graph_has_their_dependencies(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "a"\nversion = "1"\ndependencies = ["six"]\n'
        '[project.optional-dependencies]\nredis = ["redis>=5"]\nsocks = ["pysocks"]\n'
    )
    selection = select((), ("redis",), choices_of(tmp_path, "package"))
    source = InstallSource("package", tmp_path, "", selection)
    assert source.install_args == [".[redis]"]
    assert source.install_command == "pip install .[redis]"
    assert [e.name for e in package_dependencies(tmp_path, selection.extras)] == ["six", "redis"]
    with pytest.raises(BuildError) as caught:
        select(("prod",), (), choices_of(tmp_path, "package"))
    assert caught.value.code == "app::group-unknown"


def test_a_requirements_file_declares_no_group_and_no_extra(tmp_path: Path) -> None:
    declared = choices_of(tmp_path, "requirements")
    assert select((), (), declared) == NOTHING
    for groups, extras, code, said in (
        (("prod",), (), "app::group-unknown", "Groups are read from a lock: uv.lock, poetry.lock"),
        ((), ("redis",), "app::extra-unknown", "the line of requirements.txt that installs the app"),
    ):
        with pytest.raises(BuildError) as caught:
            select(groups, extras, declared)
        assert caught.value.code == code
        assert caught.value.details[0].startswith("requirements.txt declares: no ")
        assert said in caught.value.details[1]


def test_a_marker_with_an_extra_is_decided_for_the_runtime_only_when_extras_are_selected() -> None:
    package = {"name": "x", "groups": ["main"], "markers": 'extra == "http" and python_version >= "3.12"'}
    env = marker_environment(Version("3.13.5"))
    assert poetrylock._marker(package, {"main"}, (), env) == package["markers"]  # pip skips it
    assert poetrylock._marker(package, {"main"}, ("http",), env) == ""
    assert poetrylock._marker(package, {"main"}, ("other",), env) is None
    old = marker_environment(Version("3.11.9"))
    assert poetrylock._marker(package, {"main"}, ("http",), old) is None
    assert Marker(package["markers"])  # the lock's own form
