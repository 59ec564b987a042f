from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.errors import BuildError
from pybuildpack.requirements.source import install_source

MARKERS = Path(__file__).resolve().parents[2] / "data" / "app-markers.txt"


def test_requirements(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("six\n")
    (tmp_path / "setup.py").write_text("")
    assert install_source(tmp_path, MARKERS).kind == "requirements"


@pytest.mark.parametrize(
    "name", ["requirments.txt", "requirement.txt", "Requirements.txt", "requirements.text"]
)
def test_misspelt_requirements_is_named(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("six\n")
    with pytest.raises(BuildError) as err:
        install_source(tmp_path, MARKERS)
    assert err.value.code == "app::requirements-misspelt"
    assert name in err.value.title


def test_package_apps(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    assert install_source(tmp_path, MARKERS).kind == "package"


def test_tool_config_only_pyproject_is_not_a_package(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    with pytest.raises(BuildError) as err:
        install_source(tmp_path, MARKERS)
    assert err.value.code == "app::no-dependency-file"


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ({"pyproject.toml": '[project\nname = "x"\n'}, "line 1, column 9"),
        ({"pyproject.toml": b'[project]\nname = "caf\xe9"\n'}, "not UTF-8 text"),
        (
            {"pyproject.toml": "[tool.black\n", "setup.py": "import setuptools\nsetuptools.setup()\n"},
            "line 1",
        ),
    ],
)
def test_a_package_app_whose_pyproject_is_not_toml_is_told_so(
    tmp_path: Path, files: dict[str, str | bytes], said: str
) -> None:
    # pip would build the package and stop at the same file, with a traceback (trial 16 of round 4)
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    with pytest.raises(BuildError) as err:
        install_source(tmp_path, MARKERS)
    assert err.value.code == "python-version::pyproject-invalid"  # as when read for requires-python
    assert err.value.title.startswith("pyproject.toml is not valid TOML: ")
    assert said in err.value.title
    assert err.value.where == "pyproject.toml"


def test_pipfile_without_a_lock_says_to_lock(tmp_path: Path) -> None:
    (tmp_path / "Pipfile").write_text("")
    with pytest.raises(BuildError) as err:
        install_source(tmp_path, MARKERS)
    assert err.value.code == "lockfile::missing"
    assert "pipenv lock" in err.value.fix


def test_uv_lock_is_a_locked_source(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("version = 1\n")
    source = install_source(tmp_path, MARKERS)
    assert (source.kind, source.locked, source.manager) == ("uv", True, "uv")
    assert source.path == tmp_path / "uv.lock"


@pytest.mark.parametrize(
    "files",
    [("requirements.txt", "uv.lock"), ("uv.lock", "Pipfile.lock"), ("requirements.txt", "poetry.lock")],
)
def test_two_package_managers_are_an_error_naming_both(tmp_path: Path, files: tuple[str, str]) -> None:
    for name in files:
        (tmp_path / name).write_text("")
    with pytest.raises(BuildError) as err:
        install_source(tmp_path, MARKERS)
    assert err.value.code == "app::several-package-managers"
    assert all(name in err.value.title for name in files)
    assert "BUILDPACK_PACKAGE_MANAGER" in err.value.fix


def test_buildpack_package_manager_chooses_one(tmp_path: Path) -> None:
    for name in ("requirements.txt", "uv.lock"):
        (tmp_path / name).write_text("")
    assert install_source(tmp_path, MARKERS, "pip").kind == "requirements"
    assert install_source(tmp_path, MARKERS, "uv").kind == "uv"
    with pytest.raises(BuildError) as err:
        install_source(tmp_path, MARKERS, "pipenv")
    assert err.value.code == "app::package-manager-unknown"
    with pytest.raises(BuildError) as err:
        install_source(tmp_path, MARKERS, "conda")
    assert err.value.code == "app::package-manager-unknown"


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing yet\n", '"""The app."""\n'])
def test_an_empty_setup_py_alone_is_a_clear_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "setup.py").write_text(text)
    with pytest.raises(BuildError) as err:
        install_source(tmp_path, MARKERS)
    assert err.value.code == "app::empty-setup-py"
    assert err.value.where == "setup.py"
    assert "requirements.txt" in err.value.fix and "setup()" in err.value.fix


@pytest.mark.parametrize(
    ("files", "kind"),
    [
        ({"setup.py": "from setuptools import setup\nsetup()\n"}, "package"),
        ({"setup.py": "import setuptools\nsetuptools.setup(name='x')\n"}, "package"),
        ({"setup.py": "", "requirements.txt": "six\n"}, "requirements"),  # setup.py is not read
        # another build backend (hatchling) ignores an empty setup.py
        ({"setup.py": "", "pyproject.toml": '[project]\nname = "x"\nversion = "1"\n'}, "package"),
    ],
)
def test_a_setup_py_with_code_or_beside_another_file_is_no_error(
    tmp_path: Path, files: dict[str, str], kind: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert install_source(tmp_path, MARKERS).kind == kind
