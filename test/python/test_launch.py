"""What a CNB build hands on (launch.py): the layers' files as the lifecycle reads them (types and
metadata, read back with tomllib), the launch environment's files, the exec.d program run as the
launcher runs it (file descriptor 3, its output parsed as TOML), and launch.toml's processes."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import tomllib

from pybuildpack import launch
from pybuildpack.cache import layers
from pybuildpack.cache.environment import mark_shared, restore_layer, written_layers
from pybuildpack.committed import mark_runtime
from pybuildpack.context import Layout
from pybuildpack.state import InstallStep, LibraryUse, State
from pybuildpack.webapp import procfile

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    """A CNB layout: the app's directory, the layers, the cache layer, with the real data/ and lib/."""
    app = tmp_path / "workspace"
    app.mkdir()
    root = tmp_path / "layers"
    (root / "venv" / "lib").mkdir(parents=True)
    (root / "venv" / "pyvenv.cfg").write_text("home = /x\n")
    (root / "python").mkdir()
    (root / "cache" / "python").mkdir(parents=True)
    return Layout(
        app=app,
        build=app,
        buildpack=ROOT,
        work=tmp_path / "work",
        cache=root / "cache" / "python",
        layers=root,
    )


def state() -> State:
    built = State("3.13.15", ".python-version", "debian-12", "amd64", environment="fresh", fingerprint="f1")
    built.inputs = {"python-version": "3.13.15"}
    built.libraries = [LibraryUse("libmemcached", "1.1.4", "pylibmc")]
    built.package_manager = "uv 0.13.9"
    built.installs = [InstallStep("dependencies", "uv 0.13.9"), InstallStep("docopt", "pip 26.3 (uv failed)")]
    return built


def read(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text())


def test_every_layer_says_what_it_is_and_what_it_holds(layout: Layout) -> None:
    assert layout.layers is not None
    mark_runtime(layout.runtime, "python-3.13.15-debian-12-amd64.tar.zst", "ab" * 32)
    (layout.natives / "libmemcached" / "lib").mkdir(parents=True)
    (layout.layers / "tools").mkdir()
    launch.hand_on(layout, state(), [], {})
    found = {path.stem: read(path) for path in layout.layers.glob("*.toml") if path.name != "launch.toml"}
    assert {name: data["types"] for name, data in found.items()} == {
        "python": {"launch": True, "build": True, "cache": True},
        "venv": {"launch": True, "build": True, "cache": True},
        "natives": {"launch": True, "build": False, "cache": True},
        "tools": {"launch": False, "build": True, "cache": True},
        "cache": {"launch": False, "build": False, "cache": True},
    }
    assert found["python"]["metadata"] == {
        "version": "3.13.15",
        "archive": "python-3.13.15-debian-12-amd64.tar.zst",
        "sha256": "ab" * 32,
        "stack": "debian-12",
        "arch": "amd64",
    }
    assert found["natives"]["metadata"] == {"libraries": ["libmemcached"]}
    # The environment's metadata is what the next build's decide reads back (restore_layer).
    meta, why = restore_layer(layout.layers, layout.env)
    assert why == "" and meta is not None
    assert (meta.fingerprint, meta.inputs, meta.libraries[0]["name"]) == (
        "f1",
        {"python-version": "3.13.15"},
        "libmemcached",
    )
    (label,) = read(layout.layers / "launch.toml")["labels"]  # type: ignore[misc]
    assert label["key"] == "io.pybuildpack.build"
    assert json.loads(label["value"]) == {
        "engine": "pip,uv",
        "environment": "fresh",
        "package_manager": "uv 0.13.9",
        "python": "3.13.15",
    }


def test_a_layer_the_app_no_longer_uses_is_dropped(layout: Layout) -> None:
    assert layout.layers is not None
    (layout.natives / "libmemcached" / "lib").mkdir(parents=True)
    launch.hand_on(layout, state(), [], {})
    assert (layout.layers / "natives.toml").is_file()
    for child in layout.natives.iterdir():
        if child.name == "libmemcached":
            subprocess.run(["rm", "-rf", str(child)], check=True)
    launch.hand_on(layout, state(), [], {})
    assert not (layout.layers / "natives.toml").exists() and not layout.natives.exists()


def test_the_launch_environment_files(layout: Layout) -> None:
    (layout.natives / "libmemcached" / "lib").mkdir(parents=True)
    launch.hand_on(layout, state(), [], {})
    env = {p.name: p.read_text() for p in (layout.env / "env").iterdir()}
    assert env == {
        "PATH.prepend": str(layout.env / "bin"),
        "PATH.delim": ":",
        "VIRTUAL_ENV.override": str(layout.env),
    }
    at_launch = {p.name: p.read_text() for p in (layout.env / "env.launch").iterdir()}
    assert at_launch == {
        "PYTHONUNBUFFERED.default": "true",
        "LANG.default": "C.UTF-8",
        "FORWARDED_ALLOW_IPS.default": "*",
        "GUNICORN_CMD_ARGS.default": "--access-logfile -",
        "PYTHONHOME.override": "",
        "PYTHONPLATLIBDIR.override": "",
    }
    natives = {p.name: p.read_text() for p in (layout.natives / "env.launch").iterdir()}
    assert natives["LD_LIBRARY_PATH.prepend"] == str(layout.natives / "libmemcached" / "lib")
    assert natives["LD_LIBRARY_PATH.delim"] == ":"


def exec_d(program: Path, env: dict[str, str]) -> dict[str, object]:
    """Run an exec.d program as the launcher does: file descriptor 3 open for its TOML."""
    read_end, write_end = os.pipe()
    result = subprocess.run(
        ["bash", "-c", f'exec "$0" 3>&{write_end} {write_end}>&-', str(program)],
        env={"PATH": "/usr/bin:/bin", **env},
        pass_fds=(write_end,),
        capture_output=True,
        text=True,
        check=True,
    )
    os.close(write_end)
    with os.fdopen(read_end) as handle:
        output = handle.read()
    assert result.returncode == 0
    return tomllib.loads(output)


def test_exec_d_hands_on_web_concurrency_as_toml(layout: Layout) -> None:
    launch.hand_on(layout, state(), [], {})
    program = layout.env / "exec.d" / "web_concurrency"
    assert os.access(program, os.X_OK)
    # The user's number is kept; what is not a number is never written into the TOML.
    assert exec_d(program, {"WEB_CONCURRENCY": "7"}).get("WEB_CONCURRENCY") == "7"
    assert "WEB_CONCURRENCY" not in exec_d(program, {"WEB_CONCURRENCY": '7"\nX = "1'})
    # The rule is .profile.d's, word for word (one rule, two callers).
    assert (ROOT / "lib" / "profile.d" / "WEB_CONCURRENCY.sh").read_text() in program.read_text()


def test_processes_from_the_procfile_or_the_inferred_web(layout: Layout) -> None:
    (layout.build / "Procfile").write_text(
        "web: gunicorn app:app\r\nworker: celery -A x worker\n# no\nbad line\n"
    )
    assert launch.processes(procfile.check(layout.build, layout.env)) == [
        {"type": "web", "command": ["bash", "-c", "gunicorn app:app"], "default": True},
        {"type": "worker", "command": ["bash", "-c", "celery -A x worker"], "default": False},
    ]
    (layout.build / "Procfile").unlink()
    (layout.build / "wsgi.py").write_text("def application(environ, start_response):\n    return []\n")
    site = layout.env / "lib" / "python3.13" / "site-packages"
    (site / "gunicorn-1.0.dist-info").mkdir(parents=True)
    assert launch.processes(procfile.check(layout.build, layout.env)) == [
        {"type": "web", "command": ["bash", "-c", "gunicorn wsgi:application"], "default": True}
    ]
    (layout.build / "wsgi.py").unlink()
    assert launch.processes(procfile.check(layout.build, layout.env)) == []


def test_the_layers_are_looked_at_when_the_apps_code_ran_after_the_mark(layout: Layout) -> None:
    """Only collectstatic and bin/post_compile run after the mark: with neither, what changed in
    the layers since is the buildpack's own, and the layers are not walked; with either, they are."""
    assert layout.layers is not None
    layout.work.mkdir()
    mark_shared(layout)
    time.sleep(0.05)
    (layout.env / "lib" / "six.py").write_text("V = 2\n")
    (layout.work / "collectstatic").write_text("")
    assert written_layers(layout) == {}
    (layout.work / "collectstatic").write_text(str(layout.app / "manage.py"))
    assert list(written_layers(layout)) == ["venv"]
    (layout.work / "collectstatic").unlink()  # (not known: looked at)
    assert list(written_layers(layout)) == ["venv"]
    (layout.work / "collectstatic").write_text("")
    (layout.app / "bin").mkdir()
    (layout.app / "bin" / "post_compile").write_text("")
    assert list(written_layers(layout)) == ["venv"]


def test_restore_layer_discards_a_layer_it_cannot_read(layout: Layout) -> None:
    assert layout.layers is not None
    assert restore_layer(layout.layers, layout.layers / "absent") == (None, "no cached environment")
    layers.write(layout.layers, "venv", {"cache"}, {"fingerprint": "x"})  # no inputs: not a Meta
    meta, why = restore_layer(layout.layers, layout.env)
    assert meta is None and "damaged" in why
    assert not layout.env.exists() and not (layout.layers / "venv.toml").exists()


def test_the_environment_layers_recorded_size_is_kept_when_it_is_reused_and_read_past(layout: Layout) -> None:
    """size.py keeps the layer's size in its metadata beside the environment's own (a Meta, which
    allows no field it does not know): restore_layer reads the Meta without it, and a build that
    reuses the layer writes it back with its size."""
    assert layout.layers is not None
    launch.hand_on(layout, state(), [], {})
    layers.record_size(layout.layers, "venv", 123_456)
    meta, why = restore_layer(layout.layers, layout.env)
    assert meta is not None and (meta.fingerprint, why) == ("f1", "")
    reused = state()
    reused.environment = "reuse"
    launch.hand_on(layout, reused, [], {})
    assert layers.recorded_size(layout.layers, "venv") == 123_456
    launch.hand_on(layout, state(), [], {})  # (made afresh: the size is measured again)
    assert layers.recorded_size(layout.layers, "venv") is None


def test_restore_layer_without_the_layers_files_is_a_fresh_environment(layout: Layout) -> None:
    """The previous image's metadata came back but the layer did not (no build cache)."""
    assert layout.layers is not None
    layers.write(layout.layers, "venv", set(), {"fingerprint": "x"})
    subprocess.run(["rm", "-rf", str(layout.env)], check=True)
    assert restore_layer(layout.layers, layout.env) == (None, "no cached environment (no build cache)")
    assert not (layout.layers / "venv.toml").exists()


def test_a_layer_the_apps_code_wrote_into_is_not_cached(
    layout: Layout, capsys: pytest.CaptureFixture[str]
) -> None:
    """Trial 66 in CNB mode: the environment's layer is the image's and the cache's at once, so a
    post_compile hook's edit of it was reused by every later build, the hook long gone (classic's
    cache keeps its own copy: cache/environment.py's check_shared). What the buildpack wrote before
    the mark is its own (the layers stay cached); what the app's code wrote after it (a file
    written, added or removed, in the environment or the runtime) keeps the layer out of the cache
    (the image has it: this build is not affected)."""
    assert layout.layers is not None
    (layout.env / "lib" / "six.py").write_text("V = 1\n")
    (layout.runtime / "lib").mkdir()
    layout.work.mkdir()
    (layout.app / "bin").mkdir()
    (layout.app / "bin" / "post_compile").write_text("echo a hook\n")  # (what ran after the mark)

    def mark() -> None:
        """The mark, then a pause: an app's code runs later than it by more than a tick of the
        clock file times come from (a few milliseconds; the buildpack's last writes may share
        the mark's tick)."""
        mark_shared(layout)
        time.sleep(0.05)

    mark()

    def types() -> dict[str, object]:
        launch.hand_on(layout, state(), [], written_layers(layout))
        return {name: read(layout.layers / f"{name}.toml")["types"]["cache"] for name in ("venv", "python")}  # type: ignore[index]

    assert types() == {"venv": True, "python": True}
    assert "Discarding" not in capsys.readouterr().out
    mark()  # (hand_on's own files are written after its check: the next build's)
    (layout.env / "lib" / "six.py").write_text("V = 2\n")  # a hook's edit
    assert types() == {"venv": False, "python": True}
    assert capsys.readouterr().out == (
        "-----> Discarding the cached environment: lib/six.py was written (by collectstatic or a hook)\n"
        "       The next build makes a fresh one; this build is not affected.\n"
    )
    mark()
    (layout.runtime / "lib" / "planted.py").write_text("")  # a file added to the runtime
    assert types() == {"venv": True, "python": False}
    mark()
    (layout.env / "lib" / "six.py").unlink()  # removed: its directory changed
    assert types() == {"venv": False, "python": True}
