"""What building a local package leaves in the app's directory (environment/leftovers.py): the
trees an engine builds in place, and what an install added there removed after it."""

from __future__ import annotations

from pathlib import Path

from pybuildpack.environment import leftovers
from pybuildpack.requirements.parse import parse_requirements


def app_with(tmp_path: Path, requirements: str) -> Path:
    app = tmp_path / "app"
    for name in ("pkg", "editable", "src-pkg", "../outside"):
        (app / name).mkdir(parents=True)
        (app / name / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '1'\n")
    (app / "src-pkg" / "src").mkdir()
    (app / "requirements.txt").write_text(requirements)
    return app


def test_the_trees_built_in_place_are_the_local_paths_without_e_inside_the_app(tmp_path: Path) -> None:
    app = app_with(tmp_path, "./pkg\n-e ./editable\n./src-pkg\n../outside\nflask==3.1.0\n")
    graph = parse_requirements(app / "requirements.txt", app, {})
    assert leftovers.built_in_place(graph, False) == [app / "pkg", app / "src-pkg"]
    # an app that is a package is built in its own directory
    assert leftovers.built_in_place(graph, True) == [app, app / "pkg", app / "src-pkg"]


def test_what_the_install_left_is_removed_and_what_was_there_is_kept(tmp_path: Path) -> None:
    app = app_with(tmp_path, "./pkg\n./src-pkg\n")
    (app / "pkg" / "build" / "assets").mkdir(parents=True)  # the app's own build/, before
    (app / "pkg" / "build" / "assets" / "app.js").write_text("x")
    trees = leftovers.built_in_place(parse_requirements(app / "requirements.txt", app, {}), False)
    before = leftovers.snapshot(trees)
    # what setuptools leaves: build/lib (in the app's existing build/), NAME.egg-info, src/'s
    (app / "pkg" / "build" / "lib").mkdir()
    (app / "pkg" / "pkg.egg-info").mkdir()
    (app / "pkg" / "pkg.egg-info" / "PKG-INFO").write_text("Name: pkg\n")
    (app / "src-pkg" / "build" / "lib").mkdir(parents=True)
    (app / "src-pkg" / "src" / "src_pkg.egg-info").mkdir()
    removed = leftovers.remove_new(before)
    assert removed == [
        app / "pkg" / "pkg.egg-info",
        app / "src-pkg" / "build",
        app / "src-pkg" / "src" / "src_pkg.egg-info",
    ]
    assert (app / "pkg" / "build" / "assets" / "app.js").read_text() == "x"
    assert sorted(p.name for p in (app / "src-pkg").iterdir()) == ["pyproject.toml", "src"]
    assert not (app / "src-pkg" / "src" / "src_pkg.egg-info").exists()
    assert leftovers.remove_new(before) == []  # nothing more
