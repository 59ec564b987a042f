from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pybuildpack.cache.pip import KEEP, prune_uv_builds, recent, record_and_prune

T0 = 1_700_000_000.0  # the first simulated build's start (wall clock)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    root = tmp_path / "pip"
    root.mkdir()
    return root


def put(path: Path, mtime: float = T0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"cached " + path.name.encode())
    os.utime(path, (mtime, mtime))
    return path


def files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def history(cache: Path) -> list[dict[str, object]]:
    data = json.loads((cache / ".history.json").read_text())
    assert isinstance(data, list)
    return data


def test_wheels_of_installed_versions_are_kept(cache: Path) -> None:
    kept = put(cache / "wheels" / "ab" / "cd" / "Requests_Toolbelt-1.0.0-py3-none-any.whl")
    other_version = put(cache / "wheels" / "ab" / "ef" / "requests_toolbelt-0.9.1-py3-none-any.whl")
    not_installed = put(cache / "wheels" / "01" / "unused-2.0-cp313-cp313-linux_x86_64.whl")
    not_a_wheel_name = put(cache / "wheels" / "01" / "garbage.whl")
    other_file = put(cache / "wheels" / "01" / "origin.json")

    removed = record_and_prune(cache, T0, {"requests-toolbelt": "1.0.0", "flask": "3.1.0"})

    assert removed == 2
    assert kept.exists() and not_a_wheel_name.exists() and other_file.exists()
    assert not other_version.exists() and not not_installed.exists()


def test_a_wheel_is_kept_while_one_of_the_last_builds_installed_it(cache: Path) -> None:
    old = put(cache / "wheels" / "a" / "demo-1.0-py3-none-any.whl")
    record_and_prune(cache, T0, {"demo": "1.0"})
    new = put(cache / "wheels" / "b" / "demo-2.0-py3-none-any.whl")  # built by the next build
    for build in range(1, KEEP):
        record_and_prune(cache, T0 + build, {"demo": "2.0"})
        assert old.exists() and new.exists()  # the build that installed 1.0 is still among the last KEEP
    record_and_prune(cache, T0 + KEEP, {"demo": "2.0"})
    assert not old.exists() and new.exists()


def test_downloads_are_pruned_by_age_once_there_are_keep_builds(cache: Path) -> None:
    stale = [put(cache / d / "0" / "1" / f"stale-{d}", mtime=T0 - 1000) for d in ("http-v2", "sdists")]
    recent = [put(cache / d / "0" / "2" / f"recent-{d}", mtime=T0 + 5) for d in ("http-v2", "sdists")]
    later = [put(cache / d / "0" / "3" / f"later-{d}", mtime=T0 + 15) for d in ("http-v2", "sdists")]
    outside = put(cache / "selfcheck" / "old", mtime=T0 - 1000)  # not a download directory

    for build in range(KEEP - 1):
        assert record_and_prune(cache, T0 + 10 * build, {}) == 0
        assert all(p.exists() for p in stale + recent + later)

    # KEEP builds: what is older than the oldest of them (T0) goes
    assert record_and_prune(cache, T0 + 10 * (KEEP - 1), {}) == 2
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in recent + later) and outside.exists()

    # one more build: the oldest is now the second build (T0 + 10)
    assert record_and_prune(cache, T0 + 10 * KEEP, {}) == 2
    assert not any(p.exists() for p in recent)
    assert all(p.exists() for p in later) and outside.exists()


def test_the_history_keeps_the_last_keep_builds(cache: Path) -> None:
    for build in range(KEEP + 2):
        record_and_prune(cache, T0 + build, {f"pkg{build}": "1.0"})

    kept = history(cache)
    assert [item["started"] for item in kept] == [T0 + b for b in range(2, KEEP + 2)]
    assert kept[-1]["installed"] == [f"pkg{KEEP + 1}==1.0"]
    assert sorted(p.name for p in cache.iterdir()) == [".history.json"]  # no .tmp left behind


@pytest.mark.parametrize("text", ["", '[{"started": 17000', "\x00\x01garbage", '{"started": 1.0}', '"text"'])
def test_a_corrupt_history_is_tolerated(cache: Path, text: str) -> None:
    (cache / ".history.json").write_text(text)
    stale = put(cache / "http-v2" / "a" / "stale", mtime=T0 - 1000)
    wheel = put(cache / "wheels" / "a" / "demo-1.0-py3-none-any.whl")

    assert record_and_prune(cache, T0, {"demo": "1.0"}) == 0

    assert history(cache) == [{"started": T0, "installed": ["demo==1.0"]}]
    assert stale.exists() and wheel.exists()  # a history of one build prunes no download


@pytest.mark.parametrize("text", ["null", "5", '[{"started": "yesterday"}]', '[{"installed": 5}]'])
def test_a_history_of_the_wrong_shape_is_tolerated(cache: Path, text: str) -> None:
    (cache / ".history.json").write_text(text)
    record_and_prune(cache, T0, {"demo": "1.0"})
    assert history(cache)[-1] == {"started": T0, "installed": ["demo==1.0"]}


def test_a_record_with_a_field_this_version_does_not_know_is_not_read(cache: Path) -> None:
    """Another version's record (as State.read refuses a field it does not know): its downloads
    keep nothing of this build's."""
    other = {"started": T0 - 10, "installed": ["old==1.0"], "by": "another version"}
    (cache / ".history.json").write_text(json.dumps([other, {"started": T0 - 5, "installed": ["mid==1.0"]}]))
    record_and_prune(cache, T0, {"demo": "1.0"})
    assert history(cache) == [
        {"started": T0 - 5, "installed": ["mid==1.0"]},
        {"started": T0, "installed": ["demo==1.0"]},
    ]


def test_the_cache_stays_bounded_over_many_builds(cache: Path) -> None:
    """Each build downloads new files and builds a new wheel: without pruning 20 builds leave 60."""
    counts = []
    for build in range(20):
        started = T0 + 100 * build
        put(cache / "http-v2" / f"{build % 16:x}" / f"{build:04d}" / f"response-{build}", mtime=started + 1)
        put(cache / "sdists" / f"pkg{build}-1.0.tar.gz", mtime=started + 2)
        put(cache / "wheels" / f"{build:02x}" / f"pkg{build}-1.0-py3-none-any.whl", mtime=started + 3)
        record_and_prune(cache, started, {f"pkg{build}": "1.0"})
        counts.append(len(files(cache)))

    bound = 3 * KEEP + 1  # three files for each kept build, and the history
    assert max(counts) <= bound
    assert counts[-1] == bound
    assert files(cache) == {".history.json"} | {
        name
        for build in range(20 - KEEP, 20)
        for name in (
            f"http-v2/{build % 16:x}/{build:04d}/response-{build}",
            f"sdists/pkg{build}-1.0.tar.gz",
            f"wheels/{build:02x}/pkg{build}-1.0-py3-none-any.whl",
        )
    }


def test_pruning_leaves_no_empty_directories(tmp_path: Path) -> None:
    cache = tmp_path / "pip"
    old = cache / "http-v2" / "a" / "b" / "c" / "old-download"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"x")
    os.utime(old, (1_000, 1_000))
    for started in (2_000.0, 3_000.0, 4_000.0):
        record_and_prune(cache, started, {})
    assert not old.exists()
    assert list((cache / "http-v2").iterdir()) == []


def test_uv_built_wheels_are_kept_while_a_recent_build_installed_them(cache: Path, tmp_path: Path) -> None:
    uv = tmp_path / "uv"
    for version in ("1.1", "1.2", "1.3", "1.4"):
        put(
            uv / "sdists-v11" / "pypi" / "bound-pkg" / version / "x" / f"bound_pkg-{version}-py3-none-any.whl"
        )
    put(uv / "sdists-v11" / "index" / "0a1b2c" / "Other_Pkg" / "2.0" / "x" / "other_pkg-2.0-py3-none-any.whl")
    put(uv / "sdists-v11" / "index" / "0a1b2c" / "other-pkg" / "1.0" / "x" / "other_pkg-1.0-py3-none-any.whl")
    put(uv / "sdists-v11" / "url" / "abc123" / "def" / "thing-1.0-py3-none-any.whl")  # not NAME/VERSION
    for build, version in enumerate(("1.1", "1.2", "1.3", "1.4")):
        record_and_prune(cache, T0 + build, {"bound-pkg": version, "other-pkg": "2.0"})
    assert len(recent(cache)) == KEEP + 1
    assert prune_uv_builds(uv, recent(cache)) == 2
    assert files(uv) == {
        *(f"sdists-v11/pypi/bound-pkg/{v}/x/bound_pkg-{v}-py3-none-any.whl" for v in ("1.2", "1.3", "1.4")),
        "sdists-v11/index/0a1b2c/Other_Pkg/2.0/x/other_pkg-2.0-py3-none-any.whl",
        "sdists-v11/url/abc123/def/thing-1.0-py3-none-any.whl",
    }
