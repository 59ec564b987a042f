from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.context import PIP_ALLOWLIST, ConfigVars, Layout
from pybuildpack.requirements.parse import parse_requirements


def env_dir(tmp_path: Path, values: dict[str, str]) -> Path:
    root = tmp_path / "env"
    root.mkdir()
    for name, value in values.items():
        (root / name).write_text(value)
    return root


def test_read_ignores_names_that_are_not_identifiers(tmp_path: Path) -> None:
    root = env_dir(
        tmp_path,
        {
            "SECRET_KEY": "s3cret\n",
            "_PRIVATE": "x",
            "BAD-NAME": "1",
            "1ABC": "2",
            "has space": "3",
            ".hidden": "4",
        },
    )
    (root / "A_DIRECTORY").mkdir()
    assert ConfigVars.read(root).values == {"SECRET_KEY": "s3cret", "_PRIVATE": "x"}


def test_read_drops_trailing_newlines_only(tmp_path: Path) -> None:
    root = env_dir(tmp_path, {"PIP_INDEX_URL": "http://127.0.0.1:1/simple\n\n", "TWO": "a\nb\n"})
    # pip must not see http://127.0.0.1:1/simple%0A (bash's $(<file) and Heroku drop the newline)
    assert ConfigVars.read(root).values == {"PIP_INDEX_URL": "http://127.0.0.1:1/simple", "TWO": "a\nb"}


def test_read_without_config_vars(tmp_path: Path) -> None:
    assert ConfigVars.read(None).values == {}
    assert ConfigVars.read(tmp_path / "missing").values == {}
    (tmp_path / "a-file").write_text("")
    assert ConfigVars.read(tmp_path / "a-file").values == {}


CONFIG = {
    "PIP_INDEX_URL": "https://user:token@pypi.example.com/simple",
    "PIP_EXTRA_INDEX_URL": "https://extra.example.com/simple",
    "PIP_CERT": "/app/cert.pem",  # transport settings come from the build machine, not the app
    "PIP_TARGET": "/tmp/elsewhere",
    "DATABASE_URL": "postgres://user:pw@db/app",
    "SECRET_KEY": "s3cret",
}


def test_for_pip_keeps_only_the_allow_list() -> None:
    assert ConfigVars(dict(CONFIG)).for_pip() == {
        "PIP_INDEX_URL": CONFIG["PIP_INDEX_URL"],
        "PIP_EXTRA_INDEX_URL": CONFIG["PIP_EXTRA_INDEX_URL"],
    }
    assert "PIP_TARGET" not in PIP_ALLOWLIST


def test_for_pip_never_hands_the_engine_the_vars_requirements_files_expand(tmp_path: Path) -> None:
    """A ${VAR} a line expands reaches the engine as its value in the lines the build writes,
    never as a variable: UV_LINK_MODE=symlink named in a line must not set how uv installs."""
    from pybuildpack.environment.install import requirement_args

    config = ConfigVars({**CONFIG, "UV_LINK_MODE": "symlink", "UV_INDEX_URL": "http://127.0.0.1:9/simple"})
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text(
        "requests==2.32.3\nprivate @ https://files.example.com/${DATABASE_URL}/private-1.0.tar.gz\n"
        "six ; platform_machine != '${UV_LINK_MODE}' and platform_machine != '${UV_INDEX_URL}'\n"
    )
    graph = parse_requirements(app / "requirements.txt", app, config.for_expansion())
    pip = config.for_pip()
    assert not {"DATABASE_URL", "UV_LINK_MODE", "UV_INDEX_URL", "SECRET_KEY", "PIP_CERT"} & set(pip)
    layout = Layout(app=app, build=app, buildpack=tmp_path, work=tmp_path / "work", cache=None)
    args = requirement_args(layout, graph, ["-r", "requirements.txt"])
    assert args[0] == "-r" and args[1] != "requirements.txt"
    written = Path(args[1]).read_text()
    assert f"https://files.example.com/{CONFIG['DATABASE_URL']}/private-1.0.tar.gz" in written
    assert "platform_machine != 'symlink'" in written and "${" not in written
    assert Path(args[1]).stat().st_mode & 0o077 == 0


def test_for_expansion_puts_config_vars_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBUILDPACK_TEST_SHARED", "from the environment")
    monkeypatch.setenv("PYBUILDPACK_TEST_ONLY_ENV", "only in the environment")
    expansion = ConfigVars(
        {"PYBUILDPACK_TEST_SHARED": "from the config", "PYBUILDPACK_TEST_ONLY_CONFIG": "c"}
    ).for_expansion()
    assert expansion["PYBUILDPACK_TEST_SHARED"] == "from the config"
    assert expansion["PYBUILDPACK_TEST_ONLY_ENV"] == "only in the environment"
    assert expansion["PYBUILDPACK_TEST_ONLY_CONFIG"] == "c"


def test_layout_paths(tmp_path: Path) -> None:
    layout = Layout(
        app=tmp_path / "build" / "web",
        build=tmp_path / "build",
        buildpack=tmp_path / "buildpack",
        work=tmp_path / "work",
        cache=tmp_path / "cache" / "python",
    )
    assert layout.runtime_python == tmp_path / "build/.heroku/python/bin/python3"
    assert layout.env_python == tmp_path / "build/.heroku/venv/bin/python"
    assert layout.natives == tmp_path / "build/.heroku/vendor"
    assert layout.scratch == tmp_path / "work/scratch"
    assert layout.downloads == tmp_path / "cache/python/pip/sdists"
    without_cache = Layout(layout.app, layout.build, layout.buildpack, layout.work, None)
    assert without_cache.cached("pip") is None
    assert without_cache.downloads == tmp_path / "work/scratch/sdists"


@pytest.mark.parametrize(
    ("value", "engine"), [(None, "uv"), ("", "uv"), ("uv", "uv"), ("pip", "pip"), (" PIP\n", "pip")]
)
def test_installer_is_uv_or_pip(monkeypatch: pytest.MonkeyPatch, value: str | None, engine: str) -> None:
    from pybuildpack.context import Settings

    if value is None:
        monkeypatch.delenv("BUILDPACK_INSTALLER", raising=False)
    else:
        monkeypatch.setenv("BUILDPACK_INSTALLER", value)
    assert Settings.from_env().installer == engine


@pytest.mark.parametrize("value", ["300MB", "-1", "2.5", "\u0663"])
def test_a_size_that_is_not_a_whole_number_of_mb_is_an_error(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from pybuildpack.context import Settings
    from pybuildpack.errors import BuildError

    monkeypatch.setenv("BUILDPACK_SLUG_SIZE_WARNING", value)
    with pytest.raises(BuildError) as caught:
        Settings.from_env()
    text = "\n".join(caught.value.lines())
    assert f"BUILDPACK_SLUG_SIZE_WARNING={value!r} is not a size in MB" in text
    assert "config var BUILDPACK_SLUG_SIZE_WARNING" in text
    assert f"unset it for {Settings().slug_size_warning}" in text  # the default it names is the default
    assert caught.value.code == "config::size"
    monkeypatch.setenv("BUILDPACK_SLUG_SIZE_WARNING", " 0 ")
    assert Settings.from_env().slug_size_warning == 0


@pytest.mark.parametrize("value", ["bogus", "pip3", "poetry"])
def test_an_unknown_installer_is_an_error_naming_the_config_var(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from pybuildpack.context import Settings
    from pybuildpack.errors import BuildError

    monkeypatch.setenv("BUILDPACK_INSTALLER", value)
    with pytest.raises(BuildError) as caught:
        Settings.from_env()
    text = "\n".join(caught.value.lines())
    assert f"BUILDPACK_INSTALLER='{value}' is not an install engine" in text
    assert "config var BUILDPACK_INSTALLER" in text and "uv" in text and "pip" in text
    assert caught.value.code == "config::installer"
