"""What makes two builds the same (reproducible.py): the engines' environments carry
SOURCE_DATE_EPOCH and -ffile-prefix-map, so that what they build from source names the slug's
files where it runs; the real compiler is run with them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_venv, seed_wheels

from pybuildpack.context import Layout
from pybuildpack.environment.pip import pip_environment
from pybuildpack.reproducible import FIXED_TIME, compiler_settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "test" / "cnb"))
from lifecycle import NORMALIZED_MTIME  # noqa: E402


def classic(tmp_path: Path, name: str = "build_one") -> Layout:
    build = tmp_path / name
    build.mkdir(exist_ok=True)
    return Layout(build, build, ROOT, tmp_path / "work", None)


def test_the_fixed_time_is_the_one_a_cnb_exporter_gives_every_layer_file() -> None:
    assert FIXED_TIME == NORMALIZED_MTIME


def test_source_date_epoch_is_the_machines_else_the_fixed_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    layout = classic(tmp_path)
    assert compiler_settings(layout, {})["SOURCE_DATE_EPOCH"] == str(FIXED_TIME)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert pip_environment(layout, {})["SOURCE_DATE_EPOCH"] == "1700000000"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert pip_environment(layout, {})["SOURCE_DATE_EPOCH"] == str(FIXED_TIME)


def test_compiler_flags_map_the_build_directory_to_app_before_the_machines(tmp_path: Path) -> None:
    """In CPPFLAGS, for C and C++; CFLAGS and CXXFLAGS as they were (setuptools takes them in place
    of the runtime's own flags: test_setuptools_builds_with_the_runtime_s_own_flags_and_the_map)."""
    layout = classic(tmp_path)
    built = str(layout.build.resolve())
    settings = compiler_settings(layout, {"CPPFLAGS": "-I/opt/x", "CFLAGS": "-O1"})
    assert settings["CPPFLAGS"] == f"-ffile-prefix-map={built}=/app -I/opt/x"
    assert set(settings) == {"SOURCE_DATE_EPOCH", "CPPFLAGS"}
    # A CNB build runs where the image does; a build directory with a space can't be one word.
    cnb = Layout(layout.build, layout.build, ROOT, tmp_path / "work", None, layers=tmp_path / "layers")
    assert set(compiler_settings(cnb, {})) == {"SOURCE_DATE_EPOCH"}
    assert set(compiler_settings(classic(tmp_path, "build dir"), {})) == {"SOURCE_DATE_EPOCH"}


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_what_is_compiled_with_them_names_the_slug_where_it_runs(tmp_path: Path) -> None:
    """The same C source built (with debug information and __FILE__) in two build directories:
    the same object, naming /app and neither build directory."""
    objects = []
    for name in ("build_one", "another_build_dir"):
        layout = classic(tmp_path, name)
        source = layout.build / "src" / "ext.c"
        source.parent.mkdir()
        source.write_text("const char *where(void) { return __FILE__; }\n")
        flags = compiler_settings(layout, {})["CPPFLAGS"].split()
        subprocess.run(
            ["cc", *flags, "-g", "-c", str(source), "-o", str(source.with_suffix(".o"))], check=True
        )
        objects.append(source.with_suffix(".o").read_bytes())
        assert str(layout.build.resolve()).encode() not in objects[-1]
        assert b"/app/src/ext.c" in objects[-1]
    assert objects[0] == objects[1]


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_setuptools_builds_with_the_runtime_s_own_flags_and_the_map(tmp_path: Path) -> None:
    """A C extension built by setuptools (the seed's) in the engines' environment
    (pip_environment): with the interpreter's own CFLAGS (sysconfig's -DNDEBUG -g -O3: setuptools
    drops them for a CFLAGS of the environment, and the source refuses to compile without them),
    and the prefix map (its debug information names it at /app, not in the build directory)."""
    layout = classic(tmp_path)
    source = layout.build / "ext"
    source.mkdir()
    (source / "fast.c").write_text(
        '#ifndef NDEBUG\n#error "built without the interpreter\'s own CFLAGS"\n#endif\n'
        "#include <Python.h>\n"
        'static struct PyModuleDef fast = {PyModuleDef_HEAD_INIT, "fast"};\n'
        "PyMODINIT_FUNC PyInit_fast(void) { return PyModule_Create(&fast); }\n"
    )
    (source / "setup.py").write_text(
        "from setuptools import Extension, setup\n"
        "setup(name='fast', version='1', ext_modules=[Extension('fast', ['fast.c'])])\n"
    )
    env = make_venv(tmp_path / "venv", [w for w in seed_wheels() if w.name.startswith("setuptools-")])
    built = subprocess.run(
        [str(env / "bin" / "python"), "setup.py", "-q", "build_ext", "--inplace"],
        cwd=source,
        env=pip_environment(layout, {}),
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    data = next(source.glob("fast*.so")).read_bytes()
    assert b"/app/ext" in data and str(layout.build.resolve()).encode() not in data
