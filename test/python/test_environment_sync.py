"""Syncing a restored environment to exactly the required set (environment/sync.py), on real
environment directories. The engine is a stand-in that installs and removes dist-info directories
the way an installer does, so what sync asks of it can be checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pybuildpack.context import Layout
from pybuildpack.environment.metadata import installed
from pybuildpack.environment.sync import required_names, sync
from pybuildpack.requirements.parse import parse_requirements
from pybuildpack.requirements.source import InstallSource


def dist(site: Path, name: str, version: str, *requires: str) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    (info / "METADATA").write_text("\n".join(lines + [f"Requires-Dist: {r}" for r in requires]) + "\n")


class DirectoryEngine:
    """Removes what it is asked to uninstall; resolve() is never needed for named requirements."""

    name = "test"

    def __init__(self, site: Path) -> None:
        self.site = site
        self.uninstalled: list[str] = []

    def install(self, args: list[str], *, no_build_isolation: bool = False) -> None:
        raise AssertionError("sync installs nothing")

    def uninstall(self, names: list[str]) -> None:
        self.uninstalled += names
        for info in self.site.glob("*.dist-info"):
            if info.name.split("-")[0].lower() in names:
                shutil.rmtree(info)

    def resolve(self, args: list[str], report: Path) -> dict[str, str]:
        raise AssertionError("every requirement is named: no resolution needed")


def make(tmp_path: Path, requirements: str) -> tuple[Layout, InstallSource, Path]:
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text(requirements)
    layout = Layout(app=app, build=app, buildpack=tmp_path, work=tmp_path / "work", cache=None)
    site = layout.env / "lib" / "python3.13" / "site-packages"
    for name in ("pip", "setuptools", "wheel"):
        dist(site, name, "1.0")
    dist(site, "flask", "3.1.0", "blinker>=1.9", "click>=8.1.3")
    dist(site, "blinker", "1.9.0")
    dist(site, "click", "8.1.8")
    dist(site, "six", "1.17.0")  # was required by the last build, no longer
    source = InstallSource("requirements", app / "requirements.txt", "from requirements.txt")
    return layout, source, site


def test_required_names_follow_the_requirements_and_keep_the_seed_packages(tmp_path: Path) -> None:
    layout, source, _site = make(tmp_path, "flask==3.1.0\n")
    graph = parse_requirements(source.path, layout.app, {})
    assert required_names(layout, source, graph) == {
        "flask",
        "blinker",
        "click",
        "pip",
        "setuptools",
        "wheel",
    }


def test_sync_removes_what_is_no_longer_required_and_reports_nothing_wrong(tmp_path: Path) -> None:
    layout, source, site = make(tmp_path, "flask==3.1.0\n")
    graph = parse_requirements(source.path, layout.app, {})
    engine = DirectoryEngine(site)
    assert sync(layout, source, graph, engine) == []
    assert engine.uninstalled == ["six"]
    assert set(installed(layout.env)) == {"flask", "blinker", "click", "pip", "setuptools", "wheel"}


def test_sync_says_what_is_still_wrong(tmp_path: Path) -> None:
    layout, source, site = make(tmp_path, "flask==3.1.0\nitsdangerous==2.2.0\nclick==8.0.0\n")
    graph = parse_requirements(source.path, layout.app, {})
    wrong = sync(layout, source, graph, DirectoryEngine(site))
    assert "itsdangerous is required but not installed" in wrong
    assert "click 8.1.8 does not match click==8.0.0" in wrong


def test_the_extras_written_on_the_app_s_own_line_keep_their_dependencies(tmp_path: Path) -> None:
    """`-e .[cli]` (as written, or as the build gives it BUILDPACK_INSTALL_EXTRAS): the app's
    extra's dependency is required, not removed as no longer required by a sync."""
    layout, source, site = make(tmp_path, "-e .[cli]\n")
    (layout.app / "setup.py").write_text("")
    dist(site, "app", "1.0", "flask", 'docopt; extra == "cli"')
    (site / "app-1.0.dist-info" / "direct_url.json").write_text(
        json.dumps({"url": layout.app.resolve().as_uri(), "dir_info": {"editable": True}})
    )
    dist(site, "docopt", "0.6.2")
    graph = parse_requirements(source.path, layout.app, {})
    engine = DirectoryEngine(site)
    assert sync(layout, source, graph, engine) == []
    assert engine.uninstalled == ["six"]
    assert "docopt" in installed(layout.env)
