from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pybuildpack.errors import BuildError
from pybuildpack.requirements import poetrylock
from pybuildpack.requirements.selection import Selection

HASH = "sha256:" + "a" * 64

PROJECT = """
[tool.poetry]
name = "app"
version = "1"
package-mode = false

[tool.poetry.dependencies]
python = ">=3.11"
six = "*"

[[tool.poetry.source]]
name = "private-repo"
url = "https://private.invalid/simple"
priority = "primary"
"""


def lock_text(content_hash: str, version: str = "2.1") -> str:
    return f"""
[[package]]
name = "six"
version = "1.16.0"
optional = false
python-versions = "*"
groups = ["main"]
files = [{{file = "six-1.16.0.whl", hash = "{HASH}"}}]

[package.source]
type = "legacy"
url = "https://private.invalid/simple"
reference = "private-repo"

[[package]]
name = "colorama"
version = "0.4.6"
optional = false
python-versions = "*"
groups = ["main", "dev"]
markers = {{main = "sys_platform == \\"win32\\"", dev = "os_name == \\"nt\\""}}
files = []

[package.source]
type = "legacy"
url = "https://private.invalid/simple"
reference = "private-repo"

[[package]]
name = "pytest"
version = "8.0.0"
optional = false
python-versions = "*"
groups = ["dev"]
files = []

[package.source]
type = "legacy"
url = "https://private.invalid/simple"
reference = "private-repo"

[[package]]
name = "pysocks"
version = "1.7.1"
optional = true
python-versions = "*"
groups = ["main"]
files = []

[[package]]
name = "tool"
version = "2.0"
optional = false
python-versions = "*"
groups = ["main"]
files = []

[package.source]
type = "git"
url = "https://git.invalid/tool.git"
reference = "main"
resolved_reference = "{"b" * 40}"

[metadata]
lock-version = "{version}"
python-versions = ">=3.11"
content-hash = "{content_hash}"
"""


def app(tmp_path: Path, version: str = "2.1") -> Path:
    (tmp_path / "pyproject.toml").write_text(PROJECT)
    import tomllib

    wanted = sorted(poetrylock.content_hashes(tomllib.loads(PROJECT)))[0]
    (tmp_path / "poetry.lock").write_text(lock_text(wanted, version))
    return tmp_path


def test_the_main_group_with_markers_hashes_sources_and_credentials(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    config = {"POETRY_HTTP_BASIC_PRIVATE_REPO_USERNAME": "u", "POETRY_HTTP_BASIC_PRIVATE_REPO_PASSWORD": "p"}
    poetrylock.export(app(tmp_path), target, config)
    assert target.read_text().splitlines() == [
        "--index-url https://${POETRY_HTTP_BASIC_PRIVATE_REPO_USERNAME}:${POETRY_HTTP_BASIC_PRIVATE_REPO_PASSWORD}"
        "@private.invalid/simple",
        f"six==1.16.0 --hash={HASH}",
        'colorama==0.4.6 ; sys_platform == "win32"',
        f"tool @ git+https://git.invalid/tool.git@{'b' * 40}",
    ]
    poetrylock.export(tmp_path, target, {}, all_groups=True)
    lines = target.read_text().splitlines()
    assert (
        lines[0] == "--index-url https://private.invalid/simple"
    )  # pysocks (optional: no extra asks) left out
    assert not any("pysocks" in line for line in lines)
    assert '(os_name == "nt") or (sys_platform == "win32")' in " ".join(lines)
    assert "pytest==8.0.0" in lines


def test_a_changed_pyproject_is_stale_and_the_old_hash_form_is_accepted(tmp_path: Path) -> None:
    app(tmp_path)
    (tmp_path / "pyproject.toml").write_text(PROJECT.replace('six = "*"', 'six = "*"\nidna = "*"'))
    with pytest.raises(BuildError) as caught:
        poetrylock.export(tmp_path, tmp_path / "out.txt", {})
    assert caught.value.code == "lockfile::stale"
    # Poetry before 2.3 hashed [tool.poetry] alone for such a project: the same digest either way
    legacy = {"dependencies": {"python": ">=3.11", "six": "*"}, "source": None, "extras": None}
    legacy["source"] = [
        {"name": "private-repo", "url": "https://private.invalid/simple", "priority": "primary"}
    ]
    legacy["dev-dependencies"] = None
    digest = hashlib.sha256(json.dumps(legacy, sort_keys=True).encode()).hexdigest()
    import tomllib

    assert digest in poetrylock.content_hashes(tomllib.loads(PROJECT))


def test_a_lock_older_than_format_2_0_is_refused_with_the_way_out(tmp_path: Path) -> None:
    app(tmp_path, version="1.1")
    with pytest.raises(BuildError) as caught:
        poetrylock.check_files(tmp_path)
    assert caught.value.code == "lockfile::invalid"
    assert "poetry lock" in caught.value.fix


def test_a_lock_of_format_2_0_is_walked_from_the_projects_dependencies(tmp_path: Path) -> None:
    """Poetry 1.5-1.8 record no groups: what the main dependencies need, through extras and markers."""
    project = """
[tool.poetry]
name = "app"
version = "1"
package-mode = false

[tool.poetry.dependencies]
python = ">=3.11"
requests = {version = "^2.31", extras = ["socks"]}
colorama = {version = "*", markers = "sys_platform == 'win32'"}
chardet = {version = "*", optional = true}

[tool.poetry.extras]
detect = ["chardet"]

[tool.poetry.group.dev.dependencies]
pytest = "*"

[tool.poetry.group.worker.dependencies]
iniconfig = "*"
"""
    (tmp_path / "pyproject.toml").write_text(project)
    import tomllib

    digest = sorted(poetrylock.content_hashes(tomllib.loads(project)))[0]
    packages = {
        "requests": '[package.dependencies]\nidna = ">=2.5"\n'
        'PySocks = {version = ">=1.5.6", optional = true}\n'
        '[package.extras]\nsocks = ["PySocks (>=1.5.6)"]\nuse-chardet = ["chardet (>=3)"]\n',
        "idna": "",
        "pysocks": "",
        "chardet": "",
        "colorama": "",
        "pytest": '[package.dependencies]\niniconfig = "*"\n',
        "iniconfig": "",
    }
    text = "".join(
        f'[[package]]\nname = "{name}"\nversion = "1.0"\noptional = false\npython-versions = "*"\n'
        f"files = []\n{extra}\n"
        for name, extra in packages.items()
    )
    text += f'[metadata]\nlock-version = "2.0"\npython-versions = ">=3.11"\ncontent-hash = "{digest}"\n'
    (tmp_path / "poetry.lock").write_text(text)
    poetrylock.check_files(tmp_path)
    target = tmp_path / "out.txt"
    linux = {"sys_platform": "linux", "python_version": "3.13"}
    poetrylock.export(tmp_path, target, {}, environment=linux)
    assert target.read_text().split() == ["requests==1.0", "idna==1.0", "pysocks==1.0"]
    poetrylock.export(tmp_path, target, {}, all_groups=True, environment={**linux, "sys_platform": "win32"})
    assert sorted(target.read_text().split()) == sorted(
        ["requests==1.0", "idna==1.0", "pysocks==1.0", "colorama==1.0", "pytest==1.0", "iniconfig==1.0"]
    )
    # a selection: the groups it names, and the optional packages its extras name
    poetrylock.export(tmp_path, target, {}, environment=linux, selection=Selection(("worker",), ("detect",)))
    assert sorted(target.read_text().split()) == sorted(
        ["requests==1.0", "idna==1.0", "pysocks==1.0", "iniconfig==1.0", "chardet==1.0"]
    )


def test_what_a_poetry_project_declares_its_groups_and_its_own_package_but_not_python(tmp_path: Path) -> None:
    """The poetry-app fixture's pyproject.toml ([tool.poetry] style), then Poetry 2's [project]."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "poetry-app" / "pyproject.in"
    (tmp_path / "pyproject.toml").write_text(fixture.read_text())
    assert poetrylock.READER.declares(tmp_path) == {"poetry-app", "django", "helper", "pytest"}
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\ndependencies = ["Flask (>=3)"]\n'
        '[project.optional-dependencies]\ncache = ["redis"]\n'
        '[tool.poetry.group.test.dependencies]\nPyTest_Cov = "*"\n'
        '[tool.poetry.dev-dependencies]\nblack = "*"\n'
    )
    assert poetrylock.declares(tmp_path) == {"svc", "flask", "redis", "pytest-cov", "black"}
