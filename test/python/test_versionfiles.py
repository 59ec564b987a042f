from __future__ import annotations

import json
from pathlib import Path

import pytest

from pybuildpack.errors import BuildError
from pybuildpack.python_version.files import app_request


def write(app: Path, name: str, data: bytes | str) -> None:
    path = app / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


@pytest.mark.parametrize(
    "content,kind,value",
    [
        ("3.13\n", "minor", "3.13"),
        ("3.13.5", "exact", "3.13.5"),
        ("# pinned\n\n  3.12  \n", "minor", "3.12"),
    ],
)
def test_python_version_file(tmp_path: Path, content: str, kind: str, value: str) -> None:
    write(tmp_path, ".python-version", content)
    req = app_request(tmp_path, None)
    assert (req.kind, req.value) == (kind, value)
    assert req.origin.startswith(".python-version:")


@pytest.mark.parametrize(
    "content,code,fragment",
    [
        (b"python3.13\n", "python-version::file-invalid", "Write '3.13' instead of 'python3.13'"),
        (b"3.13\n3.12\n", "python-version::file-multiple", "lines 1, 2"),
        (b"\xef\xbb\xbf3.13\n", "python-version::file-encoding", "byte order mark"),
        ("3.13\n".encode("utf-16"), "python-version::file-encoding", "UTF-16"),
        (b"", "python-version::file-empty", "empty"),
        (b"# only a comment\n", "python-version::file-empty", "empty"),
        (b"system\n", "python-version::file-invalid", "not a Python version"),
    ],
)
def test_malformed_python_version_file(tmp_path: Path, content: bytes, code: str, fragment: str) -> None:
    write(tmp_path, ".python-version", content)
    with pytest.raises(BuildError) as err:
        app_request(tmp_path, None)
    assert err.value.code == code
    assert fragment in "\n".join(err.value.lines())
    assert err.value.where.startswith(".python-version")


def test_runtime_txt(tmp_path: Path) -> None:
    write(tmp_path, "runtime.txt", "python-3.13.5\n")
    req = app_request(tmp_path, None)
    assert (req.kind, req.value, req.origin) == ("exact", "3.13.5", "runtime.txt:1")


def test_runtime_txt_malformed(tmp_path: Path) -> None:
    write(tmp_path, "runtime.txt", "3.13.5\n")
    with pytest.raises(BuildError) as err:
        app_request(tmp_path, None)
    assert "python-3.13.5" in err.value.fix


def test_python_version_file_wins_and_says_so(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "3.12\n")
    write(tmp_path, "runtime.txt", "python-3.11.2\n")
    req = app_request(tmp_path, None)
    assert req.value == "3.12"
    assert any("runtime.txt is ignored" in note for note in req.notes)


def test_pipfile_lock(tmp_path: Path) -> None:
    lock = {"_meta": {"requires": {"python_version": "3.12"}}, "default": {}}
    write(tmp_path, "Pipfile.lock", json.dumps(lock))
    assert app_request(tmp_path, None).value == "3.12"
    lock["_meta"]["requires"]["python_full_version"] = "3.12.4"
    write(tmp_path, "Pipfile.lock", json.dumps(lock))
    req = app_request(tmp_path, None)
    assert (req.kind, req.value) == ("exact", "3.12.4")


def test_pyproject_requires_python(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\nrequires-python = ">=3.11"\n')
    req = app_request(tmp_path, None)
    assert (req.kind, req.value) == ("specifier", ">=3.11")


def test_pyproject_invalid_specifier(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\nrequires-python = "3.11+"\n')
    with pytest.raises(BuildError):
        app_request(tmp_path, None)


def test_cache_then_default(tmp_path: Path) -> None:
    req = app_request(tmp_path, "3.12.7")
    assert (req.kind, req.value) == ("minor", "3.12")
    assert "3.12.7" in req.origin
    assert app_request(tmp_path, None).kind == "default"
