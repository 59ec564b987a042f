from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from pybuildpack.cache import tree


def listing(root: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            out[key] = ("link", os.readlink(path))
        elif path.is_dir():
            out[key] = "dir"
        else:
            out[key] = path.stat().st_ino
    return out


def test_update_links_changes_only_what_differs(tmp_path: Path) -> None:
    env = tmp_path / "env"
    (env / "pkg" / "old").mkdir(parents=True)
    (env / "pkg" / "same.py").write_text("same")
    (env / "pkg" / "changed.py").write_text("v1")
    (env / "pkg" / "old" / "gone.py").write_text("gone")
    (env / "lib64").symlink_to("lib")
    cached = tmp_path / "cached"
    tree.copy_as_links(env, cached)
    same = (cached / "pkg" / "same.py").stat().st_ino
    # What a sync does: a file replaced (a new inode), a directory removed, new ones added.
    (env / "pkg" / "changed.py").unlink()
    (env / "pkg" / "changed.py").write_text("v2")
    for path in (env / "pkg" / "old").iterdir():
        path.unlink()
    (env / "pkg" / "old").rmdir()
    (env / "new" / "deep").mkdir(parents=True)
    (env / "new" / "deep" / "mod.py").write_text("new")
    (env / "lib64").unlink()
    (env / "lib64").symlink_to("elsewhere")
    tree.update_links(env, cached)
    assert listing(cached) == listing(env)  # the same names, every file the same inode
    assert (cached / "pkg" / "same.py").stat().st_ino == same
    assert (cached / "pkg" / "changed.py").read_text() == "v2"
    assert tree.first_difference(cached, tree.manifest(env)) is None


def test_copy_checked_links_an_intact_tree_and_refuses_a_damaged_one(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    (kept / "lib").mkdir(parents=True)
    (kept / "lib" / "mod.py").write_text("x = 1\n")
    (kept / "bin").symlink_to("lib")
    expected = tree.manifest(kept)
    copy = tmp_path / "copy"
    assert tree.copy_checked(kept, copy, expected) is None
    assert (copy / "lib" / "mod.py").stat().st_ino == (kept / "lib" / "mod.py").stat().st_ino
    assert os.readlink(copy / "bin") == "lib"
    # The check runs while cp links: a tree that no longer matches its manifest leaves no copy.
    (kept / "lib" / "mod.py").write_text("x = 22\n")
    again = tmp_path / "again"
    damage = tree.copy_checked(kept, again, expected)
    assert damage is not None and "lib/mod.py" in damage
    assert not again.exists()
    # ... nor does one whose other check (the runtime's archive checksum) fails.
    assert tree.copy_checked(kept, again, tree.manifest(kept), lambda: False) is not None
    assert not again.exists()


def test_a_file_edited_in_place_with_its_time_put_back_is_noticed(tmp_path: Path) -> None:
    """The slug shares the cache's inodes: an edit of the same size with the time put back (a hook,
    dd and touch -d) is told by the file's content, checked for every file written since the
    slug began to share the tree (its ctime, which nothing puts back)."""
    kept = tmp_path / "kept"
    (kept / "pkg").mkdir(parents=True)
    (kept / "pkg" / "six.py").write_text("import os\n" * 50)
    (kept / "pkg" / "other.py").write_text("x = 1\n")
    expected = tree.manifest(kept)
    slug = tmp_path / "slug"
    assert tree.copy_checked(kept, slug, expected) is None
    mark = tmp_path / "shared-since"
    time.sleep(0.02)  # the kernel's clock for ctime is coarse
    mark.touch()
    assert tree.touched_since(kept, expected, mark) is None
    edited = slug / "pkg" / "six.py"
    info = edited.stat()
    with edited.open("r+b") as handle:
        handle.write(b"XXXX")
    os.utime(edited, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert tree.first_difference(kept, expected) is None  # its size and time say nothing
    damage = tree.touched_since(kept, expected, mark)
    assert damage is not None and "pkg/six.py" in damage


def test_across_filesystems_trees_are_copied(tmp_path: Path) -> None:
    """CACHE_DIR on another filesystem than the build (a container's cache volume): no hard link
    can cross, so the cache keeps copies and a restore copies them back."""
    other = Path("/dev/shm")
    if not other.is_dir() or not os.access(other, os.W_OK) or tree.same_filesystem(other, tmp_path):
        pytest.skip("no writable /dev/shm on another filesystem than the temporary directory")
    env = tmp_path / "env"
    (env / "pkg").mkdir(parents=True)
    (env / "pkg" / "mod.py").write_text("x = 1\n")
    (env / "lib64").symlink_to("lib")
    cache = Path(tempfile.mkdtemp(dir=other))
    try:
        assert tree.update_links(env, cache / "venv") == ["pkg/mod.py"]
        assert (cache / "venv" / "pkg" / "mod.py").read_text() == "x = 1\n"
        assert tree.update_links(env, cache / "venv") == []  # the same size and time: kept
        (env / "pkg" / "mod.py").write_text("x = 22\n")
        assert tree.update_links(env, cache / "venv") == ["pkg/mod.py"]
        back = tmp_path / "back"
        assert tree.copy_checked(cache / "venv", back, tree.manifest(cache / "venv")) is None
        assert (back / "pkg" / "mod.py").read_text() == "x = 22\n"
        assert os.readlink(back / "lib64") == "lib"
    finally:
        shutil.rmtree(cache)


def test_a_file_vouched_for_is_not_read_while_it_is_as_vouched(tmp_path: Path) -> None:
    """manifest's vouched (an environment's RECORDs): a file of the vouched size, not written after
    the vouched time, takes the vouched sha256 unread; one resized or written since is hashed.
    What it protects stays: an edit in place through the slug, its time put back, is told."""
    kept = tmp_path / "kept"
    (kept / "pkg").mkdir(parents=True)
    for name in ("same.py", "resized.py", "rewritten.py"):
        (kept / "pkg" / name).write_text("import os\n" * 50)
    real = tree.manifest(kept)
    then = (kept / "pkg" / "same.py").stat().st_mtime_ns
    claimed = "0" * 64  # not the content's: shows that the file was not read
    vouched = {f"pkg/{name}": (500, then, claimed) for name in ("same.py", "rewritten.py")}
    vouched["pkg/resized.py"] = (499, then, claimed)
    later = then + 10**9
    os.utime(kept / "pkg" / "rewritten.py", ns=(later, later))
    found = tree.manifest(kept, vouched=vouched)
    assert found["pkg/same.py"] == (500, then, claimed)
    assert found["pkg/resized.py"] == real["pkg/resized.py"]
    assert found["pkg/rewritten.py"][2] == real["pkg/rewritten.py"][2]
    assert tree.digests_of_modules(kept, vouched) == {claimed, real["pkg/resized.py"][2]}
    # With the true digests vouched, an edit in place with its time put back is still told.
    vouched = {relative: (size, mtime, digest) for relative, (size, mtime, digest) in real.items()}
    expected = tree.manifest(kept, vouched=vouched)
    assert expected == tree.manifest(kept)
    slug = tmp_path / "slug"
    assert tree.copy_checked(kept, slug, expected) is None
    mark = tmp_path / "shared-since"
    time.sleep(0.02)
    mark.touch()
    edited = slug / "pkg" / "same.py"
    info = edited.stat()
    with edited.open("r+b") as handle:
        handle.write(b"XXXX")
    os.utime(edited, ns=(info.st_atime_ns, info.st_mtime_ns))
    damage = tree.touched_since(kept, expected, mark)
    assert damage is not None and "pkg/same.py" in damage
