from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LocalServer

from pybuildpack.archives import mirror
from pybuildpack.archives.mirror import Mirror
from pybuildpack.context import Settings
from pybuildpack.errors import BuildError

ROOT = Path(__file__).resolve().parents[2]
NAME = "python-3.13.5-ubuntu-24.04-amd64.tar.zst"
DATA = b"the bytes of a published archive\n" * 100


def publish(root: Path, name: str = NAME, data: bytes = DATA, checksum: str | None = None) -> None:
    """name (and, unless checksum is "", name.sha256 as sha256sum writes it) on a mirror."""
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(data)
    if checksum != "":
        (root / f"{name}.sha256").write_text(f"{checksum or hashlib.sha256(data).hexdigest()}  {name}\n")


def text_of(error: BuildError) -> str:
    return "\n".join([str(error), *error.lines()])


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    (tmp_path / "downloads").mkdir()
    return tmp_path / "downloads" / NAME


@pytest.fixture
def http_mirror(tmp_path: Path, local_server: Callable[..., LocalServer]) -> tuple[Path, str, LocalServer]:
    """A real HTTP server on 127.0.0.1 serving tmp_path/http: (root, base URL, the server)."""
    root = tmp_path / "http"
    root.mkdir()
    server = local_server(root=root)
    return root, f"{server.url}/mirror", server


@pytest.mark.parametrize("stack", ["debian-12", ""])
def test_no_mirror_off_heroku(monkeypatch: pytest.MonkeyPatch, stack: str) -> None:
    monkeypatch.delenv("BUILDPACK_MIRROR_URL", raising=False)
    monkeypatch.setenv("STACK", stack)
    assert Mirror.configured(Settings.from_env()) is None
    with pytest.raises(BuildError) as caught:
        Mirror.required(Settings.from_env())
    assert caught.value.code == "mirror::not-configured"
    assert "BUILDPACK_MIRROR_URL" in text_of(caught.value)


@pytest.mark.parametrize("stack", mirror.HEROKU_STACKS)
def test_heroku_stacks_default_to_herokus_archives(monkeypatch: pytest.MonkeyPatch, stack: str) -> None:
    monkeypatch.delenv("BUILDPACK_MIRROR_URL", raising=False)
    monkeypatch.setenv("STACK", stack)
    assert Mirror.required(Settings.from_env()).url == mirror.HEROKU_URL


def test_configured_url_wins_and_sets_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACK", "heroku-24")
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", "file:///srv/python-mirror/")
    monkeypatch.setenv("MIRROR_RETRIES", "1")
    assert Mirror.required(Settings.from_env()) == Mirror("file:///srv/python-mirror", 1)


def test_verified_download_lands_with_its_checksum(tmp_path: Path, dest: Path) -> None:
    publish(tmp_path / "mirror")
    Mirror((tmp_path / "mirror").as_uri()).fetch(NAME, dest, "Python 3.13.5")
    assert dest.read_bytes() == DATA
    assert (dest.parent / f"{NAME}.sha256").read_text() == f"{hashlib.sha256(DATA).hexdigest()}  {NAME}\n"
    check = subprocess.run(["sha256sum", "-c", f"{NAME}.sha256"], cwd=dest.parent, capture_output=True)
    assert check.returncode == 0, check
    assert sorted(p.name for p in dest.parent.iterdir()) == [NAME, f"{NAME}.sha256"]


@pytest.mark.parametrize("published", [f"{'0' * 64}  {NAME}\n", ""])
def test_checksum_mismatch_leaves_nothing(tmp_path: Path, dest: Path, published: str) -> None:
    publish(tmp_path / "mirror", checksum="")
    (tmp_path / "mirror" / f"{NAME}.sha256").write_text(published)
    with pytest.raises(BuildError) as caught:
        Mirror((tmp_path / "mirror").as_uri()).fetch(NAME, dest, "Python 3.13.5")
    assert caught.value.code == "mirror::checksum-mismatch"
    assert "Nothing of it was used or cached" in caught.value.fix
    assert list(dest.parent.iterdir()) == []


def test_missing_checksum_is_fatal_off_heroku(tmp_path: Path, dest: Path) -> None:
    publish(tmp_path / "mirror", checksum="")
    with pytest.raises(BuildError) as caught:
        Mirror((tmp_path / "mirror").as_uri()).fetch(NAME, dest, "Python 3.13.5")
    assert caught.value.code == "mirror::no-checksum"
    assert f"{NAME}.sha256" in text_of(caught.value)
    assert list(dest.parent.iterdir()) == []


def test_missing_archive_is_named(tmp_path: Path, dest: Path) -> None:
    publish(tmp_path / "mirror", name="python-3.12.0-ubuntu-24.04-amd64.tar.zst")
    with pytest.raises(BuildError) as caught:
        Mirror((tmp_path / "mirror").as_uri()).fetch(NAME, dest, "Python 3.13.5")
    assert caught.value.code == "mirror::missing-archive"
    assert NAME in text_of(caught.value)
    assert list(dest.parent.iterdir()) == []


def test_unreachable_mirror_hides_the_password(monkeypatch: pytest.MonkeyPatch, dest: Path) -> None:
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", "http://user:hunter2@127.0.0.1:9/mirror")
    monkeypatch.setenv("MIRROR_RETRIES", "1")
    with pytest.raises(BuildError) as caught:
        Mirror.required(Settings.from_env()).fetch(NAME, dest, "Python 3.13.5")
    assert caught.value.code == "mirror::unreachable"
    text = text_of(caught.value)
    assert "user:****@127.0.0.1:9" in text
    assert "hunter2" not in text
    assert list(dest.parent.iterdir()) == []


def test_index(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    site = Mirror((tmp_path / "mirror").as_uri())
    assert site.index() is None
    (tmp_path / "mirror" / "index.txt").write_text(f"{NAME}\n")
    assert site.index() == f"{NAME}\n"


def test_http_mirror_fetch_and_index(http_mirror: tuple[Path, str, LocalServer], dest: Path) -> None:
    root, url, server = http_mirror
    publish(root / "mirror")
    site = Mirror(url.replace("http://", "http://user:hunter2@"), retries=0)
    assert site.index() is None
    (root / "mirror" / "index.txt").write_text(f"{NAME}\n")
    assert site.index() == f"{NAME}\n"
    site.fetch(NAME, dest, "Python 3.13.5")
    assert dest.read_bytes() == DATA
    assert (dest.parent / f"{NAME}.sha256").read_text().split() == [hashlib.sha256(DATA).hexdigest(), NAME]
    # The credentials travel as a Basic auth header, never in the requested path.
    assert (f"/mirror/{NAME}", "Basic dXNlcjpodW50ZXIy") in server.requests
    assert not any("hunter2" in f"{path} {auth}" for path, auth in server.requests)


def test_http_404_is_a_missing_archive(http_mirror: tuple[Path, str, LocalServer], dest: Path) -> None:
    root, url, _seen = http_mirror
    (root / "mirror").mkdir()
    with pytest.raises(BuildError) as caught:
        Mirror(url, retries=0).fetch(NAME, dest, "Python 3.13.5")
    assert caught.value.code == "mirror::missing-archive"
    assert f"{url}/{NAME}" in text_of(caught.value)
    assert list(dest.parent.iterdir()) == []


@pytest.mark.parametrize("url", ["user:s3cretX@127.0.0.1:9/m", "ftp://user:s3cretX@host/m"])
def test_a_mirror_url_of_another_scheme_is_shown_without_its_password(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("BUILDPACK_MIRROR_URL", url)
    with pytest.raises(BuildError) as caught:
        Mirror.required(Settings.from_env())
    assert caught.value.code == "mirror::not-configured"
    assert "s3cretX" not in "\n".join(caught.value.lines())


def heroku_stacks() -> list[list[str]]:
    """lib/platform.sh's list: [Heroku stack, Ubuntu release] per line."""
    shown = subprocess.run(
        ["bash", ROOT / "lib" / "platform.sh", "heroku-stacks"], capture_output=True, text=True, check=True
    ).stdout
    return [line.split() for line in shown.splitlines()]


def test_the_heroku_stacks_are_platform_shs() -> None:
    """bash owns the list (it names a stack's archives before the core runs); the stacks on which
    Heroku's archives are the default mirror are exactly those."""
    listed = heroku_stacks()
    assert [stack for stack, _ in listed] == list(mirror.HEROKU_STACKS)
    for stack, ubuntu in listed:
        shown = subprocess.run(
            ["bash", ROOT / "lib" / "platform.sh", "stack"],
            env={"PATH": "/usr/bin:/bin", "STACK": stack},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert (stack.startswith("heroku-"), shown.strip()) == (True, ubuntu)
