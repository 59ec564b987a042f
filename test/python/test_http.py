from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from pybuildpack import http


class Server(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps connections open
    connections: ClassVar[list[int]] = []
    auth: ClassVar[list[str | None]] = []

    def setup(self) -> None:
        super().setup()
        Server.connections.append(1)

    def do_GET(self) -> None:
        Server.auth.append(self.headers.get("Authorization"))
        if self.path.startswith("/moved"):
            self.send_response(301)
            self.send_header("Location", self.path.replace("/moved", "/there"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/missing/":
            self.send_error(404)
            return
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/close/":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Server.connections.clear()
    Server.auth.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Server)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_thread_keeps_its_connection_to_a_server(server: str) -> None:
    for name in ("a", "b", "c", "d"):
        assert http.fetch(f"http://{server}/{name}/") == (f"/{name}/".encode(), "text/html")
    assert len(Server.connections) == 1
    # A connection the server closes is opened again, once.
    assert http.fetch(f"http://{server}/close/")[0] == b"/close/"
    assert http.fetch(f"http://{server}/e/")[0] == b"/e/"
    assert len(Server.connections) == 2


def test_errors_redirects_and_credentials_as_urllib_gives_them(server: str) -> None:
    with pytest.raises(http.urllib.error.HTTPError) as error:
        http.fetch(f"http://{server}/missing/")
    assert error.value.code == 404
    assert http.fetch(f"http://user:secret@{server}/moved/x/")[0] == b"/there/x/"
    assert Server.auth[-2:] == [Server.auth[-1]] * 2 and Server.auth[-1] and "secret" not in Server.auth[-1]
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
