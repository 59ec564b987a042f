"""The app's own line of a requirements file given the extras BUILDPACK_INSTALL_EXTRAS selects
(requirements/ownline.py), read from real files by read_app as a build reads them: every form
pip and uv accept for the app itself, extras already written kept, the engine handed the line
with them; an extra the app does not declare fails, listing those it does."""

from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.context import Layout, Settings
from pybuildpack.environment.install import requirement_args
from pybuildpack.errors import BuildError
from pybuildpack.plan.show import graph_lines
from pybuildpack.requirements.app import App, read_app

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = """
[project]
name = "app"
version = "1.0"
dependencies = ["six"]

[project.optional-dependencies]
redis = ["redis"]
Socks_Proxy = ["pysocks"]
"""


def built(
    tmp_path: Path, requirements: str, extras: tuple[str, ...], files: dict[str, str] | None = None
) -> tuple[Layout, App]:
    app = tmp_path / "build"
    app.mkdir(parents=True)
    (app / "pyproject.toml").write_text(PYPROJECT)
    (app / "requirements.txt").write_text(requirements)
    for name, text in (files or {}).items():
        (app / name).write_text(text)
    layout = Layout(app=app, build=app, buildpack=ROOT, work=tmp_path / "work", cache=None)
    return layout, read_app(layout, Settings(install_extras=extras))


def handed(layout: Layout, app: App) -> str:
    """What the engine installs the app's requirements from: its own file, or the build's lines."""
    args = requirement_args(layout, app.graph, app.source.install_args)
    return Path(args[1]).read_text() if args[1] != "requirements.txt" else "(requirements.txt as written)"


@pytest.mark.parametrize(
    ("line", "given"),
    [
        ("-e .", "-e .[redis,Socks_Proxy]"),
        (".", ".[redis,Socks_Proxy]"),
        ("./", "./[redis,Socks_Proxy]"),
        ("-e file:.", "-e file:.[redis,Socks_Proxy]"),
        ("--editable=.", "--editable=.[redis,Socks_Proxy]"),
        # pip reads no extras after a URL that is not editable: its path instead
        ("file:.", ".[redis,Socks_Proxy]"),
        # extras already written are kept, and one named again is not added twice
        ("-e .[redis]", "-e .[redis,Socks_Proxy]"),
        (". ; python_version >= '3.8'", ".[redis,Socks_Proxy] ; python_version >= '3.8'"),
    ],
)
def test_the_app_s_own_line_gets_the_selected_extras(tmp_path: Path, line: str, given: str) -> None:
    layout, app = built(tmp_path, f"six==1.17.0\n{line}  # the app itself\n", ("REDIS", "socks-proxy"))
    assert app.source.selection.extras == ("redis", "Socks_Proxy")  # named as the app declares them
    assert handed(layout, app) == f"six==1.17.0\n{given}\n"
    [own] = [entry for entry in app.graph.requirements() if entry.kind == "path"]
    assert own.extras == {"redis", "Socks_Proxy"}
    assert app.source.install_command == "pip install -r requirements.txt"
    shown = "\n".join(graph_lines(app.graph))
    assert f"requirements.txt:2: {given} [path" in shown
    assert "added: BUILDPACK_INSTALL_EXTRAS]" in shown


def test_a_line_in_an_included_file_and_extras_written_already_need_no_rewrite(tmp_path: Path) -> None:
    layout, app = built(tmp_path, "-r base.txt\n", ("redis",), {"base.txt": "-e .[redis]\n"})
    assert app.source.selection.extras == ("redis",)
    assert not app.graph.rewritten  # the line installs the extra already: the app's files as they are
    assert handed(layout, app) == "(requirements.txt as written)"
    layout, app = built(tmp_path / "2", "-r base.txt\n", ("socks-proxy",), {"base.txt": "-e .[redis]\n"})
    assert handed(layout, app) == "-e .[redis,Socks_Proxy]\n"


def test_nothing_selected_leaves_the_files_as_they_are(tmp_path: Path) -> None:
    layout, app = built(tmp_path, "-e .\n", ())
    assert not app.source.selection and not app.graph.rewritten
    assert handed(layout, app) == "(requirements.txt as written)"


def test_an_undeclared_extra_fails_naming_those_the_app_declares(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as caught:
        built(tmp_path, "-e .\n", ("redis", "celery"))
    assert caught.value.code == "app::extra-unknown"
    assert str(caught.value).startswith(
        "BUILDPACK_INSTALL_EXTRAS names celery: pyproject.toml declares no such"
    )
    assert (
        caught.value.details[0] == "pyproject.toml (its optional dependencies) declares: Socks_Proxy, redis."
    )


def test_a_requirements_file_that_does_not_install_the_app_has_no_extras(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither a constraint on the app nor a line whose location is a ${VAR} (the reader keeps
    such an editable line whole) is a line that installs it with the extras."""
    monkeypatch.setenv("APP_DIR", ".")
    for requirements in ("six\n", "-c constraints.txt\nsix\n", "-e ${APP_DIR}\n"):
        with pytest.raises(BuildError) as caught:
            built(tmp_path, requirements, ("redis",), {"constraints.txt": ".\n"})
        assert caught.value.code == "app::extra-unknown"
        assert caught.value.details[0] == "requirements.txt declares: no extra."
        assert "added to the line of requirements.txt that installs the app" in caught.value.details[1]
        tmp_path = tmp_path / "again"
