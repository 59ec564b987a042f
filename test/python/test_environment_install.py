"""What the engine is handed to install (environment/install.py): the app's own files, or, when the
app's files expand ${VAR}s, the lines with the values put in, in files only the build's user can
read; a lock's packages exactly, those with hashes first; and the plan's phases in order, installed
by the real pip from a local index into a real environment."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LocalServer, make_venv, make_wheel, seed_wheels, simple_index

from pybuildpack.context import Layout
from pybuildpack.environment import metadata
from pybuildpack.environment.install import final_installs, install_dependencies, requirement_args
from pybuildpack.environment.pip import Pip
from pybuildpack.plan.model import Plan, Prerequisite
from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.requirements.source import InstallSource
from pybuildpack.state import InstallStep

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = InstallSource("requirements", Path("requirements.txt"), "from requirements.txt")


def app_of(
    tmp_path: Path, files: dict[str, str], expansion: dict[str, str] | None = None
) -> tuple[Layout, Graph]:
    app = tmp_path / "build"
    app.mkdir()
    for name, text in files.items():
        (app / name).write_text(text)
    layout = Layout(app=app, build=app, buildpack=ROOT, work=tmp_path / "work", cache=None)
    return layout, parse_requirements(app / "requirements.txt", app, expansion or {})


def private(path: Path) -> str:
    """path's text, checked to be readable by the build's user only."""
    assert path.stat().st_mode & 0o777 == 0o600, oct(path.stat().st_mode)
    return path.read_text()


def test_the_app_s_own_files_are_installed_when_nothing_is_expanded(tmp_path: Path) -> None:
    layout, graph = app_of(
        tmp_path, {"requirements.txt": "requests==2.32.3\nx @ https://h/${UNDEFINED_HERE}/x.zip\n"}
    )
    assert requirement_args(layout, graph, ["-r", "requirements.txt"]) == ["-r", "requirements.txt"]
    assert final_installs(layout, REQUIREMENTS, graph) == [["-r", "requirements.txt"]]
    assert not layout.scratch.exists()


def test_expanded_vars_reach_the_engine_as_values_in_files_only_the_build_can_read(tmp_path: Path) -> None:
    layout, graph = app_of(
        tmp_path,
        {
            "requirements.txt": "--prefer-binary\n-c constraints.txt\nprivate @ https://h/${TOKEN}/p-1.0.zip\nidna\n",
            "constraints.txt": "idna==${IDNA}\n",
        },
        {"TOKEN": "t0k3n", "IDNA": "3.7"},
    )
    args = requirement_args(layout, graph, ["-r", "requirements.txt"])
    assert args == ["-r", str(layout.scratch / "phase-requirements.txt")]
    constraints = layout.scratch / "constraints.txt"
    assert private(Path(args[1])) == (
        f"--prefer-binary\n-c {constraints}\nprivate @ https://h/t0k3n/p-1.0.zip\nidna\n"
    )
    assert private(constraints) == "idna==3.7\n"
    # written anew each time (a file left by a stopped build is replaced, never appended to)
    assert requirement_args(layout, graph, ["-r", "requirements.txt"]) == args
    assert private(Path(args[1])).count("t0k3n") == 1


def test_a_lock_s_packages_install_exactly_those_with_hashes_first(tmp_path: Path) -> None:
    (tmp_path / "build" / "libs" / "x").mkdir(parents=True)
    (tmp_path / "build" / "libs" / "x" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    sha = "a" * 64
    export = f"six==1.17.0 --hash=sha256:{sha}\n./libs/x\nidna==3.10 --hash=sha256:{sha}\n"
    app = tmp_path / "build"
    (app / "requirements.txt").write_text(export)
    layout = Layout(app=app, build=app, buildpack=ROOT, work=tmp_path / "work", cache=None)
    graph = parse_requirements(app / "requirements.txt", app, {})
    locked = InstallSource("uv", app / "uv.lock", "from uv.lock")
    steps = final_installs(layout, locked, graph)
    hashed, other = layout.scratch / "phase-locked.txt", layout.scratch / "phase-locked-unhashed.txt"
    assert steps == [["--no-deps", "-r", str(hashed)], ["--no-deps", "-r", str(other)]]
    assert private(hashed) == f"six==1.17.0 --hash=sha256:{sha}\nidna==3.10 --hash=sha256:{sha}\n"
    assert private(other) == "./libs/x\n"


def test_the_plan_s_prerequisites_install_first_then_the_rest(
    tmp_path: Path, local_server: Callable[..., LocalServer], capsys: pytest.CaptureFixture[str]
) -> None:
    """The real pip, in a real environment, from an index on 127.0.0.1."""
    wheels = [make_wheel(tmp_path / "wheels", name, "1.0") for name in ("prereq", "needs_prereq", "other")]
    index = local_server(root=simple_index(tmp_path / "index", wheels))
    layout, graph = app_of(tmp_path, {"requirements.txt": "needs-prereq==1.0\nother==1.0\nprereq==1.0\n"})
    make_venv(layout.env, seed_wheels())
    plan = Plan(
        prerequisites=[Prerequisite("prereq", "prereq==1.0", graph.entries[2].origin, ["needs-prereq"])]
    )
    engine = Pip(layout, graph, {"PIP_INDEX_URL": index.url})
    capsys.readouterr()

    steps = install_dependencies(layout, REQUIREMENTS, graph, plan, engine)

    pip = f"pip {metadata.installed(layout.env)['pip']}"
    assert steps == [
        InstallStep("build prerequisites", pip),
        InstallStep("dependencies from requirements.txt", pip),
    ]
    said = [line for line in capsys.readouterr().out.splitlines() if line.startswith("----->")]
    assert said == [
        "-----> Installing build prerequisites first",
        "-----> Installing the rest of the dependencies from requirements.txt",
    ]
    assert index.paths.index("/prereq/") < index.paths.index("/needs-prereq/")
    installed = metadata.installed(layout.env)
    assert {name: installed[name] for name in ("prereq", "needs-prereq", "other")} == {
        "prereq": "1.0",
        "needs-prereq": "1.0",
        "other": "1.0",
    }
    assert os.access(layout.env_python, os.X_OK)
