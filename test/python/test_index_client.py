"""The index client asks each index once per project (D10), within pip's timeout; pip's failure
to reach an index is not called a missing package (D11)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LocalServer

from pybuildpack.environment.pipfailure import summarize
from pybuildpack.index import client
from pybuildpack.index.select import Sources, all_files
from pybuildpack.requirements.graph import Graph
from pybuildpack.requirements.parse import parse_requirements


@pytest.fixture
def served(tmp_path: Path, local_server: Callable[..., LocalServer]) -> LocalServer:
    page = tmp_path / "simple" / "lonely-pkg"
    page.mkdir(parents=True)
    (page / "index.html").write_text('<a href="lonely_pkg-1.0.tar.gz">lonely_pkg-1.0.tar.gz</a>\n')
    return local_server(root=tmp_path)


@pytest.fixture
def index(served: LocalServer) -> str:
    return f"{served.url}/simple"


def test_an_index_is_asked_once_per_project(index: str, served: LocalServer, tmp_path: Path) -> None:
    sources = Sources.from_graph(Graph(tmp_path), {"PIP_INDEX_URL": index, "PIP_DEFAULT_TIMEOUT": "7"}, None)
    assert sources.timeout == 7.0
    for _ in range(50):
        files = all_files(sources, "Lonely_Pkg", tmp_path)
    assert [f.filename for f in files] == ["lonely_pkg-1.0.tar.gz"]
    assert served.paths == ["/simple/lonely-pkg/"]
    assert client.project_files(index, "lonely.pkg") == files  # the same project, spelt otherwise


def test_threads_asking_at_once_ask_the_index_once(index: str, served: LocalServer) -> None:
    """The planner asks from 8 threads: they must not all miss the memo and ask together."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda _: client.project_files(index, "lonely-pkg"), range(64)))
    assert all(f == found[0] for f in found)
    assert served.paths == ["/simple/lonely-pkg/"]


def test_an_unreachable_index_is_not_a_missing_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "UNREACHABLE", {})
    tail = [
        "WARNING: Retrying (Retry(total=0)) after connection broken by "
        "'NewConnectionError(\"Failed to establish a new connection: [Errno 111] Connection refused\")'"
        ": /simple/six/",
        "ERROR: Could not find a version that satisfies the requirement six==1.17.0 (from versions: none)",
        "ERROR: No matching distribution found for six==1.17.0",
    ]
    error = summarize(tail, Graph(tmp_path), 1)
    assert error.code == "install::index-unreachable"
    assert error.title == "pip could not reach the package index"
    assert summarize(tail[1:], Graph(tmp_path), 1).code == "install::requirement-not-found"


def test_pip_silent_about_a_refused_index_is_still_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With PIP_RETRIES=0 pip prints no connection error, only 'No matching distribution': the
    buildpack's own lookup of the same index, refused, tells the two apart."""
    monkeypatch.setattr(client, "UNREACHABLE", {})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once it is closed
    dead = f"http://user:s3cret@127.0.0.1:{port}/simple"
    with pytest.raises(OSError):
        client.project_files(dead, "six", timeout=2)
    tail = [
        "ERROR: Could not find a version that satisfies the requirement six==1.17.0 (from versions: none)",
        "ERROR: No matching distribution found for six==1.17.0",
    ]
    error = summarize(tail, Graph(tmp_path), 1)
    assert error.code == "install::index-unreachable"
    assert f"127.0.0.1:{port}" in "\n".join(error.details)
    assert "s3cret" not in "\n".join(error.lines())


def test_a_hash_mismatch_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("idna==3.10\nsix==1.16.0 --hash=sha256:00\n")
    from pybuildpack.requirements.parse import parse_requirements

    graph = parse_requirements(tmp_path / "requirements.txt", tmp_path, {})
    tail = [
        "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated "
        "the package versions, please update the hashes. Otherwise, examine the package contents carefully;"
        " someone may have tampered with them.",
        "    six==1.16.0 from https://files.invalid/six-1.16.0-py2.py3-none-any.whl (from -r requirements.txt"
        " (line 2)):",
        "        Expected sha256 00",
        "             Got        8abb",
    ]
    error = summarize(tail, graph, 1)
    assert error.code == "install::hash-mismatch"
    assert error.where == "requirements.txt:2"
    assert "six" in error.title
    assert "Expected sha256 00" in error.details


@pytest.mark.parametrize(
    "said",
    [
        "WARNING: 401 Error, Credentials not correct for http://127.0.0.1:{port}/private/simple/six/",
        "Could not fetch URL http://user:****@127.0.0.1:{port}/private/simple/six/: 403 Client Error: "
        "Forbidden for url: http://127.0.0.1:{port}/private/simple/six/ - skipping",
        "",  # pip said nothing of it: the plan's own lookup of the index was refused
    ],
)
def test_a_refused_password_is_an_authentication_failure_not_a_missing_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_server: Callable[..., LocalServer], said: str
) -> None:
    monkeypatch.setattr(client, "REFUSED", {})
    monkeypatch.setattr(client, "UNREACHABLE", {})
    server = local_server(auth=("user", "another password"))  # an index that accepts no credentials
    port = server.port
    with pytest.raises(OSError):
        client.project_files(f"http://user:s3cret@127.0.0.1:{port}/private/simple", "six", timeout=5)
    assert server.paths == ["/private/simple/six/"]
    (tmp_path / "requirements.txt").write_text("six==1.17.0\n")
    graph = parse_requirements(tmp_path / "requirements.txt", tmp_path, {})
    tail = [
        *([said.format(port=port)] if said else []),
        "ERROR: Could not find a version that satisfies the requirement six==1.17.0 (from versions: none)",
        "ERROR: No matching distribution found for six==1.17.0",
    ]
    error = summarize(tail, graph, 1)
    assert error.code == "install::index-auth-failed"
    status = "403" if "403" in said else "401"
    assert error.title.startswith(
        f"Authentication failed for the package index http://127.0.0.1:{port}/private/simple/ (HTTP {status}"
    )
    assert error.where == "requirements.txt:1"
    assert "s3cret" not in "\n".join(error.lines()) and "user" not in error.title
