from __future__ import annotations

import json
from pathlib import Path

import pytest

from pybuildpack.state import (
    ENVIRONMENT_FILE,
    FAILURE_FILE,
    FORMAT,
    STATE_FILE,
    LibraryUse,
    State,
    read_failure,
    record_failure,
)


def full_state() -> State:
    return State(
        python_version="3.13.5",
        python_version_origin=".python-version",
        stack="ubuntu-24.04",
        arch="amd64",
        environment="fresh",
        fingerprint="f" * 64,
        inputs={"python version": "3.13.5", "requirements.txt": "abc"},
        volatile=["git+https://example.com/repo@main"],
        libraries=[
            LibraryUse("libmemcached", "1.1.4", "pylibmc at requirements/base.txt:2"),
            LibraryUse("lzo2", "2.10", "python-lzo at requirements.txt:1"),
        ],
        default_index="https://pypi.org/simple",
    )


def test_write_read_round_trip(tmp_path: Path) -> None:
    state = full_state()
    state.write(tmp_path)
    again = State.read(tmp_path)
    assert again == state
    assert again is not None and isinstance(again.libraries[0], LibraryUse)
    # no temporary file left
    assert sorted(p.name for p in tmp_path.iterdir()) == [ENVIRONMENT_FILE, STATE_FILE]
    assert (tmp_path / ENVIRONMENT_FILE).read_text() == state.environment  # (bash's, which reads no JSON)


def test_write_replaces_the_previous_state(tmp_path: Path) -> None:
    full_state().write(tmp_path)
    State(python_version="3.12.9").write(tmp_path)
    assert State.read(tmp_path) == State(python_version="3.12.9")


def test_read_without_a_state(tmp_path: Path) -> None:
    assert State.read(tmp_path) is None


def stored(tmp_path: Path, **changes: object) -> dict[str, object]:
    full_state().write(tmp_path)
    data = json.loads((tmp_path / STATE_FILE).read_text())
    data.update(changes)
    (tmp_path / STATE_FILE).write_text(json.dumps(data))
    return data


def test_an_unknown_field_is_refused(tmp_path: Path) -> None:
    stored(tmp_path, environment_token="x")
    with pytest.raises(ValueError, match="environment_token"):
        State.read(tmp_path)


@pytest.mark.parametrize("fmt", [FORMAT + 1, 0, "1", None])
def test_another_format_is_refused(tmp_path: Path, fmt: object) -> None:
    stored(tmp_path, format=fmt)
    with pytest.raises(ValueError, match="format"):
        State.read(tmp_path)


def test_a_list_is_no_state(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text("[1]")
    with pytest.raises(ValueError):
        State.read(tmp_path)


def test_an_unknown_library_field_is_refused(tmp_path: Path) -> None:
    stored(tmp_path, libraries=[{"name": "lzo2", "version": "2.10", "needed_by": "x", "checksum": "0"}])
    with pytest.raises(ValueError, match="checksum"):
        State.read(tmp_path)


def test_record_failure_keeps_the_first_and_squeezes_it(tmp_path: Path) -> None:
    record_failure(
        tmp_path, "mirror::unreachable", "Could not download\n  Python 3.13.5\tfrom   the mirror\n"
    )
    record_failure(tmp_path, "pip::install-failed", "a consequence")
    assert read_failure(tmp_path) == (
        "mirror::unreachable",
        "Could not download Python 3.13.5 from the mirror",
    )
    assert (tmp_path / FAILURE_FILE).read_text().count("\n") == 2


def test_record_failure_bounds_the_detail(tmp_path: Path) -> None:
    record_failure(tmp_path, "app::bad", "word " * 500)
    failure = read_failure(tmp_path)
    assert failure is not None
    assert failure[0] == "app::bad"
    assert 0 < len(failure[1]) <= 300 and "\n" not in failure[1]


def test_record_failure_without_a_work_directory(tmp_path: Path) -> None:
    record_failure(tmp_path / "gone", "app::bad", "detail")
    assert not (tmp_path / "gone").exists()


def test_read_failure(tmp_path: Path) -> None:
    assert read_failure(tmp_path) is None
    (tmp_path / FAILURE_FILE).write_text("build::hook-failed\n")  # bash may write no detail line
    assert read_failure(tmp_path) == ("build::hook-failed", "")
    (tmp_path / FAILURE_FILE).write_text("")
    assert read_failure(tmp_path) is None


def test_bash_reads_the_answers_by_the_names_the_core_writes_them_under() -> None:
    """lib/build.sh acts on two one-line files of WORK_DIR: decide's environment (install runs
    unless it is reuse) and collectstatic's manage.py; each name is spelt once on each side."""
    from pybuildpack.webapp.django import COLLECTSTATIC_FILE

    build = (Path(__file__).resolve().parents[2] / "lib" / "build.sh").read_text()
    for name in (ENVIRONMENT_FILE, COLLECTSTATIC_FILE):
        assert build.count(f'"${{WORK_DIR}}/{name}"') == 1, name
