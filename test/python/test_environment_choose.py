"""The install engine a build chooses (engine_for, uv_unsuitable): uv by default; pip when
BUILDPACK_INSTALLER says so, when the requirements hold a form uv does not read (naming the line),
and when uv can't be had (a damaged copy on the mirror), each time with the reason the build prints
and the report keeps. uv is the real pinned wheel from the mirror (make mirror)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pybuildpack.context import ConfigVars, Layout, Settings
from pybuildpack.environment.choose import engine_for, uv_unsuitable
from pybuildpack.environment.pip import Pip
from pybuildpack.environment.uv import UvEngine
from pybuildpack.requirements.app import App
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.requirements.source import InstallSource

ROOT = Path(__file__).resolve().parents[2]
MIRROR = ROOT / ".mirror"
UV_VERSION = "0.13.9"


def app_of(tmp_path: Path, requirements: str) -> tuple[Layout, App]:
    app = tmp_path / "build"
    app.mkdir(exist_ok=True)
    (app / "requirements.txt").write_text(requirements)
    layout = Layout(app=app, build=app, buildpack=ROOT, work=tmp_path / "work", cache=tmp_path / "cache")
    graph = parse_requirements(app / "requirements.txt", app, {})
    source = InstallSource("requirements", app / "requirements.txt", "from requirements.txt")
    return layout, App(source, graph, ConfigVars(), Settings.from_env())


HASHED = "six==1.17.0 \\\n    --hash=sha256:" + "a" * 64 + "\n"


@pytest.mark.parametrize(
    ("requirements", "why"),
    [
        (
            HASHED + "idna \\\n  ; python_version >= '3'\n",
            "requirements.txt:3 continues its requirement on the next line "
            "(a backslash before a version or marker), which uv does not read",
        ),
        (
            "six==1.17.0\n-e git+https://git.invalid/x.git@main#egg=x\n",
            "requirements.txt:2 is an editable VCS requirement, which uv does not install",
        ),
        ("--pre\nsix\n", "the requirements use --pre, which uv does not read in a requirements file"),
        (
            "--prefer-binary\nsix\n",
            "the requirements use --prefer-binary, which uv does not read in a requirements file",
        ),
        (HASHED + "-e ./local\ngit+https://git.invalid/y.git@main#egg=y\n", None),
    ],
)
def test_a_form_uv_does_not_read_is_named_with_its_line(
    tmp_path: Path, requirements: str, why: str | None
) -> None:
    (tmp_path / "build" / "local").mkdir(parents=True)
    (tmp_path / "build" / "local" / "pyproject.toml").write_text('[project]\nname = "local"\nversion = "1"\n')
    _layout, app = app_of(tmp_path, requirements)
    assert uv_unsuitable(app.graph) == why


def test_pip_when_the_installer_setting_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout, app = app_of(tmp_path, "six==1.17.0\n")
    engine = engine_for(layout, app, "amd64", "pip")
    assert isinstance(engine, Pip) and engine.why == "BUILDPACK_INSTALLER=pip"
    assert capsys.readouterr().out == ""  # the user chose: nothing to explain
    assert not (layout.cache / "package-managers").exists()  # uv is not fetched


def test_pip_for_a_form_uv_does_not_read_says_which_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", f"file://{tmp_path}/no-mirror")  # never asked
    layout, app = app_of(tmp_path, "--pre\nsix==1.17.0\n")
    engine = engine_for(layout, app, "amd64", "uv")
    why = "the requirements use --pre, which uv does not read in a requirements file"
    assert isinstance(engine, Pip) and engine.why == why
    assert capsys.readouterr().out == f"       Installing with pip, not uv: {why}\n"


def test_uv_from_the_mirror_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", MIRROR.as_uri())
    layout, app = app_of(tmp_path, "six==1.17.0\n")
    engine = engine_for(layout, app, "amd64", "uv")
    assert isinstance(engine, UvEngine) and engine.uv.program.is_file()
    assert engine.uv.program.is_relative_to(layout.cache / "package-managers")
    assert capsys.readouterr().out == (
        f"       Fetching uv {UV_VERSION}\n"
        f"       Installing with uv {UV_VERSION} (pip takes over a step uv fails)\n"
    )
    # The next build finds it in the cache: no fetch.
    assert isinstance(engine_for(layout, app, "amd64", "uv"), UvEngine)
    assert "Fetching" not in capsys.readouterr().out


def test_pip_when_the_mirrors_uv_is_damaged_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine_uv.bats case: the mirror's copy of uv truncated, its checksum fails; pip installs."""
    mirror = tmp_path / "mirror"
    (mirror / "tools").mkdir(parents=True)
    shutil.copy(MIRROR / "index.txt", mirror)
    for wheel in (MIRROR / "tools").glob("uv-*.whl"):
        (mirror / "tools" / wheel.name).write_bytes(wheel.read_bytes()[:4096])
        shutil.copy(wheel.with_name(wheel.name + ".sha256"), mirror / "tools")
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", mirror.as_uri())
    layout, app = app_of(tmp_path, "six==1.17.0\n")
    engine = engine_for(layout, app, "amd64", "uv")
    assert isinstance(engine, Pip)
    assert engine.why.startswith("uv could not be fetched (Checksum mismatch")
    out = capsys.readouterr().out
    assert out.startswith(
        f"       Fetching uv {UV_VERSION}\n       Installing with pip, not uv: uv could not be fetched ("
    )
    assert not list((layout.cache / "package-managers").glob("uv-*/uv"))  # nothing of it kept


def test_pip_when_no_uv_can_be_had_names_no_lock_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trial N68: no uv on the mirror and the index unreachable, for a requirements app: pip
    installs, and the note says uv could not be downloaded, not that a lock file needs it (the app
    has none; an app's lock that needs uv says so: test_environment_reuse.py)."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "index.txt").write_text(
        "".join(
            f"{line}\n"
            for line in (MIRROR / "index.txt").read_text().split()
            if not line.startswith("tools/")
        )
    )
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", mirror.as_uri())
    layout, app = app_of(tmp_path, "six==1.17.0\n")
    app = App(app.source, app.graph, ConfigVars({"PIP_INDEX_URL": "http://127.0.0.1:9/simple"}), app.settings)
    engine = engine_for(layout, app, "amd64", "uv")
    assert isinstance(engine, Pip)
    assert engine.why == f"uv could not be fetched (Could not download uv {UV_VERSION})"
    assert "lock file" not in capsys.readouterr().out
