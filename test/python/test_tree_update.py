from __future__ import annotations

import os
from pathlib import Path

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
