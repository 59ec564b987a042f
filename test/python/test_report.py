"""The build report (report.write, which bin/report prints): what a succeeded or failed build did,
from the state the core's runs wrote, the failure they recorded and the environment left."""

from __future__ import annotations

import json
import time
from pathlib import Path

from conftest import make_venv, make_wheel

from pybuildpack import report
from pybuildpack.state import InstallStep, LibraryUse, State, record_failure


def written(tmp_path: Path, status: int, *, step: str = "", step_started: float = 0.0) -> dict[str, object]:
    out = tmp_path / "cache" / "report.json"
    out.parent.mkdir(exist_ok=True)
    report.write(
        out,
        tmp_path / "work",
        tmp_path / "build" / ".heroku" / "venv",
        status=status,
        timers="setup=1.5,runtime=2.25,bad=x,=3",
        step=step,
        step_started=step_started,
        stack="heroku-24",
        arch="amd64",
    )
    data = json.loads(out.read_text())
    assert isinstance(data, dict)
    return data


def a_build(tmp_path: Path) -> None:
    """What a build's runs leave: state.json, and the environment with flask installed."""
    (tmp_path / "work").mkdir()
    state = State("3.13.15", ".python-version:1", "heroku-24", "amd64", environment="fresh")
    state.libraries = [LibraryUse("libmemcached", "1.1.4", "pylibmc at requirements.txt:2")]
    state.package_manager = "pip 26.3"
    state.installs = [InstallStep("dependencies from requirements.txt", "uv 0.13.9")]
    state.write(tmp_path / "work")
    make_venv(tmp_path / "build" / ".heroku" / "venv", [make_wheel(tmp_path / "wheels", "flask", "3.1.3")])


def test_a_succeeded_build(tmp_path: Path) -> None:
    a_build(tmp_path)
    assert written(tmp_path, 0) == {
        "status": "succeeded",
        "stack": "heroku-24",
        "arch": "amd64",
        "python_version": "3.13.15",
        "python_version_origin": ".python-version:1",
        "environment": "fresh",
        "native_libraries": {"libmemcached": "1.1.4"},
        "package_manager": "pip 26.3",
        "installs": [{"step": "dependencies from requirements.txt", "engine": "uv 0.13.9"}],
        "steps_seconds": {"setup": 1.5, "runtime": 2.25},  # what is not a timer is left out
        "total_seconds": 3.8,
        "packages": {"flask": "3.1.3"},
    }


def test_a_failed_build_names_the_step_and_the_recorded_reason(tmp_path: Path) -> None:
    a_build(tmp_path)
    record_failure(tmp_path / "work", "install::requirement-not-found", "No matching distribution\nfor x==1")
    record_failure(tmp_path / "work", "build::later", "a consequence, not the cause")
    data = written(tmp_path, 1, step="dependencies", step_started=time.time() - 5)
    assert data["status"] == "failed" and data["exit_status"] == 1 and data["failed_step"] == "dependencies"
    assert (data["failure_reason"], data["failure_detail"]) == (
        "install::requirement-not-found",
        "No matching distribution for x==1",
    )
    steps = data["steps_seconds"]
    assert isinstance(steps, dict) and 4.5 < steps["dependencies"] < 60  # the step that ran when it failed


def test_a_build_that_recorded_nothing_was_killed_or_hit_a_bug(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    data = written(tmp_path, 137, step="install")
    assert (data["failure_reason"], data["failure_detail"]) == ("build::signal", "killed by signal 9")
    assert "python_version" not in data and "packages" not in data  # nothing was decided or made
    data = written(tmp_path, 2, step="install")
    assert (data["failure_reason"], data["failure_detail"]) == ("internal-error::unknown", "")


def test_an_unreadable_state_still_gives_a_report(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "state.json").write_text('{"python_version": "3.13.15", "surprise": 1}')
    data = written(tmp_path, 0)
    assert data["status"] == "succeeded" and "python_version" not in data
