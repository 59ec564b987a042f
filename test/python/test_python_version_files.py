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


def test_runtime_txt_wins_over_python_version_as_on_heroku_and_warns_naming_both(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "# ours\n3.12\n")
    write(tmp_path, "runtime.txt", "python-3.11.2\n")
    req = app_request(tmp_path, None)
    assert (req.kind, req.value, req.origin) == ("exact", "3.11.2", "runtime.txt:1")
    (warning,) = req.warnings
    text = "\n".join(warning)
    assert warning[0] == "runtime.txt and .python-version both name the Python version: runtime.txt is used"
    assert "runtime.txt:1 asks for 3.11.2; .python-version:2 asks for 3.12." in text
    assert "and delete runtime.txt" in text


def test_runtime_txt_alone_is_deprecated(tmp_path: Path) -> None:
    write(tmp_path, "runtime.txt", "python-3.13\n")
    (warning,) = app_request(tmp_path, None).warnings
    assert warning[0] == "runtime.txt is deprecated: name the Python version in a .python-version file"
    assert warning[-1] == "Replace runtime.txt with a .python-version that holds '3.13' (the newest 3.13.x)."


def test_runtime_txt_beside_an_unreadable_python_version_still_decides(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "python3.12\n")
    write(tmp_path, "runtime.txt", "python-3.11.2\n")
    req = app_request(tmp_path, None)
    assert req.value == "3.11.2"
    assert ".python-version can't be read (.python-version holds 'python3.12'" in "\n".join(req.warnings[0])


@pytest.mark.parametrize(
    "name",
    [
        ".python-version ",
        ".python-version.txt",
        "python-version",
        ".python_version",
        ".Python-version",
        "python_version.txt",
        "'.python-version'",
    ],
)
def test_a_misspelt_python_version_is_an_error_naming_it(tmp_path: Path, name: str) -> None:
    write(tmp_path, name, "3.12\n")
    with pytest.raises(BuildError) as err:
        app_request(tmp_path, None)
    assert err.value.code == "python-version::file-misspelt"
    assert err.value.title.endswith("looks like a misspelt .python-version")
    assert name in err.value.title
    assert err.value.fix.startswith("Rename it: git mv ")
    # Beside the right one (as Heroku's fixture has it), still an error: delete it.
    write(tmp_path, ".python-version", "3.12\n")
    with pytest.raises(BuildError) as err:
        app_request(tmp_path, None)
    assert err.value.fix.startswith("Delete ")


def test_a_misspelt_python_version_beside_runtime_txt_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "python-version", "3.12\n")
    write(tmp_path, "runtime.txt", "python-3.11.2\n")
    req = app_request(tmp_path, None)
    assert req.value == "3.11.2"
    assert (
        "'python-version' looks like a misspelt .python-version (not read: runtime.txt decides)."
        in req.warnings[0]
    )


def test_names_that_are_not_a_misspelt_python_version(tmp_path: Path) -> None:
    for name in ("python_version.py", "requirements.txt", "pythonversion"):
        write(tmp_path, name, "")
    (tmp_path / ".python_version").mkdir()
    write(tmp_path, ".python-version", "3.12\n")
    assert app_request(tmp_path, None).value == "3.12"


@pytest.mark.parametrize(
    "content,title,where",
    [
        (b"python-3.13\x00\x00\n", "runtime.txt holds a NUL byte at line 1, column 12", "runtime.txt:1:12"),
        (
            "# a comment\n  \u200bpython-3.13\n".encode(),
            "runtime.txt holds an invisible character, U+200B (ZERO WIDTH SPACE), at line 2, column 3",
            "runtime.txt:2:3",
        ),
        (
            b"python-3.13\x1b\n",
            "runtime.txt holds an invisible character, U+001B (a control character), at line 1, column 12",
            "runtime.txt:1:12",
        ),
        (b"\x00\x00\n", "runtime.txt holds a NUL byte at line 1, column 1", "runtime.txt:1:1"),
    ],
)
def test_nul_bytes_and_invisible_characters_are_named_not_utf16(
    tmp_path: Path, content: bytes, title: str, where: str
) -> None:
    write(tmp_path, "runtime.txt", content)
    with pytest.raises(BuildError) as err:
        app_request(tmp_path, None)
    assert (err.value.title, err.value.where) == (title, where)
    assert err.value.code == "python-version::file-character"


def test_utf16_without_a_byte_order_mark_is_still_utf16(tmp_path: Path) -> None:
    write(tmp_path, ".python-version", "3.13\n".encode("utf-16-le"))
    with pytest.raises(BuildError) as err:
        app_request(tmp_path, None)
    assert err.value.title == ".python-version is encoded as UTF-16"
    # White space other than a space around the version is tolerated, as before.
    write(tmp_path, ".python-version", "\u00a03.13\t\r\n".encode())
    assert app_request(tmp_path, None).value == "3.13"


def test_pipfile_lock(tmp_path: Path) -> None:
    lock = {"_meta": {"requires": {"python_version": "3.12"}}, "default": {}}
    write(tmp_path, "Pipfile.lock", json.dumps(lock))
    assert app_request(tmp_path, None).value == "3.12"
    lock["_meta"]["requires"]["python_full_version"] = "3.12.4"
    write(tmp_path, "Pipfile.lock", json.dumps(lock))
    req = app_request(tmp_path, None)
    assert (req.kind, req.value) == ("exact", "3.12.4")


def test_pipfile_lock_nested_too_deep_or_of_the_wrong_types_is_no_internal_error(tmp_path: Path) -> None:
    # (read for the version whatever installs the app: BUILDPACK_PACKAGE_MANAGER=pip keeps a stray lock)
    (tmp_path / "Pipfile.lock").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(BuildError) as caught:
        app_request(tmp_path, None)
    assert caught.value.code == "python-version::pipfile-lock-invalid"
    assert "more than 64 levels deep" in caught.value.title
    for text in ('{"_meta": "x"}', '{"_meta": {"requires": "3.13"}}', "[]"):
        (tmp_path / "Pipfile.lock").write_text(text)
        assert app_request(tmp_path, None).kind == "default"


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


def test_a_uv_workspace_members_version_file_then_the_workspaces_then_its_requires_python(
    tmp_path: Path,
) -> None:
    """As uv reads them for a member: its own .python-version, else the workspace root's, before
    its requires-python."""
    app = tmp_path / "services" / "api"
    app.mkdir(parents=True)
    write(app, "pyproject.toml", '[project]\nname = "api"\nrequires-python = ">=3.11"\n')
    assert app_request(app, None, tmp_path).origin.startswith("pyproject.toml")
    write(tmp_path, ".python-version", "# the workspace's\n3.12\n")
    req = app_request(app, None, tmp_path)
    assert (req.kind, req.value, req.origin) == ("minor", "3.12", "../../.python-version:2")
    assert app_request(app, None).origin.startswith("pyproject.toml")  # not a member: not read
    write(app, ".python-version", "3.13\n")
    assert app_request(app, None, tmp_path).origin == ".python-version:1"
    write(tmp_path, ".python-version", "system\n")  # a bad one is named where it is
    (app / ".python-version").unlink()
    with pytest.raises(BuildError) as err:
        app_request(app, None, tmp_path)
    assert err.value.where == "../../.python-version:1"
