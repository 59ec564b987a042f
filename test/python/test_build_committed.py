from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.build.committed import mark_runtime, refuse_committed_environments
from pybuildpack.errors import BuildError


def _venv(path: Path) -> None:
    (path / "bin").mkdir(parents=True)
    (path / "bin" / "python").symlink_to("/usr/bin/python3")
    (path / "pyvenv.cfg").write_text("home = /home/dev/.pyenv/versions/3.13.1/bin\n")


@pytest.mark.parametrize("name", [".venv", "venv", "env"])
def test_a_virtual_environment_in_the_app_is_an_error_saying_how_to_remove_it(
    tmp_path: Path, name: str
) -> None:
    _venv(tmp_path / name)
    with pytest.raises(BuildError) as err:
        refuse_committed_environments(tmp_path, tmp_path)
    assert err.value.code == "app::committed-virtualenv"
    assert err.value.where == f"{name}/pyvenv.cfg"
    assert f"  {name}/bin/python" in err.value.details
    assert (
        f"git rm -r --cached {name}\n" in err.value.fix and f"echo '{name}/' >> .gitignore" in err.value.fix
    )


def test_a_virtual_environment_beside_an_app_in_a_subdirectory_is_found(tmp_path: Path) -> None:
    (tmp_path / "services" / "api").mkdir(parents=True)
    _venv(tmp_path / ".venv")
    with pytest.raises(BuildError) as err:
        refuse_committed_environments(tmp_path, tmp_path / "services" / "api")
    assert err.value.where == ".venv/pyvenv.cfg"


def test_a_runtime_the_buildpack_did_not_put_there_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".heroku" / "python" / "bin").mkdir(parents=True)
    (tmp_path / ".heroku" / "python" / "bin" / "python").write_text("not a python\n")
    with pytest.raises(BuildError) as err:
        refuse_committed_environments(tmp_path, tmp_path)
    assert err.value.code == "app::committed-runtime"
    assert "  .heroku/python/bin/python" in err.value.details
    assert "git rm -r --cached .heroku/python" in err.value.fix


def test_the_buildpacks_own_runtime_and_ordinary_directories_are_fine(tmp_path: Path) -> None:
    (tmp_path / ".heroku" / "python").mkdir(parents=True)
    mark_runtime(tmp_path / ".heroku" / "python", "python-3.13.15-debian-12-amd64.tar.zst")
    (tmp_path / ".heroku" / "venv").mkdir()
    (tmp_path / ".heroku" / "venv" / "pyvenv.cfg").write_text("home = x\n")  # the build's own
    (tmp_path / "venv").mkdir()  # a directory called venv, not a virtual environment
    (tmp_path / "app.py").write_text("")
    refuse_committed_environments(tmp_path, tmp_path)
