"""Pipfiles written by hand in every shape, each locked by the real pipenv (the one of .tools/),
then read by the build: a fresh lock is current, and the same Pipfile changed afterwards is not.
The locks name the index's host, so they are made here, at run time (in parallel)."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pybuildpack.errors import BuildError
from pybuildpack.index.select import pip_default_index
from pybuildpack.requirements import pipfilelock

ROOT = Path(__file__).resolve().parents[2]
INDEX = pip_default_index(ROOT / "vendor" / "seed") or ""
SOURCE = f'[[source]]\nname = "pypi"\nurl = "{INDEX}"\nverify_ssl = true\n'

# name: (Pipfile, extra environment for pipenv). Three locks, each shape as many features of a
# Pipfile's hash as one Pipfile can hold at once (six locks, one per feature, cost twice the CPU).
SHAPES: dict[str, tuple[str, dict[str, str]]] = {
    # pipenv hashes the sources it assumes: its default index and the pip configuration's indexes
    "no source, no pip configuration, dev-packages only": (
        '[dev-packages]\nsix = "==1.16.0"\n',
        {"PIP_CONFIG_FILE": os.devnull},
    ),
    "several sources, [requires], names as written": (
        f'{SOURCE}\n[[source]]\nname = "second"\nurl = "{INDEX}/"\nverify_ssl = true\n\n'
        '[packages]\nSix = "*"\n\n[requires]\npython_version = "3.13"\n',
        {},
    ),
    "no source, categories, markers, extras, git": (
        '[packages]\nsix = {version = "*", markers = "os_name == \'posix\'"}\n'
        'urllib3 = {version = "*", extras = ["socks"]}\n'
        'gitpkg = {git = "file://GITREPO", ref = "v1"}\n\n'
        '[docs]\nidna = "*"\n\n[scripts]\nserve = "python -m http.server"\n',
        {},
    ),
}


def _pipenv() -> str:
    found = ROOT / ".tools" / "bin" / "pipenv"
    which = str(found) if found.is_file() else shutil.which("pipenv")
    if which is None:
        pytest.fail("pipenv is not on PATH: run 'make tools'")
    return which


# gitpkg's build backend, in its tree: pipenv (which asks for a git requirement's metadata as an
# editable's) gets it with nothing to install first (setuptools, fetched into an isolated
# environment, cost the lock 2 s of CPU). Locking builds nothing.
BACKEND = """import pathlib

def get_requires_for_build_editable(config_settings=None):
    return []

def prepare_metadata_for_build_editable(directory, config_settings=None):
    info = pathlib.Path(directory) / "gitpkg-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\\nName: gitpkg\\nVersion: 0.1\\n")
    return info.name

def build_editable(directory, config_settings=None, metadata_directory=None):
    raise NotImplementedError("a lock builds nothing")

get_requires_for_build_wheel = get_requires_for_build_editable
prepare_metadata_for_build_wheel = prepare_metadata_for_build_editable
build_wheel = build_editable
"""


def _git_repo(path: Path) -> Path:
    path.mkdir()
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        '[project]\nname = "gitpkg"\nversion = "0.1"\n'
    )
    (path / "backend.py").write_text(BACKEND)
    (path / "gitpkg.py").write_text("X = 1\n")
    git = ["git", "-C", str(path), "-c", "user.email=t@t.invalid", "-c", "user.name=t"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "v1"], ["tag", "v1"]):
        subprocess.run([*git, *args], check=True)
    return path


def _lock(app: Path, extra: dict[str, str], scratch: Path) -> None:
    env = dict(os.environ)
    env.update(
        TMPDIR=str(scratch),
        WORKON_HOME=str(scratch / "venvs"),
        PIPENV_YES="1",
        PIPENV_IGNORE_VIRTUALENVS="1",
        **extra,
    )
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run([_pipenv(), "lock"], cwd=app, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pipenv lock failed in {app.name}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("pipenv-shapes")
    repo = _git_repo(base / "gitpkg")
    apps = {}
    for number, (shape, (pipfile, _)) in enumerate(SHAPES.items()):
        app = base / f"app{number}"
        app.mkdir()
        (app / "Pipfile").write_text(pipfile.replace("GITREPO", str(repo)))
        apps[shape] = app
    scratch = base / "scratch"
    scratch.mkdir()
    with ThreadPoolExecutor(max_workers=len(SHAPES)) as pool:
        for done in [pool.submit(_lock, apps[s], SHAPES[s][1], scratch) for s in SHAPES]:
            done.result()
    return apps


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_fresh_pipenv_lock_is_current_and_a_changed_pipfile_is_not(
    locked: dict[str, Path], shape: str
) -> None:
    app = locked[shape]
    target = app / "export.txt"
    pipfilelock.export(app, target, INDEX, develop=True)
    assert target.read_text().strip()
    pipfile = (app / "Pipfile").read_text()
    try:
        (app / "Pipfile").write_text(pipfile + '\n[later]\nidna = "*"\n')
        with pytest.raises(BuildError) as caught:
            pipfilelock.export(app, target, INDEX)
        assert caught.value.code == "lockfile::stale"
    finally:
        (app / "Pipfile").write_text(pipfile)
