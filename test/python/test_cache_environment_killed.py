"""A build killed (SIGKILL) while it saves the environment, at the fault points save and save-swap of
both writers (save: a fresh environment; update: a synced one): the next build finds the previous
entry whole or no cached environment, never a half-saved one, nothing stray is left, and its own
save is right. The kill is real: faults.checkpoint in a child process, whose parent it kills too
(as it kills bin/compile), so the child runs under a shell of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pybuildpack.cache.environment import Meta, restore, save

MODULE = "lib/python3.13/site-packages/demo/__init__.py"

# The child: save or update (argv[3]) of the venv argv[2] into the cache argv[1].
CHILD = """
import json, sys
from pathlib import Path
sys.path[:0] = json.loads(sys.argv[4])
from pybuildpack.cache.environment import Meta, save, update
meta = Meta("second", {"python version": "3.13.5"}, [["demo", "2.0"]], [])
(save if sys.argv[3] == "save" else update)(Path(sys.argv[1]), Path(sys.argv[2]), meta)
"""


def make_venv(root: Path, value: str) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "pyvenv.cfg").write_text("home = /opt/python/bin\nversion = 3.13.5\n")
    (root / MODULE).parent.mkdir(parents=True)
    (root / MODULE).write_text(f"VALUE = {value!r}\n")
    (root / "bin" / "python").symlink_to("/opt/python/bin/python3.13")
    return root


def first_meta() -> Meta:
    return Meta("first", {"python version": "3.13.5"}, [["demo", "1.0"]], [])


def files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): os.readlink(path) if path.is_symlink() else path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_symlink() or path.is_file()
    }


def killed_while_saving(state: Path, venv: Path, writer: str, point: str) -> None:
    """CHILD run with BUILDPACK_TEST_KILL_AT=point; asserts that it was killed there."""
    env = dict(os.environ, BUILDPACK_TEST_KILL_AT=point)
    # "; :" keeps the shell from exec-ing python: the checkpoint kills it, as it kills bin/compile.
    shell = [
        "sh",
        "-c",
        '"$@"; :',
        "sh",
        sys.executable,
        "-c",
        CHILD,
        str(state),
        str(venv),
        writer,
        json.dumps(sys.path),
    ]
    done = subprocess.run(shell, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.parametrize("point", ["save", "save-swap"])
@pytest.mark.parametrize("writer", ["save", "update"])
def test_a_build_killed_while_saving_leaves_a_whole_entry_or_none(
    tmp_path: Path, writer: str, point: str
) -> None:
    state = tmp_path / "cache" / "python"
    first = make_venv(tmp_path / "first", "the first build")
    save(state, first, first_meta())
    if writer == "update":
        # A sync: the restored environment (hard links to the entry), one module replaced.
        venv = tmp_path / "restored"
        assert restore(state, venv) == (first_meta(), "")
        (venv / MODULE).unlink()
        (venv / MODULE).write_text("VALUE = 'the second build'\n")
    else:
        venv = make_venv(tmp_path / "second", "the second build")

    killed_while_saving(state, venv, writer, point)

    target = tmp_path / "next-build"
    meta, why = restore(state, target)
    if writer == "update":  # the entry was given up before it changed: none is left
        assert (meta, why) == (None, "no cached environment")
        assert list(state.glob("env-*")) == []
    else:  # the previous entry, whole; the interrupted one gone
        assert (meta, why) == (first_meta(), "")
        assert files(target) == files(first)
        assert len(list(state.glob("env-*"))) == 1
    # The next build's own save is right.
    fresh = make_venv(tmp_path / "fresh", "the next build")
    save(state, fresh, first_meta())
    meta, why = restore(state, tmp_path / "after")
    assert (meta, why) == (first_meta(), "")
    assert files(tmp_path / "after") == files(fresh)
    assert len(list(state.glob("env-*"))) == 1
