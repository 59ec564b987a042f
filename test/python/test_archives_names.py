from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from packaging.version import Version

from pybuildpack.archives.names import archive_name, parse_archive_name
from pybuildpack.python_version.resolve import MirrorIndex

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "lib" / "platform.sh"
SCRIPTS = ("builds/runtimes/build-python.sh", "builds/libraries/lib.sh", "builds/mirror.sh")
CASES = [
    ("python", "3.13.5", "ubuntu-24.04", "amd64"),
    ("python", "3.14.0rc1", "debian-12", "arm64"),
    ("libmemcached", "1.1.4", "heroku-24", "arm64"),
    ("lzo2", "2.10", "ubuntu-22.04", "amd64"),
]


def bash(script: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["bash", "-c", f'set -euo pipefail; source "{PLATFORM}"; {script}', "bash", *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return result.stdout.strip()


@pytest.mark.parametrize("parts", CASES)
def test_round_trip(parts: tuple[str, str, str, str]) -> None:
    name = archive_name(*parts)
    assert name == "{}-{}-{}-{}.tar.zst".format(*parts)
    assert parse_archive_name(name) == parts


@pytest.mark.parametrize(
    "filename",
    [
        "index.txt",
        "python-3.13.5-ubuntu-24.04-amd64.tar.zst.sha256",
        "python-ubuntu-24.04-amd64.tar.zst",
        "python-3.13.5.tar.zst",
        "python-3.13.5-ubuntu-24.04-amd64.zip",
    ],
)
def test_not_archive_names(filename: str) -> None:
    assert parse_archive_name(filename) is None


@pytest.mark.parametrize("parts", CASES)
def test_bash_names_archives_the_same_way(parts: tuple[str, str, str, str]) -> None:
    assert bash('platform::archive_name "$@"', *parts) == archive_name(*parts)


def test_bash_default_stack_and_arch() -> None:
    arch = bash("platform::arch")
    shown = bash('platform::archive_name "$@"', "lzo2", "2.10", env={"STACK": "heroku-24"})
    assert shown == archive_name("lzo2", "2.10", "ubuntu-24.04", arch)
    assert parse_archive_name(shown) == ("lzo2", "2.10", "ubuntu-24.04", arch)


@pytest.mark.parametrize("script", SCRIPTS)
def test_builds_write_the_names_the_core_reads(script: str) -> None:
    """Run each line of the build script that sets the archive's name, with the script's own
    variables set, and compare with the core's archive_name."""
    text = (ROOT / script).read_text()
    assert re.search(r"^\s*source .*lib/platform\.sh\"?$", text, re.M), "the script must use lib/platform.sh"
    lines = [line.strip() for line in text.splitlines() if re.match(r"^\s*name=", line)]
    assert lines, f"{script} sets no archive name"
    arch = bash("platform::arch")
    for line in lines:
        program = 'version=3.13.5; stack="$(platform::stack)"; arch=amd64; LIB_NAME=lzo2; pkg=lzo2; '
        shown = bash(f'{program}{line}; echo "$name"', env={"STACK": "debian-12"})
        which = "python" if re.search(r"\bpython\b", line) else "lzo2"
        expected = {archive_name(which, "3.13.5", "debian-12", a) for a in ("amd64", arch)}
        assert shown in expected, (script, line)
        assert parse_archive_name(shown) is not None


@pytest.mark.parametrize("name", ["libjpeg-turbo", "postgresql-16"])
def test_hyphenated_library_names_round_trip(name: str) -> None:
    parts = (name, "2.1.5", "debian-12", "amd64")
    assert parse_archive_name(archive_name(*parts)) == parts


@pytest.mark.parametrize(
    "os_release", ["ID=debian\nVERSION_CODENAME=trixie\n", 'ID=opensuse-leap\nVERSION_ID="15.6"\n']
)
def test_every_stack_platform_sh_derives_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, os_release: str
) -> None:
    monkeypatch.delenv("STACK", raising=False)
    (tmp_path / "os-release").write_text(os_release)
    stack = bash("platform::stack", env={"PLATFORM_OS_RELEASE": str(tmp_path / "os-release")})
    name = bash('platform::archive_name "$@"', "python", "3.13.5", stack, "amd64")
    assert parse_archive_name(name) == ("python", "3.13.5", stack, "amd64")
    assert MirrorIndex.parse(f"{name}\n", stack, "amd64").versions == {Version("3.13.5")}
