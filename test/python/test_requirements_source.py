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


def test_pipenv_only_is_explained(tmp_path: Path) -> None:
    (tmp_path / "Pipfile").write_text("")
    with pytest.raises(BuildError) as err:
        install_source(tmp_path, MARKERS)
    assert "Pipenv" in "\n".join(err.value.details)
