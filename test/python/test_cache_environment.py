from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pybuildpack.cache.environment import (
    FORMAT,
    Meta,
    Restoring,
    clean_strays,
    current_fingerprint,
    discard,
    restore,
    save,
)

MODULE = "lib/python3.13/site-packages/demo/__init__.py"


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    """A stand-in for a virtualenv: a pyvenv.cfg, a module, a script and a symlink."""
    root = tmp_path / "venv"
    (root / "bin").mkdir(parents=True)
    (root / "pyvenv.cfg").write_text("home = /opt/python/bin\nversion = 3.13.5\n")
    (root / MODULE).parent.mkdir(parents=True)
    (root / MODULE).write_text("VALUE = 'the cached module'\n")
    (root / "bin" / "tool").write_text("#!/bin/sh\necho tool\n")
    (root / "bin" / "python").symlink_to("/opt/python/bin/python3.13")
    return root


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "python"


def make_meta(fingerprint: str = "f1") -> Meta:
    return Meta(
        fingerprint, {"python version": "3.13.5"}, [["demo", "1.0"]], [{"name": "libpq", "version": "16"}]
    )


def tree(root: Path) -> dict[str, str]:
    """Every entry under root: file contents, symlink targets, '<dir>' for directories."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            out[key] = "-> " + os.readlink(path)
        elif path.is_dir():
            out[key] = "<dir>"
        else:
            out[key] = path.read_text()
    return out


def entry_of(state: Path) -> Path:
    link = state / "env"
    assert link.is_symlink()
    return state / os.readlink(link)


def test_save_then_restore_gives_the_same_tree_made_of_hard_links(
    venv: Path, state: Path, tmp_path: Path
) -> None:
    save(state, venv, make_meta())
    target = tmp_path / "app" / ".heroku" / "venv"

    meta, why = restore(state, target)

    assert (meta, why) == (make_meta(), "")
    assert tree(target) == tree(venv)
    cached = entry_of(state) / "venv"
    for relative in ("pyvenv.cfg", MODULE, "bin/tool"):
        assert os.stat(target / relative).st_ino == os.stat(cached / relative).st_ino
        assert os.stat(target / relative).st_nlink >= 2
    assert (target / "bin" / "python").is_symlink()


def test_restoring_in_the_background_gives_what_restore_gives(
    venv: Path, state: Path, tmp_path: Path
) -> None:
    """The build's first run starts the copy at once and reads its outcome later (Restoring)."""
    save(state, venv, make_meta())
    target = tmp_path / "app" / ".heroku" / "venv"
    with Restoring(state, target) as restoring:
        assert restoring.result() == (make_meta(), "")
        assert restoring.result() == (make_meta(), "")
    assert tree(target) == tree(venv)
    with Restoring(None, tmp_path / "elsewhere") as restoring:
        assert restoring.result() == (None, "no cache")
    assert not (tmp_path / "elsewhere").exists()


def test_restoring_raises_what_the_copy_raised_where_its_outcome_is_read(
    venv: Path, state: Path, tmp_path: Path
) -> None:
    save(state, venv, make_meta())
    blocker = tmp_path / "file"
    blocker.write_text("a file where the environment's parent directory must be")
    with Restoring(state, blocker / "venv") as restoring, pytest.raises(OSError):
        restoring.result()


def test_restore_replaces_whatever_is_at_the_target(venv: Path, state: Path, tmp_path: Path) -> None:
    save(state, venv, make_meta())
    target = tmp_path / "target"
    (target / "stale").mkdir(parents=True)
    (target / "stale" / "old.py").write_text("old")

    restore(state, target)

    assert tree(target) == tree(venv)


def test_restore_without_a_cache(state: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    assert restore(state, target) == (None, "no cached environment")
    assert not target.exists()
    state.mkdir(parents=True)
    (state / "env").symlink_to("env-gone")  # a link to nothing is no cache either
    assert restore(state, target) == (None, "no cached environment")


def _truncate(entry: Path) -> None:
    with open(entry / "venv" / MODULE, "r+") as handle:
        handle.truncate(3)


UNREADABLE = "its metadata file is unreadable"
DAMAGES: list[tuple[str, Callable[[Path], None], str]] = [
    ("truncated", _truncate, f"{MODULE} is truncated or changed (3 bytes, expected 28)"),
    ("missing file", lambda e: (e / "venv" / "bin" / "tool").unlink(), "bin/tool is missing"),
    ("missing meta", lambda e: (e / "meta.json").unlink(), "its metadata file is missing"),
    ("garbled meta", lambda e: (e / "meta.json").write_text('{"fingerp'), UNREADABLE),
    (
        "another version's format",
        lambda e: (e / "meta.json").write_text('{"format": 99}'),
        "it was saved by another version of the buildpack",
    ),
    ("meta lacks keys", lambda e: (e / "meta.json").write_text(json.dumps({"format": FORMAT})), UNREADABLE),
    ("meta lacks a format", lambda e: (e / "meta.json").write_text('{"fingerprint": "x"}'), UNREADABLE),
    ("missing manifest", lambda e: (e / "manifest.json").unlink(), "its file list is missing or unreadable"),
    ("missing pyvenv.cfg", lambda e: (e / "venv" / "pyvenv.cfg").unlink(), "it has no pyvenv.cfg"),
]


@pytest.mark.parametrize(("damage", "reason"), [(d[1], d[2]) for d in DAMAGES], ids=[d[0] for d in DAMAGES])
def test_damage_is_detected_and_the_entry_discarded(
    venv: Path, state: Path, tmp_path: Path, damage: Callable[[Path], None], reason: str
) -> None:
    cached_venv = tmp_path / "cached-venv"
    shutil.copytree(venv, cached_venv, symlinks=True)  # the damage must not reach the fixture's files
    save(state, cached_venv, make_meta())
    entry = entry_of(state)
    damage(entry)
    target = tmp_path / "target"

    meta, why = restore(state, target)

    assert meta is None
    assert why == f"the cached environment is damaged ({reason}); discarded"
    assert not (state / "env").is_symlink()
    assert not entry.exists()
    assert list(state.glob("env-*")) == []
    assert not target.exists()
    assert restore(state, target) == (None, "no cached environment")


def test_save_replaces_the_previous_entry(venv: Path, state: Path, tmp_path: Path) -> None:
    save(state, venv, make_meta("first"))
    first = entry_of(state)
    changed = tmp_path / "changed"
    shutil.copytree(venv, changed, symlinks=True)
    (changed / MODULE).unlink()
    (changed / MODULE).write_text("VALUE = 'the second build'\n")
    (changed / "bin" / "new-tool").write_text("#!/bin/sh\n")

    save(state, changed, make_meta("second"))

    second = entry_of(state)
    assert second != first
    assert not first.exists()
    assert os.readlink(state / "env") == second.name  # relative: the cache directory may move
    assert sorted(p.name for p in state.iterdir()) == sorted(["env", second.name])
    assert current_fingerprint(state) == "second"
    meta, _ = restore(state, tmp_path / "target")
    assert meta is not None and meta.fingerprint == "second"
    assert tree(tmp_path / "target") == tree(changed)


def test_the_cache_survives_being_moved(venv: Path, state: Path, tmp_path: Path) -> None:
    save(state, venv, make_meta())
    moved = tmp_path / "elsewhere" / "python"
    shutil.copytree(state, moved, symlinks=True)
    shutil.rmtree(state)

    meta, why = restore(moved, tmp_path / "target")

    assert (meta, why) == (make_meta(), "")
    assert tree(tmp_path / "target") == tree(venv)


def test_clean_strays_removes_only_unreferenced_entries(venv: Path, state: Path) -> None:
    save(state, venv, make_meta())
    current = entry_of(state)
    for stray in ("env-0123456789ab.partial", "env-ba9876543210"):
        (state / stray / "venv").mkdir(parents=True)
        (state / stray / "venv" / "file").write_text("left by an interrupted save")

    clean_strays(state)

    assert sorted(p.name for p in state.iterdir()) == sorted(["env", current.name])
    assert current_fingerprint(state) == "f1"


def test_restore_cleans_strays_even_without_a_cache(state: Path, tmp_path: Path) -> None:
    (state / "env-0123456789ab.partial" / "venv").mkdir(parents=True)
    (state / "env-ba9876543210").mkdir()

    assert restore(state, tmp_path / "target") == (None, "no cached environment")
    assert list(state.iterdir()) == []


def test_current_fingerprint(venv: Path, state: Path) -> None:
    assert current_fingerprint(state) is None
    save(state, venv, make_meta("abc123"))
    assert current_fingerprint(state) == "abc123"
    (entry_of(state) / "meta.json").write_text("not json")
    assert current_fingerprint(state) is None


def test_discard(venv: Path, state: Path) -> None:
    save(state, venv, make_meta())
    entry = entry_of(state)
    discard(state)
    assert not (state / "env").is_symlink()
    assert not entry.exists()
    assert current_fingerprint(state) is None
    discard(state)  # nothing to discard: no error


def test_a_full_cache_gives_a_one_line_warning() -> None:
    import shutil

    from pybuildpack.cache.environment import _why

    errors = [(f"/src/{i}", f"/dst/{i}", "[Errno 28] No space left on device") for i in range(5000)]
    line = _why(shutil.Error(errors))
    assert line == "[Errno 28] No space left on device (and 4999 more files)"
    assert len(_why(OSError("x" * 100000))) < 210


def test_the_shared_files_are_checked_only_when_the_app_s_code_or_an_install_ran_since_the_mark(
    tmp_path: Path,
) -> None:
    """check_shared: what the build's own code wrote in place into a file the slug shares with the
    cache (its size and time put back) drops the cached environment. Since decide's mark, only
    collectstatic and bin/post_compile run, but in a sync (the install, after the mark): without
    them, a fresh or reused environment's files are not walked; with either, or in a sync, they
    are."""
    from pybuildpack.cache.environment import check_shared, mark_shared
    from pybuildpack.context import Layout
    from pybuildpack.webapp.django import COLLECTSTATIC_FILE

    def built(name: str, collectstatic: str = "", hook: bool = False) -> Layout:
        app = tmp_path / name
        app.mkdir()
        layout = Layout(app, app, tmp_path, tmp_path / f"{name}-work", tmp_path / f"{name}-cache" / "python")
        layout.work.mkdir()
        (layout.work / COLLECTSTATIC_FILE).write_text(collectstatic)
        if hook:
            (app / "bin").mkdir()
            (app / "bin" / "post_compile").write_text("#!/bin/sh\n")
        layout.env.mkdir(parents=True)
        (layout.env / "module.py").write_text("VALUE = 1\n")
        assert layout.cache is not None
        save(layout.cache, layout.env, make_meta())
        mark_shared(layout)
        edited = layout.env / "module.py"
        info = edited.stat()
        assert info.st_nlink == 2  # (shared with the cache's entry)
        with edited.open("r+b") as handle:
            handle.write(b"HACKED=1\n")
        os.utime(edited, ns=(info.st_atime_ns, info.st_mtime_ns))
        return layout

    for environment in ("fresh", "reuse"):
        layout = built(f"quiet-{environment}")
        check_shared(layout, environment)
        assert layout.cache is not None and current_fingerprint(layout.cache) == "f1"  # (not walked)
    for name, layout, environment in (
        ("sync", built("sync"), "sync"),
        ("collectstatic", built("collectstatic", collectstatic="manage.py"), "fresh"),
        ("hook", built("hook", hook=True), "reuse"),
    ):
        check_shared(layout, environment)
        assert layout.cache is not None and current_fingerprint(layout.cache) is None, name
