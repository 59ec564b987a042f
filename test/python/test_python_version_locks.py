from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.version import Version

from pybuildpack.errors import BuildError
from pybuildpack.python_version.locks import allowed, check, poetry_specifiers
from pybuildpack.python_version.resolve import Request

CANDIDATES = [Version("3.11.2"), Version("3.13.15")]
FROM_FILE = Request("minor", "3.13", ".python-version:1")


@pytest.mark.parametrize(
    "constraint,inside,outside",
    [
        ("^3.11", ["3.11.0", "3.13.15"], ["3.10.9", "4.0.0"]),
        ("~3.11", ["3.11.2"], ["3.12.0", "3.10.0"]),
        ("~3", ["3.13.1"], ["4.0"]),
        (">=3.11,<3.13", ["3.11.2", "3.12.9"], ["3.13.0"]),
        (">= 3.11, < 3.13", ["3.12.0"], ["3.13.0"]),
        (">=3.11 <3.13", ["3.12.0"], ["3.13.0"]),
        ("3.12.*", ["3.12.4"], ["3.13.0"]),
        ("3.11", ["3.11.0"], ["3.11.2"]),
        ("~3.11 || ^3.13", ["3.11.5", "3.13.1"], ["3.12.0"]),
        ("~=3.11", ["3.12.0"], ["3.10.0", "4.0"]),
        ("*", ["3.13.15"], []),
    ],
)
def test_poetry_constraints(constraint: str, inside: list[str], outside: list[str]) -> None:
    specs = poetry_specifiers(constraint)
    assert specs is not None
    for version in inside:
        assert any(Version(version) in spec for spec in specs), version
    for version in outside:
        assert not any(Version(version) in spec for spec in specs), version


def test_poetry_constraints_read_as_poetry_core_reads_them() -> None:
    """The same answers as Poetry's own parser (in the tools' environment), over a grid."""
    core = pytest.importorskip("poetry.core.constraints.version")
    constraints = [
        "^3.11",
        "~3.11",
        "~3",
        "3.11",
        "=3.11",
        "3.12.*",
        ">=3.11,<3.13",
        ">= 3.10, !=3.12.*",
        ">3.11 <=3.13.2",
        "~3.11 || ^3.13",
        "~=3.11",
        "~=3.11.2",
        "^3.11.4",
        "*",
        "<3.12",
    ]
    versions = [f"3.{minor}.{patch}" for minor in range(9, 15) for patch in (0, 2, 4)] + ["4.0.0"]
    for constraint in constraints:
        specs = poetry_specifiers(constraint)
        assert specs is not None, constraint
        theirs = core.parse_constraint(constraint)
        for version in versions:
            ours = any(Version(version) in spec for spec in specs)
            assert ours == theirs.allows(core.Version.parse(version)), (constraint, version)


def test_an_unreadable_poetry_constraint_is_left_to_poetry() -> None:
    assert poetry_specifiers("^banana") is None
    assert poetry_specifiers(">=3.11,") is not None


def write_poetry(app: Path, project: str, lock_python: str) -> None:
    (app / "pyproject.toml").write_text(project)
    (app / "poetry.lock").write_text(
        f'package = []\n\n[metadata]\nlock-version = "2.1"\npython-versions = "{lock_python}"\n'
    )


def test_poetry_tool_table_and_lock_exclude_the_version_python_version_chose(tmp_path: Path) -> None:
    write_poetry(
        tmp_path, '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "~3.11"\n', "~3.11"
    )
    with pytest.raises(BuildError) as err:
        check(tmp_path, "poetry", Version("3.13.15"), FROM_FILE, CANDIDATES)
    error = err.value
    assert error.code == "python-version::incompatible"
    assert error.title == (
        "Python 3.13.15 (from .python-version:1) is not one pyproject.toml allows: "
        "[tool.poetry.dependencies] python '~3.11'"
    )
    assert error.where == "pyproject.toml:5"
    assert error.details[:3] == [
        ".python-version:1 asks for 3.13: Python 3.13.15.",
        "pyproject.toml:5 [tool.poetry.dependencies] python = '~3.11'",
        "poetry.lock:5 [metadata] python-versions = '~3.11'",
    ]
    assert "write a version they allow in .python-version (e.g. '3.11')" in error.fix
    assert "run 'poetry lock'" in error.fix
    check(tmp_path, "poetry", Version("3.11.2"), FROM_FILE, CANDIDATES)  # allowed: nothing to say


def test_poetry_project_requires_python(tmp_path: Path) -> None:
    write_poetry(tmp_path, '[project]\nname = "x"\nrequires-python = ">=3.12"\n', ">=3.12")
    with pytest.raises(BuildError) as err:
        check(tmp_path, "poetry", Version("3.11.2"), Request("exact", "3.11.2", "runtime.txt:1"), CANDIDATES)
    assert err.value.where == "pyproject.toml:3"
    assert "[project] requires-python '>=3.12'" in err.value.title
    assert "in runtime.txt (e.g. '3.13')" in err.value.fix
    check(tmp_path, "poetry", Version("3.13.15"), FROM_FILE, CANDIDATES)


@pytest.mark.parametrize(
    "key,value,version",
    [("python_version", "3.11", "3.13.15"), ("python_full_version", "3.13.1", "3.13.15")],
)
def test_pipfile_lock(tmp_path: Path, key: str, value: str, version: str) -> None:
    lock = {"_meta": {"requires": {key: value}}, "default": {}}
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock, indent=4))
    (tmp_path / "Pipfile").write_text(f'[packages]\n\n[requires]\n{key} = "{value}"\n')
    with pytest.raises(BuildError) as err:
        check(tmp_path, "pipenv", Version(version), FROM_FILE, CANDIDATES)
    assert err.value.where == "Pipfile.lock:4"
    assert f"_meta.requires.{key} '{value}'" in err.value.title
    assert "(Pipfile:4 is where the lock's version comes from.)" in err.value.details
    assert "the Pipfile's [requires] python_version" in err.value.fix and "'pipenv lock'" in err.value.fix


def test_pipfile_lock_that_allows_the_version(tmp_path: Path) -> None:
    lock = {"_meta": {"requires": {"python_version": "3.13"}}, "default": {}}
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock))
    check(tmp_path, "pipenv", Version("3.13.15"), FROM_FILE, CANDIDATES)


def test_uv_and_the_default(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = "==3.11.*"\n')
    with pytest.raises(BuildError) as err:
        check(tmp_path, "uv", Version("3.13.15"), Request("default", "", "the default"), CANDIDATES)
    assert "the version came from the default: Python 3.13.15." in err.value.details
    assert "in .python-version (e.g. '3.11')" in err.value.fix and "'uv lock'" in err.value.fix


def test_requirements_apps_and_unreadable_files_are_not_checked(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = "==3.11.*"\n')
    check(tmp_path, "requirements", Version("3.13.15"), FROM_FILE, CANDIDATES)
    (tmp_path / "poetry.lock").write_text("[metadata")
    assert [a.what for a in allowed(tmp_path, "poetry")] == ["[project] requires-python"]
