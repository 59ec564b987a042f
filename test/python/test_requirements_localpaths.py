"""Local paths are bounded by the build directory: `file:///`, a lock's `path = "/"` or
`"../../etc"`, a local package holding a `root -> /` link are errors that name the line (or the
lock entry), and the fingerprint never opens a special file nor follows a link out of its tree."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from pybuildpack.cache.fingerprint import tree_digest
from pybuildpack.errors import BuildError
from pybuildpack.requirements import localpaths, pipfilelock, poetrylock
from pybuildpack.requirements.parse import parse_requirements


def package(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    return path


def check(app: Path, text: str, bound: Path | None = None, package_app: bool = False) -> None:
    (app / "requirements.txt").write_text(text)
    graph = parse_requirements(app / "requirements.txt", app, {})
    localpaths.check(graph, bound or app, package_app)


def test_a_local_path_outside_the_build_directory_is_an_error_naming_the_line(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    package(tmp_path / "lib")
    for line in ("file:///", "-e ../lib", "file:///etc#egg=etc"):
        with pytest.raises(BuildError) as caught:
            check(app, f"six==1.16.0\n{line}\n")
        assert caught.value.code == "requirements::path-outside"
        assert caught.value.where == "requirements.txt:2"
    # a monorepo: the app in a subdirectory, a shared package beside it, both in the build directory
    check(app, "-e ../lib\n", bound=tmp_path)


def test_a_package_holding_a_link_out_or_to_its_parent_is_an_error(tmp_path: Path) -> None:
    app = tmp_path / "app"
    local = package(app / "libs" / "pkg")
    (local / "data").mkdir()
    (local / "data" / "inside").symlink_to("../pyproject.toml")
    check(app, "./libs/pkg\n")  # a link inside the package is fine
    (local / "root").symlink_to("/")
    with pytest.raises(BuildError) as caught:
        check(app, "./libs/pkg\n")
    assert caught.value.code == "requirements::path-outside" and caught.value.where == "requirements.txt:1"
    assert "libs/pkg/root" in caught.value.title
    (local / "root").unlink()
    (local / "data" / "self").symlink_to(".")
    with pytest.raises(BuildError) as caught:
        check(app, "./libs/pkg\n")
    assert "a cycle" in " ".join(caught.value.lines())
    (local / "data" / "self").unlink()
    # the app built as a package
    (app / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1"\n')
    (app / "root").symlink_to("/")
    with pytest.raises(BuildError) as caught:
        check(app, "", package_app=True)
    assert caught.value.where == "the app" and "root" in caught.value.title


@pytest.mark.parametrize("path", ["/", "../../../../../../etc", "file:///etc/passwd"])
def test_a_pipfile_lock_path_outside_the_app_is_an_error_naming_the_entry(tmp_path: Path, path: str) -> None:
    key = "file" if path.startswith("file:") else "path"
    lock = {"_meta": {"sources": []}, "default": {"evil": {key: path}}}
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock))
    with pytest.raises(BuildError) as caught:
        pipfilelock.export(tmp_path, tmp_path / "out.txt", None)
    assert caught.value.code == "requirements::path-outside"
    assert caught.value.where == f"Pipfile.lock: default.evil.{key}"


@pytest.mark.parametrize(
    ("kind", "url"), [("directory", "../../../../../../etc"), ("url", "file:///etc/passwd")]
)
def test_a_poetry_lock_path_outside_the_app_is_an_error_naming_the_package(
    tmp_path: Path, kind: str, url: str
) -> None:
    import tomllib

    project = (
        '[tool.poetry]\nname = "app"\nversion = "1"\npackage-mode = false\n'
        '[tool.poetry.dependencies]\nevil = "*"\n'
    )
    (tmp_path / "pyproject.toml").write_text(project)
    digest = sorted(poetrylock.content_hashes(tomllib.loads(project)))[0]
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "evil"\nversion = "1"\noptional = false\ngroups = ["main"]\n\n'
        f'[package.source]\ntype = "{kind}"\nurl = "{url}"\n\n'
        f'[metadata]\nlock-version = "2.1"\ncontent-hash = "{digest}"\n'
    )
    with pytest.raises(BuildError) as caught:
        poetrylock.export(tmp_path, tmp_path / "out.txt", {})
    assert caught.value.code == "requirements::path-outside"
    assert caught.value.where == "poetry.lock:2: package evil.source.url"


def test_the_fingerprint_opens_no_special_file_and_follows_no_link_out(tmp_path: Path) -> None:
    tree = package(tmp_path / "pkg")
    os.mkfifo(tree / "pipe")  # opening it to read would block until a writer comes
    (tree / "root").symlink_to("/")
    (tree / "notes").symlink_to("/etc/hostname")
    result: list[str] = []
    walker = threading.Thread(target=lambda: result.append(tree_digest(tree)), daemon=True)
    walker.start()
    walker.join(timeout=10)
    assert result, "the fingerprint blocked on a special file or walked out of the tree"
    (tree / "root").unlink()
    (tree / "root").symlink_to("/usr")
    assert tree_digest(tree) != result[0]  # a link is recorded by its target
