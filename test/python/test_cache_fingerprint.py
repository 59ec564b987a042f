from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pybuildpack.cache import fingerprint
from pybuildpack.cache.fingerprint import Inputs, collect, describe, tree_digest
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.requirements.selection import NOTHING, Selection

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = tmp_path.resolve() / "app"
    (root / "localpkg" / "src" / "localpkg").mkdir(parents=True)
    (root / "localpkg" / "pyproject.toml").write_text('[project]\nname = "localpkg"\nversion = "1.0"\n')
    (root / "localpkg" / "src" / "localpkg" / "__init__.py").write_text("VALUE = 1\n")
    (root / "archives").mkdir()
    (root / "archives" / "vendored-1.0.tar.gz").write_bytes(b"not really a tarball")
    (root / "requirements.txt").write_text(
        "-r other.txt\n./localpkg\n./archives/vendored-1.0.tar.gz\nrequests==2.32.3\n"
    )
    (root / "other.txt").write_text("flask==3.1.0\n")
    (root / "app.py").write_text("print('hello')\n")
    return root


# The buildpack's own files that decide what gets installed, wherever the module says they live.
BUILDPACK_FILES = {
    "pins.txt": "pip==25.1\nsetuptools==80.9.0\n",
    "build-prerequisites.toml": '[psycopg2]\nneeds = ["libpq"]\n',
    "native-libraries.toml": '[libpq]\nversion = "16"\n',
}


@pytest.fixture
def vendor(tmp_path: Path) -> Path:
    """A small stand-in for the buildpack's directory (not the repository's own files)."""
    root = tmp_path / "buildpack"
    declared = fingerprint._BUILDPACK_INPUTS
    assert sorted(Path(name).name for name in declared) == sorted(BUILDPACK_FILES)
    for name in declared:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(BUILDPACK_FILES[Path(name).name])
    return root


def pins(vendor: Path) -> Path:
    return next(vendor / name for name in fingerprint._BUILDPACK_INPUTS if name.endswith("pins.txt"))


def words(after: Inputs, before: Inputs) -> list[str]:
    return [str(change) for change in after.changes(before.items)]


def inputs(
    app: Path,
    vendor: Path,
    *,
    python: str = "3.13.5",
    pip_config: dict[str, str] | None = None,
    package_app: bool = False,
    selection: Selection | None = None,
    compile_all: bool = False,
) -> Inputs:
    graph = parse_requirements(app / "requirements.txt", app, env={})
    return collect(
        graph,
        python_version=python,
        stack="heroku-24",
        arch="amd64",
        buildpack=vendor,
        pip_config=pip_config or {},
        package_app=package_app,
        selection=selection,
        compile_all=compile_all,
    )


def test_the_digest_is_stable_and_names_every_input(app: Path, vendor: Path) -> None:
    first, second = inputs(app, vendor), inputs(app, vendor)
    assert first.digest() == second.digest()
    assert first.items == second.items
    assert words(first, second) == []
    assert sorted(describe(key) for key in first.items) == sorted(
        [
            "python version",
            "stack",
            "arch",
            "the buildpack's version",
            "requirements.txt",
            "other.txt",
            "local package localpkg",
            "local package archives/vendored-1.0.tar.gz",
        ]
    )
    assert first.items[fingerprint.PYTHON_VERSION] == "3.13.5"
    assert first.volatile == []


def test_a_change_to_an_included_file_is_named(app: Path, vendor: Path) -> None:
    before = inputs(app, vendor)
    (app / "other.txt").write_text("flask==3.1.1\n")
    after = inputs(app, vendor)
    assert after.digest() != before.digest()
    assert words(after, before) == ["other.txt changed"]


def test_added_and_removed_files_are_named(app: Path, vendor: Path) -> None:
    before = inputs(app, vendor)
    (app / "reqs").mkdir()
    (app / "reqs" / "extra.txt").write_text("six==1.17.0\n")
    (app / "requirements.txt").write_text((app / "requirements.txt").read_text() + "-r reqs/extra.txt\n")
    after = inputs(app, vendor)
    assert words(after, before) == ["reqs/extra.txt added", "requirements.txt changed"]
    assert words(before, after) == ["reqs/extra.txt removed", "requirements.txt changed"]


def test_a_python_version_change_reads_old_to_new(app: Path, vendor: Path) -> None:
    before = inputs(app, vendor)
    after = inputs(app, vendor, python="3.13.6")
    assert after.digest() != before.digest()
    assert words(after, before) == ["python version 3.13.5 -> 3.13.6"]
    assert [change.rebuilds for change in after.changes(before.items)] == [True]
    assert words(Inputs({fingerprint.STACK: "heroku-24"}), Inputs()) == ["stack (none) -> heroku-24"]


def test_a_local_package_change_is_named(app: Path, vendor: Path) -> None:
    before = inputs(app, vendor)
    (app / "localpkg" / "src" / "localpkg" / "__init__.py").write_text("VALUE = 2\n")
    assert words(inputs(app, vendor), before) == ["local package localpkg changed"]
    (app / "archives" / "vendored-1.0.tar.gz").write_bytes(b"another tarball")
    assert words(inputs(app, vendor), before) == [
        "local package archives/vendored-1.0.tar.gz changed",
        "local package localpkg changed",
    ]


def test_the_buildpack_files_and_config_vars_are_inputs(app: Path, vendor: Path) -> None:
    before = inputs(app, vendor)
    pins(vendor).write_text("pip==25.2\nsetuptools==80.9.0\n")
    after = inputs(app, vendor, pip_config={"PIP_INDEX_URL": "https://user:s3cret@example.invalid/simple"})
    assert words(after, before) == ["config var PIP_INDEX_URL added", "the buildpack's version changed"]
    assert "s3cret" not in repr(after.items)  # config values are hashed, never kept in clear


def test_the_groups_and_extras_selected_are_inputs_that_sync_and_none_adds_nothing(
    app: Path, vendor: Path
) -> None:
    before = inputs(app, vendor)
    assert inputs(app, vendor, selection=NOTHING).items == before.items  # an app without: as before
    prod = inputs(app, vendor, selection=Selection(("prod",), ()))
    assert words(prod, before) == ["BUILDPACK_INSTALL_GROUPS (none) -> prod"]
    both = inputs(app, vendor, selection=Selection(("prod", "worker"), ("redis",)))
    assert words(both, prod) == [
        "BUILDPACK_INSTALL_EXTRAS (none) -> redis",
        "BUILDPACK_INSTALL_GROUPS prod -> prod,worker",
    ]
    assert not any(change.rebuilds for change in both.changes(prod.items))  # synced, not rebuilt
    assert words(before, both)[-1] == "BUILDPACK_INSTALL_GROUPS prod,worker -> (none)"


def test_compiling_every_module_is_an_input_that_rebuilds_only_when_set(app: Path, vendor: Path) -> None:
    before = inputs(app, vendor)
    assert fingerprint.COMPILE_ALL not in before.items  # an environment cached before it stays reused
    after = inputs(app, vendor, compile_all=True)
    assert words(after, before) == ["config var BUILDPACK_COMPILE_ALL added"]
    assert words(before, after) == ["config var BUILDPACK_COMPILE_ALL removed"]
    assert [change.rebuilds for change in after.changes(before.items)] == [True]


def test_the_app_itself_is_an_input_when_installed_as_a_package(app: Path, vendor: Path) -> None:
    before = inputs(app, vendor, package_app=True)
    assert "the app (installed as a package)" in {describe(key) for key in before.items}
    (app / "app.py").write_text("print('changed')\n")
    assert words(inputs(app, vendor, package_app=True), before) == [
        "the app (installed as a package) changed"
    ]


def test_tree_digest_ignores_caches_and_vcs_metadata(tmp_path: Path) -> None:
    tree = tmp_path / "pkg"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    digest = tree_digest(tree)
    assert tree_digest(tree) == digest

    (tree / "pkg" / "__init__.cpython-313.pyc").write_bytes(b"\x00compiled")
    (tree / "pkg" / "__pycache__").mkdir()
    (tree / "pkg" / "__pycache__" / "__init__.cpython-313.pyc").write_bytes(b"\x00compiled")
    (tree / ".git" / "objects").mkdir(parents=True)
    (tree / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tree / "pkg.egg-info").mkdir()
    (tree / "pkg.egg-info" / "PKG-INFO").write_text("Name: pkg\n")
    assert tree_digest(tree) == digest

    (tree / "pkg" / "__init__.py").write_text("VALUE = 2\n")
    changed = tree_digest(tree)
    assert changed != digest
    (tree / "pkg" / "__init__.py").rename(tree / "pkg" / "other.py")  # same content, another name
    assert tree_digest(tree) not in (digest, changed)
    (tree / "pkg" / "other.py").rename(tree / "pkg" / "__init__.py")
    assert tree_digest(tree) == changed
    shutil.rmtree(tree / ".git")
    assert tree_digest(tree) == changed


def test_vcs_requirements_on_a_branch_are_volatile(app: Path, vendor: Path) -> None:
    (app / "other.txt").write_text(
        "git+https://example.invalid/x.git@main#egg=x\n"
        f"git+https://example.invalid/y.git@{COMMIT}#egg=y\n"
        "z @ git+https://example.invalid/z.git@v1.2\n"
        f"pinned @ git+https://example.invalid/pinned.git@{COMMIT}\n"
    )
    assert inputs(app, vendor).volatile == ["x", "z"]


def test_tree_digest_sees_a_subpackage_named_build(app: Path, vendor: Path) -> None:
    module = app / "localpkg" / "src" / "localpkg" / "build" / "__init__.py"
    module.parent.mkdir()
    module.write_text("STEPS = 1\n")
    before = inputs(app, vendor)
    module.write_text("STEPS = 2\n")
    assert words(inputs(app, vendor), before) == ["local package localpkg changed"]
