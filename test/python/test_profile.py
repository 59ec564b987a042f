"""What the build hands on (profile.py): .profile.d/python.sh as a dyno sources it, and `export`
as a later buildpack sources it, written from the real registry and lib/profile.d into real
directories, then sourced by a real shell."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from pybuildpack.context import Layout
from pybuildpack.environment.relocate import point_at_runtime
from pybuildpack.natives.registry import build_variables, load_registry, run_variables, separator
from pybuildpack.profile import hand_on

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = {lib.name: lib for lib in load_registry(ROOT / "data" / "native-libraries.toml")}
CLEAN = {"PATH": "/usr/bin:/bin"}


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    """A build directory whose path has a space, and a buildpack directory of its own (export is
    written there) with the real data/ and lib/."""
    buildpack = tmp_path / "buildpack"
    buildpack.mkdir()
    for name in ("data", "lib"):
        (buildpack / name).symlink_to(ROOT / name)
    build = tmp_path / "build dir"
    build.mkdir()
    return with_environment(
        Layout(app=build, build=build, buildpack=buildpack, work=tmp_path / "work", cache=None)
    )


def with_environment(layout: Layout) -> Layout:
    """The environment's pyvenv.cfg as the build leaves it: its home the runtime where it was built
    (relocate.point_at_runtime), as a virtualenv made elsewhere has it."""
    layout.env.mkdir(parents=True)
    (layout.env / "pyvenv.cfg").write_text("home = /elsewhere/python/bin\nversion = 3.13.15\n")
    point_at_runtime(layout.env, layout.runtime)
    return layout


def unpack(layout: Layout, *names: str) -> None:
    for name in names:
        (layout.natives / name / "lib").mkdir(parents=True)


def sourced(script: Path, show: str, env: dict[str, str], shell: str = "bash") -> str:
    """What `show` prints after `. script`, in a clean environment but env."""
    result = subprocess.run(
        [shell, "-c", f'. "$1"; {show}', "_", str(script)],
        env={**CLEAN, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == ""
    return result.stdout.rstrip("\n")


def moved(layout: Layout, tmp_path: Path) -> Path:
    """The slug, copied somewhere else than where it was built (and than /app)."""
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(layout.build, elsewhere, symlinks=True)
    return elsewhere


def test_python_sh_puts_the_environment_first_and_keeps_user_settings(layout: Layout) -> None:
    hand_on(layout)
    show = 'echo "$PATH|$LANG|$PYTHONUNBUFFERED|${PYTHONHOME:-none}|${LD_LIBRARY_PATH:-none}"'
    shown = sourced(layout.profile_d / "python.sh", show, {"LANG": "fr_FR.UTF-8"})
    assert shown == f"{layout.env}/bin:{layout.runtime}/bin:/usr/bin:/bin|fr_FR.UTF-8|true|none|none"
    assert (layout.profile_d / "WEB_CONCURRENCY.sh").read_bytes() == (
        ROOT / "lib" / "profile.d" / "WEB_CONCURRENCY.sh"
    ).read_bytes()


def test_pythonhome_is_never_set_and_the_dynos_is_dropped(layout: Layout, tmp_path: Path) -> None:
    """The runtime and the environment find their files wherever the slug is (the environment's
    pyvenv.cfg has no `home`: relocate.leave_for_the_slug), so no PYTHONHOME: one would reach
    every other Python the app starts."""
    hand_on(layout)
    show = 'echo "${PYTHONHOME:-unset}|${PYTHONPLATLIBDIR:-unset}|${PYTHONPATH:-unset}|${_pybp_app:-unset}"'
    dyno = {"PYTHONHOME": "/nowhere", "PYTHONPLATLIBDIR": "lib64", "PYTHONPATH": "/app/src"}
    assert sourced(layout.profile_d / "python.sh", show, dyno) == "unset|unset|/app/src|unset"
    elsewhere = moved(layout, tmp_path)
    shown = sourced(elsewhere / ".profile.d" / "python.sh", show, {**dyno, "PYTHONPATH": ""})
    assert shown == "unset|unset|unset|unset"
    assert str(layout.build) not in (layout.profile_d / "python.sh").read_text()  # (the same in every build)


def test_a_shell_without_bash_source_finds_the_app_at_home(layout: Layout, tmp_path: Path) -> None:
    hand_on(layout)
    elsewhere = moved(layout, tmp_path)
    shown = sourced(elsewhere / ".profile.d" / "python.sh", 'echo "$PATH"', {"HOME": str(elsewhere)}, "sh")
    assert shown == f"{elsewhere}/.heroku/venv/bin:{elsewhere}/.heroku/python/bin:/usr/bin:/bin"


def test_native_libraries_at_run_time_come_from_the_registry(layout: Layout, tmp_path: Path) -> None:
    """Every run-time variable of every unpacked library, at the slug's new place, before what the
    dyno had; a library of the registry that is not unpacked is not named."""
    unpack(layout, "libmemcached")
    hand_on(layout)
    elsewhere = moved(layout, tmp_path)
    memcached = REGISTRY["libmemcached"]
    for key, value in run_variables(memcached, f"{elsewhere}/.heroku/vendor/libmemcached"):
        shown = sourced(elsewhere / ".profile.d" / "python.sh", f'echo "${key}"', {key: "/dyno"})
        assert shown == f"{value}{separator(key)}/dyno"
    assert "lzo2" not in (layout.profile_d / "python.sh").read_text()


def test_two_libraries_at_run_time_in_the_order_of_their_names(layout: Layout) -> None:
    unpack(layout, "lzo2", "libmemcached")
    hand_on(layout)
    shown = sourced(layout.profile_d / "python.sh", 'echo "$LD_LIBRARY_PATH"', {})
    assert shown == f"{layout.natives}/lzo2/lib:{layout.natives}/libmemcached/lib"


def test_export_gives_later_buildpacks_the_build_directorys_python(
    layout: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)  # the build's own: written as true
    hand_on(layout)
    shown = sourced(
        layout.export_file, 'echo "$PATH|$VIRTUAL_ENV|$PYTHONUNBUFFERED"', {"PYTHONUNBUFFERED": "1"}
    )
    assert shown == f"{layout.env}/bin:{layout.runtime}/bin:/usr/bin:/bin|{layout.env}|true"
    assert "LD_LIBRARY_PATH" not in layout.export_file.read_text()


def test_export_holds_every_build_variable_of_the_registry(
    layout: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later buildpack builds against the libraries as the app's dependencies did: every build
    variable, the library's own (LIBMEMCACHED) included, with what the build had kept after it."""
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    unpack(layout, "libmemcached")
    hand_on(layout)
    memcached = REGISTRY["libmemcached"]
    variables = build_variables(memcached, f"{layout.natives}/libmemcached")
    assert "LIBMEMCACHED" in dict(variables)
    before = {key: "/before" for key, _ in variables}
    show = "; ".join(f'echo "${key}"' for key, _ in variables)
    shown = sourced(layout.export_file, f"{show}; echo $LANG", before).splitlines()
    expected = [value + (f"{separator(key)}/before" if separator(key) else "") for key, value in variables]
    assert shown == [*expected, "fr_FR.UTF-8"]


def test_an_export_that_cannot_be_written_is_a_warning(
    layout: Layout, capsys: pytest.CaptureFixture[str]
) -> None:
    layout.export_file.mkdir()  # a directory where the file goes
    hand_on(layout)
    assert (layout.profile_d / "python.sh").is_file()
    assert f"Warning: Could not write {layout.export_file}; later buildpacks won't see Python" in (
        capsys.readouterr().err
    )


def test_a_build_directory_path_with_shell_characters(tmp_path: Path, layout: Layout) -> None:
    build = tmp_path / 'it\'s $HOME `x` "q"'
    build.mkdir()
    odd = with_environment(
        Layout(app=build, build=build, buildpack=layout.buildpack, work=layout.work, cache=None)
    )
    unpack(odd, "lzo2")
    hand_on(odd)
    show = 'echo "$PATH|${PYTHONHOME:-unset}|$LD_LIBRARY_PATH"'
    shown = sourced(odd.profile_d / "python.sh", show, {})
    assert shown == f"{odd.env}/bin:{odd.runtime}/bin:/usr/bin:/bin|unset|{odd.natives}/lzo2/lib"
    assert (
        sourced(odd.export_file, 'echo "$VIRTUAL_ENV|$CPATH"', {}) == f"{odd.env}|{odd.natives}/lzo2/include"
    )
    assert os.path.exists(odd.export_file)


def test_the_slug_records_an_app_in_a_subdirectory_for_bin_release(layout: Layout) -> None:
    hand_on(layout)
    assert not layout.app_subdir_record.exists()
    (layout.build / "services" / "api").mkdir(parents=True)
    hand_on(replace(layout, app=layout.build / "services" / "api"))
    assert layout.app_subdir_record.read_text() == "services/api\n"
    hand_on(layout)  # the app at the root again: no record left
    assert not layout.app_subdir_record.exists()
