from __future__ import annotations

from pathlib import Path

import pytest

from pybuildpack.cache import entries

KNOWN = ("core", "pip", "runtimes", "runtime-tree", "libraries", "python-version", "report.json")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A cache with every kind of entry the table covers, and what an older buildpack left."""
    root = tmp_path / "cache" / "python"
    for name in ("core", "pip", "runtimes", "runtime-tree", "libraries", "env-abc123"):
        (root / name).mkdir(parents=True)
        (root / name / "file").write_text(name)
    for name in ("python-version", "report.json", "mirror-index.txt"):
        (root / name).write_text(name)
    (root / "env").symlink_to("env-abc123")
    (root / "env.x.link").symlink_to("env-abc123")
    (root / "tools" / "bin").mkdir(parents=True)  # a stray directory from an older buildpack
    (root / "tools" / "bin" / "pip-diff").write_text("#!/bin/sh\n")
    (root / "junk").write_text("left over")
    return root


@pytest.mark.parametrize("name", KNOWN)
def test_path_of_an_entry(tmp_path: Path, name: str) -> None:
    assert entries.path(tmp_path, name) == tmp_path / name


@pytest.mark.parametrize("name", ["tools", "junk", "env-abc123", "", "../elsewhere"])
def test_path_refuses_names_not_in_the_table(tmp_path: Path, name: str) -> None:
    with pytest.raises(KeyError):
        entries.path(tmp_path, name)


def test_unknown_lists_what_the_table_does_not_cover(cache: Path) -> None:
    assert entries.unknown(cache) == ["junk", "tools"]


def test_unknown_of_a_missing_cache(tmp_path: Path) -> None:
    assert entries.unknown(tmp_path / "nothing") == []
    assert entries.remove_unknown(tmp_path / "nothing") == []


def test_remove_unknown_removes_only_strays(cache: Path) -> None:
    before = sorted(p.name for p in cache.iterdir())
    assert entries.remove_unknown(cache) == ["junk", "tools"]
    assert sorted(p.name for p in cache.iterdir()) == [n for n in before if n not in ("junk", "tools")]
    assert (cache / "env" / "file").read_text() == "env-abc123"
    assert entries.unknown(cache) == []


def test_remove_unknown_never_follows_a_symlink_out_of_the_cache(cache: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (outside / "keep" / "precious").write_text("not the cache's")
    (cache / "old-env").symlink_to(outside)
    (cache / "old-file-link").symlink_to(outside / "keep" / "precious")
    (cache / "tools" / "outside").symlink_to(outside)  # inside a stray directory
    assert entries.remove_unknown(cache) == ["junk", "old-env", "old-file-link", "tools"]
    assert not (cache / "old-env").is_symlink()
    assert not (cache / "old-file-link").is_symlink()
    assert (outside / "keep" / "precious").read_text() == "not the cache's"


def test_every_entry_is_documented() -> None:
    names = [entry.name for entry in entries.ENTRIES]
    assert len(names) == len(set(names))
    for entry in entries.ENTRIES:
        assert entry.owner and entry.bound and entry.what, entry


def test_links_out_of_the_cache_are_never_followed(tmp_path: Path) -> None:
    """A cache entry that is a symlink out of the cache: removed, its target untouched (D15)."""
    from pybuildpack.cache import environment as envcache

    cache = tmp_path / "cache"
    cache.mkdir()
    victim = tmp_path / "victim"
    (victim / "venv").mkdir(parents=True)
    (victim / "precious.txt").write_text("keep")
    (cache / "runtimes").symlink_to(victim)
    (cache / "env").symlink_to(victim)  # an env link that leads out of the cache
    (cache / "env-stray").symlink_to(victim)
    assert entries.remove_links(cache) == ["env-stray", "runtimes"]
    meta, why = envcache.restore(cache, tmp_path / "target")
    assert meta is None and why == "no cached environment"
    envcache.discard(cache)
    assert (victim / "precious.txt").read_text() == "keep" and (victim / "venv").is_dir()
    assert not (cache / "env").exists()
