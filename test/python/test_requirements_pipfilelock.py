from __future__ import annotations

import json
from pathlib import Path

import pytest

from pybuildpack.errors import BuildError
from pybuildpack.requirements import pipfilelock

HA, H1, H2, H3 = ("sha256:" + c * 64 for c in "a123")


def write_app(tmp_path: Path, default: dict[str, object], pipfile: str | None = None) -> Path:
    lock = {
        "_meta": {
            "hash": {"sha256": "x"},
            "sources": [
                {"name": "main", "url": "https://main.invalid/simple", "verify_ssl": True},
                {"name": "other", "url": "http://other.invalid/simple", "verify_ssl": False},
            ],
        },
        "default": default,
        "develop": {
            "pytest": {
                "version": "==8.0.0",
                "hashes": [HA],
            }
        },
    }
    (tmp_path / "Pipfile.lock").write_text(json.dumps(lock))
    if pipfile is not None:
        (tmp_path / "Pipfile").write_text(pipfile)
    return tmp_path


def test_every_form_of_a_lock_entry_becomes_a_requirement_line(tmp_path: Path) -> None:
    app = write_app(
        tmp_path,
        {
            "six": {
                "version": "==1.16.0",
                "hashes": [
                    H1,
                    H2,
                ],
                "markers": "os_name == 'posix'",
            },
            "req": {
                "version": "==2.0",
                "extras": ["socks"],
                "hashes": [H3],
            },
            "lib": {"git": "https://git.invalid/lib.git", "ref": "a" * 40},
            "local": {"path": "libs/local", "editable": True},
            "arch": {"file": "https://files.invalid/arch-1.0.tar.gz"},
        },
    )
    (app / "libs" / "local").mkdir(parents=True)
    target = tmp_path / "out.txt"
    pipfilelock.export(app, target, None)
    assert target.read_text().splitlines() == [
        "--index-url https://main.invalid/simple",
        "--extra-index-url http://other.invalid/simple",
        "--trusted-host other.invalid",
        f"six==1.16.0 ; os_name == 'posix' --hash={H1} --hash={H2}",
        f"req[socks]==2.0 --hash={H3}",
        f"lib @ git+https://git.invalid/lib.git@{'a' * 40}",
        "-e ./libs/local",
        "arch @ https://files.invalid/arch-1.0.tar.gz",
    ]
    pipfilelock.export(app, target, None, develop=True)
    assert target.read_text().splitlines()[-1] == f"pytest==8.0.0 --hash={HA}"


def test_a_pipfile_whose_hash_the_lock_does_not_record_is_stale(tmp_path: Path) -> None:
    pipfile = (
        '[[source]]\nname = "main"\nurl = "https://main.invalid/simple"\nverify_ssl = true\n\n'
        '[packages]\nSix = "*"\n'
    )
    app = write_app(tmp_path, {"six": {"version": "==1.16.0"}}, pipfile)
    with pytest.raises(BuildError) as caught:
        pipfilelock.export(app, tmp_path / "out.txt", None)
    assert caught.value.code == "lockfile::stale"
    # the lock records either of pipenv's hashes of this Pipfile: names canonical, or as written
    data = pipfilelock.load_pipfile(app)
    assert data is not None
    hashes = sorted(pipfilelock.pipfile_hashes(data, None))
    assert len(hashes) == 2
    for recorded in hashes:
        lock = json.loads((app / "Pipfile.lock").read_text())
        lock["_meta"]["hash"]["sha256"] = recorded
        (app / "Pipfile.lock").write_text(json.dumps(lock))
        pipfilelock.export(app, tmp_path / "out.txt", None)


def test_an_unreadable_lock_is_named(tmp_path: Path) -> None:
    (tmp_path / "Pipfile.lock").write_text("{not json")
    with pytest.raises(BuildError) as caught:
        pipfilelock.check_files(tmp_path)
    assert caught.value.code == "lockfile::invalid"
    assert caught.value.where == "Pipfile.lock"


def test_a_vcs_package_locked_without_a_commit_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pybuildpack.context import ConfigVars, Settings
    from pybuildpack.requirements import locked
    from pybuildpack.requirements.app import App, warn_unpinned
    from pybuildpack.requirements.source import InstallSource

    app = write_app(
        tmp_path,
        {
            "pinned": {"git": "https://git.invalid/pinned.git", "ref": "a" * 40},
            "floating": {"git": "https://git.invalid/floating.git"},
        },
    )
    source = InstallSource("pipenv", app / "Pipfile.lock", "from Pipfile.lock (pipenv)")
    export = tmp_path / "work" / "export.txt"
    pipfilelock.export(app, export, None)
    graph = locked.graph_from_export(app, source, export, [], {})
    warn_unpinned(App(source, graph, ConfigVars(), Settings()))
    said = capsys.readouterr().err
    assert "Warning: Pipfile.lock locks floating from a VCS without a commit" in said
    assert "Pin it to a commit" in said and "pipenv lock" in said
    assert "pinned" not in said


def test_what_a_pipfile_declares_every_category_s_packages_and_none_without_one(tmp_path: Path) -> None:
    """The pipenv-app fixture's Pipfile, with a category of its own; a lock alone does not say."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "pipenv-app" / "Pipfile.in"
    (tmp_path / "Pipfile").write_text(fixture.read_text() + '\n[docs]\nSphinx_RTD_Theme = "*"\n')
    assert pipfilelock.READER.declares(tmp_path) == {"django", "six", "pytest", "sphinx-rtd-theme"}
    (tmp_path / "Pipfile").unlink()
    assert pipfilelock.declares(tmp_path) is None
