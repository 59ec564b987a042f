from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.requirements import uvlock

PROJECT = """
[project]
name = "app"
version = "1"
dependencies = ["six"]

[[tool.uv.index]]
name = "private-repo"
url = "https://private.invalid/simple/"
"""


def test_an_index_gets_the_credentials_of_uvs_config_vars_as_variables(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PROJECT)
    export = tmp_path / "export.txt"
    export.write_text(
        "--index-url https://private.invalid/simple\n--extra-index-url https://other.invalid/simple\nsix==1.17.0\n"
    )
    uvlock._add_credentials(tmp_path, export, {"UV_INDEX_PRIVATE_REPO_PASSWORD": "s3cret"})
    assert export.read_text().splitlines() == [
        "--index-url https://${UV_INDEX_PRIVATE_REPO_USERNAME}:${UV_INDEX_PRIVATE_REPO_PASSWORD}@private.invalid/simple",
        "--extra-index-url https://other.invalid/simple",
        "six==1.17.0",
    ]


def test_what_is_stale_names_each_difference(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\nrequires-python = ">=3.12"\n'
        'dependencies = ["six==1.17.0", "idna"]\n'
    )
    (tmp_path / "uv.lock").write_text(
        'version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "app"\nversion = "1"\n'
        'source = { virtual = "." }\n\n[package.metadata]\n'
        'requires-dist = [{ name = "six", specifier = "==1.16.0" }, { name = "docopt" }]\n'
    )
    assert uvlock.what_is_stale(tmp_path) == [
        "uv.lock locks docopt, which pyproject.toml no longer asks for",
        "pyproject.toml asks for idna, which uv.lock does not lock",
        "six: pyproject.toml asks for '==1.17.0', uv.lock was made for '==1.16.0'",
        "requires-python: pyproject.toml says '>=3.12', uv.lock was made for '>=3.11'",
    ]


def test_a_locks_export_is_reused_only_while_what_made_it_is_unchanged(tmp_path: Path) -> None:
    from pybuildpack.requirements import locked
    from pybuildpack.requirements.source import InstallSource

    (tmp_path / "uv.lock").write_text("version = 1\n")
    (tmp_path / "pyproject.toml").write_text(PROJECT)
    source = InstallSource("uv", tmp_path / "uv.lock", "from uv.lock")
    inputs = [tmp_path / "pyproject.toml"]
    export, saved = tmp_path / "export.txt", tmp_path / "cache" / "lock-export.txt"
    saved.parent.mkdir()
    export.write_text("six==1.17.0 --hash=sha256:aa\n")
    key = locked.export_key(source, inputs, ["0.13.9", "3.13.15"])
    locked.save_export(saved, key, export)
    assert locked.cached_export(saved, key) == "six==1.17.0 --hash=sha256:aa\n"
    assert locked.cached_export(saved, locked.export_key(source, inputs, ["0.13.9", "3.11.2"])) is None
    (tmp_path / "pyproject.toml").write_text(PROJECT + "\n# changed\n")
    assert locked.cached_export(saved, locked.export_key(source, inputs, ["0.13.9", "3.13.15"])) is None


def test_a_local_source_outside_the_app_is_refused_naming_the_package_before_uv_runs(tmp_path: Path) -> None:
    """Trial N03: a package whose directory source is outside the app and does not exist was uv's
    'Distribution not found at: file:///...'; it is refused as one that exists is (trial R3),
    naming uv.lock's package, before uv (no tool is given here: none is needed to refuse it)."""
    from pybuildpack.errors import BuildError
    from pybuildpack.requirements.lockformats import ExportRequest

    build = tmp_path / "build"
    app = build / "app"
    (app / "libs" / "inside").mkdir(parents=True)
    (build / "shared").mkdir()
    (app / "pyproject.toml").write_text(PROJECT)
    lock = 'version = 1\nrequires-python = ">=3.11"\n\n'
    lock += '[[package]]\nname = "app"\nversion = "1"\nsource = { virtual = "." }\n'
    for name, where in (("inside", "libs/inside"), ("shared", "../shared")):
        lock += f'\n[[package]]\nname = "{name}"\nversion = "0.1"\nsource = {{ directory = "{where}" }}\n'
    request = ExportRequest(app, tmp_path / "export.txt", {}, None, False, None, None, build)
    (app / "uv.lock").write_text(lock)
    with pytest.raises(RuntimeError, match="no uv was given"):  # inside the build directory: uv's to read
        uvlock._export(request)
    for where in ("../../etc", "../../outside", "/"):
        (app / "uv.lock").write_text(
            lock + f'\n[[package]]\nname = "evil"\nversion = "0.1"\nsource = {{ directory = "{where}" }}\n'
        )
        with pytest.raises(BuildError) as caught:
            uvlock._export(request)
        assert caught.value.code == "requirements::path-outside"
        assert (
            caught.value.title == f"uv.lock can't be installed: the local path '{where}' is outside the app"
        )
        assert caught.value.where == "uv.lock: package.3.source.directory"


def test_what_a_workspace_declares_is_every_project_s_own_and_its_dependencies_groups_and_extras() -> None:
    """The root and members of the uv-workspace fixture (the bill of materials' direct ones), not
    a project of the repository outside the workspace (tools/cli)."""
    root = Path(__file__).resolve().parents[1] / "fixtures" / "uv-workspace"
    found = {"api", "gunicorn", "itsdangerous", "shared", "six", "worker", "idna", "certifi"}
    assert uvlock.READER.declares(root) == found


def test_what_a_project_declares_with_extras_groups_and_uvs_older_dev_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "My_App"\nversion = "1"\n'
        "dependencies = [\"Django[argon2]>=5 ; python_version >= '3.10'\"]\n"
        '[project.optional-dependencies]\nredis = ["redis-py-cluster", "not a requirement!"]\n'
        '[dependency-groups]\ndev = ["pytest", {include-group = "lint"}]\nlint = ["ruff"]\n'
        '[tool.uv]\ndev-dependencies = ["coverage"]\n'
    )
    found = uvlock.declares(tmp_path)
    assert found == {"my-app", "django", "redis-py-cluster", "pytest", "ruff", "coverage"}
    (tmp_path / "pyproject.toml").write_text("[project\n")
    assert uvlock.declares(tmp_path) is None  # (not known: the bill says what the lock does)
