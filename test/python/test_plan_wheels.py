from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import LocalServer
from packaging.version import Version

from pybuildpack.context import Settings
from pybuildpack.index import client
from pybuildpack.index.select import Sources
from pybuildpack.plan.planner import make_plan
from pybuildpack.plan.prerequisites import Knowledge
from pybuildpack.requirements.parse import parse_requirements

WHEEL = "demo-1.0-py3-none-any.whl"


def index(root: Path, local_server: Callable[..., LocalServer]) -> LocalServer:
    """A simple index on 127.0.0.1 with demo (a wheel of 1.0) and other (a wheel of 2.0)."""
    for name, wheel in (("demo", WHEEL), ("other", "other-2.0-py3-none-any.whl")):
        (root / name).mkdir(parents=True)
        (root / name / "index.html").write_text(f'<a href="{wheel}">{wheel}</a>\n')
    return local_server(root=root)


def plan_with(tmp_path: Path, url: str, lines: str, known: Path) -> None:
    """One build's plan (a process of its own: the index client's answers start empty)."""
    client._PAGES.clear()
    app = tmp_path / "app"
    app.mkdir(exist_ok=True)
    (app / "requirements.txt").write_text(lines)
    graph = parse_requirements(app / "requirements.txt", app, {})
    sources = Sources((url,), (), frozenset(), frozenset(), False)
    settings = Settings.from_env()
    make_plan(knowledge(), graph, settings, Version("3.13.5"), sources, tmp_path / "sdists", known)


def knowledge() -> Knowledge:
    return Knowledge.load(Path(__file__).resolve().parents[2] / "data" / "build-prerequisites.toml")


def test_a_pinned_release_with_a_wheel_is_looked_up_once_across_builds(
    tmp_path: Path, local_server: Callable[..., LocalServer]
) -> None:
    server = index(tmp_path / "index", local_server)
    url = server.url + "/"
    known = tmp_path / "cache" / "known-wheels.json"
    known.parent.mkdir()
    plan_with(tmp_path, url, "demo==1.0\nother>=1\n", known)
    assert sorted(server.paths) == ["/demo/", "/other/"]
    saved = json.loads(known.read_text())
    assert len(saved) == 1 and url not in known.read_text()  # the pinned one; no address
    # The next build: demo==1.0 is known; the range is asked again, and so is a new pin.
    server.clear()
    plan_with(tmp_path, url, "demo==1.0\nother>=1\nother==2.0\n", known)
    assert sorted(server.paths) == ["/other/"]
    assert len(json.loads(known.read_text())) == 2
    # Another index (or runtime) is not the same question.
    server.clear()
    plan_with(tmp_path, url.replace("127.0.0.1", "localhost"), "demo==1.0\n", known)
    assert server.paths == ["/demo/"]
