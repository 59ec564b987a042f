"""Every value a lock gives is checked before it becomes a requirement line, and a wrong one is a
BuildError that names the lock and the entry (never an internal error, never an injected line);
deep nesting is refused at the parse boundary with the limit named; a lock that reads as empty
while the project asks for packages is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pybuildpack.errors import BuildError
from pybuildpack.nesting import MAX_DEPTH
from pybuildpack.requirements import locked, pipfilelock, poetrylock, uvlock
from pybuildpack.requirements.source import InstallSource

HASH = "sha256:" + "a" * 64
SIX = {"version": "==1.16.0", "hashes": [HASH]}


def pipenv_app(tmp_path: Path, default: dict[str, Any], **top: object) -> Path:
    lock: dict[str, Any] = {
        "_meta": {"hash": {"sha256": "x"}, "sources": []},
        "default": default,
        "develop": {},
    }
    lock.update(top)
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock, indent=4))
    return tmp_path


def pipenv_error(app: Path) -> BuildError:
    with pytest.raises(BuildError) as caught:
        pipfilelock.check_files(app)
        pipfilelock.export(app, app / "out.txt", None)
    return caught.value


@pytest.mark.parametrize(
    ("spec", "where", "says"),
    [
        ({"version": "==1.16.0\n-r /etc/passwd"}, "Pipfile.lock: default.six.version", "line break"),
        ({"version": 5}, "Pipfile.lock: default.six.version", "must be a string, not a number"),
        ({"version": "==1.16.0", "hashes": "abc"}, "Pipfile.lock: default.six.hashes", "must be an array"),
        ({"version": "==1.16.0", "hashes": ["md5:abc"]}, "Pipfile.lock: default.six.hashes.0", "not a hash"),
        ({"version": "==1.16.0", "markers": ["python_version >= '3'"]}, "default.six.markers", "a string"),
        (
            {"version": "==1.16.0", "markers": "python_version >>> '3'"},
            "default.six.markers",
            "not an environment",
        ),
        ({"version": "==1.16.0", "extras": ["a b"]}, "default.six.extras.0", "not a package name"),
        ({"version": "not a specifier"}, "Pipfile.lock: default.six.version", "not a version specifier"),
        ({"git": "https://host.invalid/x.git\n-e /"}, "default.six.git", "line break"),
        ({"git": "https://host.invalid/x.git", "ref": "main #x"}, "default.six.ref", "not a commit"),
        ({"file": "https://host.invalid/a b.tar.gz"}, "default.six.file", "not a URL"),
        ("==1.16.0", "Pipfile.lock: default.six", "must be a table, not a string"),
    ],
)
def test_a_pipfile_lock_value_of_the_wrong_type_or_form_is_named(
    tmp_path: Path, spec: object, where: str, says: str
) -> None:
    error = pipenv_error(pipenv_app(tmp_path, {"six": spec}))
    assert error.code == "lockfile::invalid"
    assert where in error.where
    assert says in " ".join(error.lines())


@pytest.mark.parametrize(
    ("top", "says"),
    [
        ({"_meta": "x"}, "_meta must be a table, not a string"),
        ({"_meta": {"sources": ["https://x.invalid/simple"]}}, "_meta.sources.0 must be a table"),
        ({"_meta": {"sources": "x"}}, "_meta.sources must be an array"),
        ({"_meta": {"hash": "x"}}, "_meta.hash must be a table"),
        ({"_meta": {"sources": [{"url": "https://x.invalid/simple\n-r /etc/passwd"}]}}, "line break"),
        ({"develop": []}, "develop must be a table, not an array"),
    ],
)
def test_a_pipfile_lock_with_sections_of_the_wrong_type_is_named(
    tmp_path: Path, top: dict[str, Any], says: str
) -> None:
    error = pipenv_error(pipenv_app(tmp_path, {"six": SIX}, **top))
    assert error.code == "lockfile::invalid"
    assert says in " ".join(error.lines())


def test_a_package_name_with_a_line_break_is_no_requirement_line(tmp_path: Path) -> None:
    error = pipenv_error(pipenv_app(tmp_path, {"six==1.16.0\n-r /etc/passwd\n#": SIX}))
    assert "line break" in error.title
    assert error.where == "Pipfile.lock: default.six==1.16.0\\n-r /etc/passwd\\n#"


def test_nesting_deeper_than_the_limit_is_refused_at_parse_with_the_limit(tmp_path: Path) -> None:
    (tmp_path / "Pipfile.lock").write_text("[" * 100_000 + "]" * 100_000)
    error = pipenv_error(tmp_path)
    assert error.code == "lockfile::invalid" and f"more than {MAX_DEPTH} levels" in " ".join(error.lines())
    pipenv_app(tmp_path, {"six": {**SIX, "x": json.loads("[" * 70 + "]" * 70)}})
    assert f"more than {MAX_DEPTH} levels" in " ".join(pipenv_error(tmp_path).lines())
    nested = "a = " + "[" * 50_000 + "]" * 50_000 + "\n"
    for name, reader in (("uv.lock", uvlock), ("poetry.lock", poetrylock)):
        app = tmp_path / name
        app.mkdir()
        (app / name).write_text('version = 1\n[metadata]\nlock-version = "2.1"\n')
        (app / "pyproject.toml").write_text(nested)
        with pytest.raises(BuildError) as caught:
            reader.check_files(app)
        assert caught.value.where == "pyproject.toml" and f"more than {MAX_DEPTH}" in " ".join(
            caught.value.lines()
        )
        (app / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1"\n')
        (app / name).write_text(nested)
        with pytest.raises(BuildError) as caught:
            reader.check_files(app)
        assert caught.value.where == name and caught.value.code == "lockfile::invalid"


POETRY_PROJECT = (
    '[tool.poetry]\nname = "app"\nversion = "1"\npackage-mode = false\n\n'
    '[tool.poetry.dependencies]\npython = ">=3.11"\nsix = "*"\n'
)


def poetry_app(tmp_path: Path, packages: str) -> Path:
    import tomllib

    (tmp_path / "pyproject.toml").write_text(POETRY_PROJECT)
    digest = sorted(poetrylock.content_hashes(tomllib.loads(POETRY_PROJECT)))[0]
    (tmp_path / "poetry.lock").write_text(
        f'{packages}\n[metadata]\nlock-version = "2.1"\npython-versions = ">=3.11"\n'
        f'content-hash = "{digest}"\n'
    )
    return tmp_path


def poetry_error(app: Path) -> BuildError:
    with pytest.raises(BuildError) as caught:
        poetrylock.check_files(app)
        poetrylock.export(app, app / "out.txt", {})
    return caught.value


PACKAGE = '[[package]]\nname = "six"\nversion = "1.16.0"\noptional = false\ngroups = ["main"]\n'


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ('files = "abc"\n', "package six.files must be an array, not a string"),
        ('source = "x"\n', "package six.source must be a table, not a string"),
        (f'files = [{{file = "six.whl", hash = "{HASH}\\n-r /etc/passwd"}}]\n', "line break"),
        ('files = [{file = "six.whl", hash = "sha256:zz"}]\n', "not a hash"),
        ('markers = "os_name =="\n', "not an environment marker"),
        ('[package.source]\ntype = "url"\nurl = "https://x.invalid/a b.whl"\n', "not a URL"),
    ],
)
def test_a_poetry_lock_value_of_the_wrong_type_or_form_names_the_package_and_line(
    tmp_path: Path, extra: str, says: str
) -> None:
    error = poetry_error(poetry_app(tmp_path, PACKAGE + extra))
    assert error.code == "lockfile::invalid"
    assert error.where.startswith("poetry.lock:2: package six")
    assert says in " ".join(error.lines())


def test_a_poetry_name_with_a_line_break_is_refused(tmp_path: Path) -> None:
    error = poetry_error(poetry_app(tmp_path, PACKAGE.replace('"six"', '"six==1.16.0\\n-r /etc/passwd\\n#"')))
    assert error.code == "lockfile::invalid" and "line break" in error.title


def test_a_poetry_lock_with_package_as_one_table_is_refused_not_empty(tmp_path: Path) -> None:
    """[package] instead of [[package]]: read as no packages, it would uninstall everything."""
    error = poetry_error(poetry_app(tmp_path, PACKAGE.replace("[[package]]", "[package]")))
    assert error.code == "lockfile::invalid"
    assert "[[package]]" in error.title and "not a table" in error.title


def test_a_lock_with_no_package_while_the_project_asks_for_some_is_refused(tmp_path: Path) -> None:
    error = poetry_error(
        poetry_app(tmp_path / "poetry" if (tmp_path / "poetry").mkdir() is None else tmp_path, "")
    )
    assert "locks no package, while pyproject.toml asks for some" in error.title
    pipenv = tmp_path / "pipenv"
    pipenv.mkdir()
    pipenv_app(pipenv, {})
    (pipenv / "Pipfile").write_text('[packages]\nsix = "*"\n')
    error = pipenv_error(pipenv)
    assert "locks no package, while the Pipfile asks for some" in error.title
    uv = tmp_path / "uv"
    uv.mkdir()
    (uv / "uv.lock").write_text('version = 1\nrequires-python = ">=3.11"\n')
    (uv / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1"\ndependencies = ["six"]\n')
    with pytest.raises(BuildError) as caught:
        uvlock.check_files(uv)
    assert "locks no package, while pyproject.toml asks for some" in caught.value.title
    (uv / "uv.lock").write_text('version = 1\n[package]\nname = "six"\n')
    with pytest.raises(BuildError) as caught:
        uvlock.check_files(uv)
    assert caught.value.code == "lockfile::invalid"


def test_uv_lock_tables_of_the_wrong_type_are_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1"\ndependencies = "six"\n')
    (tmp_path / "uv.lock").write_text('version = 1\n[[package]]\nname = "app"\nmetadata = "x"\n')
    with pytest.raises(BuildError) as caught:
        uvlock.check_files(tmp_path)
    assert caught.value.where == "uv.lock: package.0.metadata"
    (tmp_path / "uv.lock").write_text('version = 1\n[[package]]\nname = "app"\n')
    with pytest.raises(BuildError) as caught:
        uvlock.check_files(tmp_path)
    assert caught.value.where == "pyproject.toml: project.dependencies"


def test_an_error_in_an_export_names_the_lock_not_the_export(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("version = 1\n")
    export = tmp_path / "work" / "uv-export.txt"
    export.parent.mkdir()
    export.write_text("six==1.16.0 ; python_version >>> '3'\n")
    source = InstallSource("uv", tmp_path / "uv.lock", "from uv.lock (uv)")
    with pytest.raises(BuildError) as caught:
        locked.graph_from_export(tmp_path, source, export, [], {})
    assert caught.value.where == "uv.lock"
    assert "uv-export" not in " ".join(caught.value.lines())
