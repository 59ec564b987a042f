from __future__ import annotations

import urllib.error
from collections.abc import Callable

import pytest
from conftest import Answer, LocalServer

from pybuildpack import http


def page(path: str) -> Answer:
    """A server that answers with the path it was asked for, but for a redirect (/moved...), a
    404 (/missing/) and a connection it closes (/close/)."""
    if path.startswith("/moved"):
        return 301, {"Location": path.replace("/moved", "/there")}, b""
    if path == "/missing/":
        return 404, {}, b"not found\n"
    closing = {"Connection": "close"} if path == "/close/" else {}
    return 200, {"Content-Type": "text/html", **closing}, path.encode()


@pytest.fixture
def served(local_server: Callable[..., LocalServer]) -> LocalServer:
    return local_server(pages=page)


@pytest.fixture
def server(served: LocalServer) -> str:
    return served.host


def test_a_thread_keeps_its_connection_to_a_server(server: str, served: LocalServer) -> None:
    for name in ("a", "b", "c", "d"):
        assert http.fetch(f"http://{server}/{name}/") == (f"/{name}/".encode(), "text/html")
    assert served.connections == 1
    # A connection the server closes is opened again, once.
    assert http.fetch(f"http://{server}/close/")[0] == b"/close/"
    assert http.fetch(f"http://{server}/e/")[0] == b"/e/"
    assert served.connections == 2


def test_errors_redirects_and_credentials_as_urllib_gives_them(server: str, served: LocalServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as error:
        http.fetch(f"http://{server}/missing/")
    assert error.value.code == 404
    assert http.fetch(f"http://user:secret@{server}/moved/x/")[0] == b"/there/x/"
    auth = [given for _path, given in served.requests]
    assert auth[-2:] == [auth[-1]] * 2 and auth[-1] and "secret" not in auth[-1]
    port = server.rsplit(":", 1)[1]
    with pytest.raises(OSError):
        http.fetch(f"http://127.0.0.1:{int(port) + 1 if port != '65535' else 1}/refused/")


def test_through_a_proxy_urllib_fetches(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The proxy is the test server itself: it answers with the path it was asked for, which
    # through a proxy is the whole URL.
    monkeypatch.setenv("http_proxy", f"http://{server}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert http.fetch("http://example.invalid/page/")[0] == b"http://example.invalid/page/"
