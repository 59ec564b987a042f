from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import make_wheel

from pybuildpack.environment.install import seed_environment
from pybuildpack.environment.relocate import (
    PORTABLE_HEADER,
    leave_for_the_slug,
    make_scripts_portable,
    point_at_runtime,
    relocate,
)
from pybuildpack.redact import redact

ROOT_DIR = Path(__file__).resolve().parents[2]


def test_console_scripts_get_a_portable_header(tmp_path: Path) -> None:
    bin_dir = tmp_path / "env" / "bin"
    bin_dir.mkdir(parents=True)
    body = "import sys\nprint('args', sys.argv[1:])\n"
    (bin_dir / "tool").write_text(f"#!{bin_dir}/python\n{body}")
    (bin_dir / "long").write_text(
        f"#!/bin/sh\n'''exec' \"/some where/bin/python\" \"$0\" \"$@\"\n' '''\n{body}"
    )
    (bin_dir / "shell").write_text("#!/bin/sh\necho hi\n")
    for name in ("tool", "long", "shell"):
        os.chmod(bin_dir / name, 0o755)
    (bin_dir / "python").symlink_to(sys.executable)

    assert make_scripts_portable(bin_dir) == 2
    assert (bin_dir / "tool").read_text() == PORTABLE_HEADER + body
    assert (bin_dir / "long").read_text() == PORTABLE_HEADER + body
    assert (bin_dir / "shell").read_text() == "#!/bin/sh\necho hi\n"
    assert os.access(bin_dir / "tool", os.X_OK)

    moved = tmp_path / "moved here"
    (tmp_path / "env").rename(moved)
    out = subprocess.run([str(moved / "bin" / "tool"), "a b"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "args ['a b']"


def test_point_at_runtime(tmp_path: Path) -> None:
    """Every path of the old build directory's .heroku/, the environment's own in `command` too (a
    warm build's slug named the build that made the environment); nothing else."""
    (tmp_path / "pyvenv.cfg").write_text(
        "home = /old build/.heroku/python/bin\nimplementation = CPython\n"
        "command = /old build/.heroku/python/bin/python3 -m virtualenv /old build/.heroku/venv\n"
        "base-prefix = /old build/.heroku/python\ninclude-system-site-packages = false\n"
        "prompt = /old build/.herokuish\n"
    )
    point_at_runtime(tmp_path, Path("/new/.heroku/python"))
    text = (tmp_path / "pyvenv.cfg").read_text()
    assert "home = /new/.heroku/python/bin\n" in text
    assert "base-prefix = /new/.heroku/python\n" in text
    assert "command = /new/.heroku/python/bin/python3 -m virtualenv /new/.heroku/venv\n" in text
    assert "prompt = /old build/.herokuish\n" in text and text.count("/old build") == 1


def test_a_slug_s_pyvenv_cfg_has_no_home_and_names_the_runtime_at_app(tmp_path: Path) -> None:
    """What the slug keeps names no build directory (the runtime's paths at /app, no `home`); a
    warm build given it (the cache's copy) gets `home` back, at its own runtime."""
    cfg = tmp_path / "pyvenv.cfg"
    cfg.write_text(
        "home = /tmp/build_1/.heroku/python/bin\nimplementation = CPython\nversion_info = 3.13.15.final.0\n"
        "command = /tmp/build_1/.heroku/python/bin/python3 -m virtualenv /tmp/build_1/.heroku/venv\n"
        "base-prefix = /tmp/build_1/.heroku/python\n"
        "base-executable = /tmp/build_1/.heroku/python/bin/python3\n"
    )
    leave_for_the_slug(tmp_path, Path("/tmp/build_1/.heroku/python"), Path("/app/.heroku/python"))
    assert cfg.read_text() == (
        "implementation = CPython\nversion_info = 3.13.15.final.0\n"
        "command = /app/.heroku/python/bin/python3 -m virtualenv /app/.heroku/venv\n"
        "base-prefix = /app/.heroku/python\nbase-executable = /app/.heroku/python/bin/python3\n"
    )
    point_at_runtime(tmp_path, Path("/tmp/build_2/.heroku/python"))
    text = cfg.read_text()
    assert text.startswith("home = /tmp/build_2/.heroku/python/bin\n")
    assert (
        "command = /tmp/build_2/.heroku/python/bin/python3 -m virtualenv /tmp/build_2/.heroku/venv\n" in text
    )
    assert "/app" not in text


def test_an_environment_without_home_starts_wherever_it_is_moved(tmp_path: Path) -> None:
    """A real environment, as the slug keeps it: moved elsewhere, its python starts
    with no PYTHONHOME (getpath finds the runtime from the link's target), and it is the
    environment (site.py: sys.prefix, its site-packages)."""
    build = tmp_path / "build_1"
    runtime = build / ".heroku" / "python"
    (runtime / "bin").mkdir(parents=True)
    (runtime / "bin" / "python3").symlink_to(os.path.realpath(sys.executable))  # (a runtime's binary)
    env = build / ".heroku" / "venv"
    subprocess.run([str(runtime / "bin" / "python3"), "-m", "venv", "--without-pip", str(env)], check=True)
    wheel = make_wheel(tmp_path / "wheels", "demo", "1.0", metadata=[])
    seed_environment(env, [wheel])
    relocate(env, runtime)
    leave_for_the_slug(env, runtime, Path("/app/.heroku/python"))
    assert str(build) not in (env / "pyvenv.cfg").read_text()
    elsewhere = tmp_path / "elsewhere"
    build.rename(elsewhere)
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV")}
    out = subprocess.run(
        [
            str(elsewhere / ".heroku" / "venv" / "bin" / "python"),
            "-c",
            "import sys, demo; print(sys.prefix, demo.VERSION)",
        ],
        capture_output=True,
        text=True,
        env=environ,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"{elsewhere / '.heroku' / 'venv'} 1.0\n"


def test_redact() -> None:
    assert redact("https://user:s3cret@host/simple") == "https://user:****@host/simple"
    assert "s3cret" not in redact("Looking in indexes: https://u:s3cret@127.0.0.1:8080/simple/")
    assert redact("https://host/simple") == "https://host/simple"


def test_editable_finders_and_pth_files_follow_the_app(tmp_path: Path) -> None:
    from pybuildpack.environment.relocate import make_editables_portable

    app = tmp_path / "build"
    site = app / ".heroku" / "venv" / "lib" / "python3.13" / "site-packages"
    site.mkdir(parents=True)
    (app / "libs" / "pkg" / "pkg").mkdir(parents=True)
    (app / "libs" / "pkg" / "pkg" / "__init__.py").write_text("VALUE = 7\n")
    (site / "__editable___pkg_1_0_finder.py").write_text(
        "from __future__ import annotations\nimport sys\n\n"
        f"MAPPING: dict[str, str] = {{'pkg': '{app}/libs/pkg/pkg', 'root': '{app}'}}\n"
    )
    (site / "__editable__.flat-1.0.pth").write_text(f"{app}/libs/flat\n")
    assert make_editables_portable(app / ".heroku" / "venv", app) == 2
    assert make_editables_portable(app / ".heroku" / "venv", app) == 0  # idempotent
    assert (site / "__editable__.flat-1.0.pth").read_text() == "../../../../../libs/flat\n"

    moved = tmp_path / "app"
    app.rename(moved)
    site = moved / ".heroku" / "venv" / "lib" / "python3.13" / "site-packages"
    namespace: dict[str, object] = {"__file__": str(site / "__editable___pkg_1_0_finder.py")}
    exec((site / "__editable___pkg_1_0_finder.py").read_text(), namespace)
    assert namespace["MAPPING"] == {"pkg": f"{moved}/libs/pkg/pkg", "root": str(moved)}


BODY = b"import sys\nprint('args', sys.argv[1:], int(sys.flags.ignore_environment))\n"


@pytest.mark.parametrize(
    ("name", "header", "words"),
    [
        # pip (distlib) and uv, a path that fits a shebang line
        ("shebang", b"#!/build/.heroku/venv/bin/python\n", b""),
        ("shebang-version", b"#!/build/.heroku/venv/bin/python3.13\n", b""),
        # uv keeps what followed a wheel script's `#!python`: one argument for python
        ("shebang-argument", b"#!/build/.heroku/venv/bin/python -E\n", b"-E"),
        # pip's `#!python` scripts: the path as it is, spaces and all
        ("shebang-space", b"#!/build dir/.heroku/venv/bin/python\n", b""),
        # pip (distlib): a long path, bare
        ("pip-long", b"#!/bin/sh\n'''exec' /" + b"x" * 130 + b"/bin/python \"$0\" \"$@\"\n' '''\n", b""),
        # pip (distlib): a path with a space, in double quotes; its options after it, as shell words
        ("pip-space", b"#!/bin/sh\n'''exec' \"/build dir/bin/python\" \"$0\" \"$@\"\n' '''\n", b""),
        (
            "pip-options",
            b"#!/bin/sh\n'''exec' \"/build dir/bin/python\" -E -s \"$0\" \"$@\"\n' '''\n",
            b"-E -s",
        ),
        # uv: a long path or one with a space, in single quotes, a quote in it as '\''
        ("uv-space", b"#!/bin/sh\n'''exec' '/build dir/.heroku/venv/bin/python' \"$0\" \"$@\"\n' '''\n", b""),
        ("uv-quote", b"#!/bin/sh\n'''exec' '/it'\\''s here/bin/python' \"$0\" \"$@\"\n' '''\n", b""),
    ],
)
def test_each_launcher_form_the_engines_write_is_made_portable(
    tmp_path: Path, name: str, header: bytes, words: bytes
) -> None:
    bin_dir = tmp_path / "env" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    script = bin_dir / name
    script.write_bytes(header + BODY)
    script.chmod(0o755)

    assert make_scripts_portable(bin_dir) == 1
    expected = PORTABLE_HEADER.encode()
    if words:
        expected = expected.replace(b'/python" "$0"', b'/python" ' + words + b' "$0"')
    assert script.read_bytes() == expected + BODY
    assert make_scripts_portable(bin_dir) == 0  # idempotent

    moved = tmp_path / "moved elsewhere"
    (tmp_path / "env").rename(moved)
    out = subprocess.run([str(moved / "bin" / name), "a b"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"args ['a b'] {1 if b'-E' in words else 0}"


@pytest.mark.parametrize(
    "header",
    [
        b"#!/bin/sh\necho hi\n",
        b"#!/usr/bin/env python\nprint(1)\n",
        # uv's own relocatable launcher (uv venv --relocatable) names no directory already
        b"#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'python' \"$0\" \"$@\"\n' '''\n",
    ],
)
def test_other_scripts_are_left_alone(tmp_path: Path, header: bytes) -> None:
    (tmp_path / "tool").write_bytes(header + BODY)
    assert make_scripts_portable(tmp_path) == 0
    assert (tmp_path / "tool").read_bytes() == header + BODY


def _wheel(directory: Path) -> Path:
    """A wheel with a console script (demo) and a `#!python` script (demo-raw)."""
    wheel = directory / "demo-1.0-py3-none-any.whl"
    files = {
        "demo/__init__.py": "import sys\n\ndef main():\n    print('demo', sys.argv[1:])\n",
        "demo-1.0.data/scripts/demo-raw": "#!python\nimport sys\nprint('raw', sys.argv[1:])\n",
        "demo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        "demo-1.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        "demo-1.0.dist-info/entry_points.txt": "[console_scripts]\ndemo = demo:main\n",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            info = zipfile.ZipInfo(path)
            info.external_attr = 0o100755 << 16  # as built on unix: the script executable
            archive.writestr(info, text)
        archive.writestr(
            "demo-1.0.dist-info/RECORD", "".join(f"{p},,\n" for p in files) + "demo-1.0.dist-info/RECORD,,\n"
        )
    return wheel


@pytest.mark.parametrize("engine", ["uv", "pip"])
@pytest.mark.parametrize("where", ["short", "with a space", "long"])
def test_the_engines_launchers_work_after_the_environment_moves(
    tmp_path: Path, engine: str, where: str
) -> None:
    """Each engine, as the build runs it, writes its launchers into an environment at a short
    path, a path with a space and a 150-character one; moved, every script still runs."""
    root = ROOT_DIR
    build = {"short": tmp_path / "b", "with a space": tmp_path / "build dir", "long": tmp_path}[where]
    if where == "long":
        build = tmp_path / ("d" * (150 - len(str(tmp_path)) - 1))
    env = build / ".heroku" / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    wheel = _wheel(tmp_path)
    if engine == "uv":
        uv = shutil.which("uv", path=str(Path(sys.executable).parent))
        assert uv, "uv is not in the tools' bin"
        command = [
            uv,
            "pip",
            "install",
            "--offline",
            "--no-deps",
            "--python",
            str(env / "bin" / "python"),
            str(wheel),
        ]
        environ = {**os.environ, "UV_CACHE_DIR": str(tmp_path / "uv-cache"), "UV_NO_CONFIG": "1"}
    else:  # the buildpack's own pip, run by the environment's python, as the build runs it
        pip = next((root / "vendor" / "seed").glob("pip-*.whl"))
        command = [
            str(env / "bin" / "python"),
            f"{pip}/pip",
            "install",
            "--no-index",
            "--no-deps",
            "-q",
            str(wheel),
        ]
        environ = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(command, check=True, env=environ, capture_output=True)
    written = {name: (env / "bin" / name).read_bytes().split(b"\n", 1)[0] for name in ("demo", "demo-raw")}
    if where != "short":
        assert written["demo"] == b"#!/bin/sh", written  # the launcher this test is about

    relocate(env, Path(sys.base_prefix))
    app = tmp_path / "app"
    build.rename(app) if where != "long" else shutil.move(str(build), str(app))
    for name in ("demo", "demo-raw"):
        out = subprocess.run(
            [str(app / ".heroku" / "venv" / "bin" / name), "x y"], capture_output=True, text=True
        )
        assert out.returncode == 0, (name, written[name], out.stderr)
        assert out.stdout.split("[")[1] == "'x y']\n"


def test_a_rewritten_script_s_record_row_has_its_new_hash(tmp_path: Path) -> None:
    """The engine's RECORD names the launcher it wrote (with the build directory in it): the row
    gets the portable script's hash and size, so that two builds in two directories write the
    same RECORD; rows of other files stay as they were, byte for byte."""
    import base64
    import hashlib

    env = tmp_path / "build" / ".heroku" / "venv"
    site = env / "lib" / "python3.13" / "site-packages"
    info = site / "tool-1.0.dist-info"
    info.mkdir(parents=True)
    (env / "bin").mkdir()
    script = env / "bin" / "tool"
    script.write_text(f"#!{env}/bin/python\nimport tool\n")
    other = '"tool/a,b.py",sha256=x,1\r\ntool-1.0.dist-info/RECORD,,\r\n'
    (info / "RECORD").write_text(f"../../../bin/tool,sha256=old,{len(script.read_bytes())}\r\n" + other)
    assert make_scripts_portable(env / "bin") == 1
    data = script.read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert (
        info / "RECORD"
    ).read_bytes() == f"../../../bin/tool,sha256={digest},{len(data)}\r\n{other}".encode()
    assert make_scripts_portable(env / "bin") == 0  # (already portable: nothing read again)
