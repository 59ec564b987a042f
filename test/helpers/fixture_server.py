"""A static HTTP server on 127.0.0.1 for the tests: package archives, dumb-HTTP git repositories
and a simple index, with HTTP basic auth on the paths under --auth-prefix.

Usage: fixture_server.py ROOT PORT [--auth-prefix /private/ --credentials user:password]
Every request is logged to ROOT/../requests.log with its path and whether it was authorized."""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
from pathlib import Path


class Handler(http.server.SimpleHTTPRequestHandler):
    auth_prefix = ""
    expected = ""
    log_path: Path

    def _authorized(self) -> bool:
        if not self.auth_prefix or not self.path.startswith(self.auth_prefix):
            return True
        header = self.headers.get("Authorization", "")
        return header == "Basic " + base64.b64encode(self.expected.encode()).decode()

    def _log(self, authorized: bool) -> None:
        with self.log_path.open("a") as handle:
            handle.write(f"{self.command} {self.path} {'ok' if authorized else 'denied'}\n")

    def do_GET(self) -> None:
        authorized = self._authorized()
        self._log(authorized)
        if not authorized:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="fixtures"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        if not self._authorized():
            self.send_response(401)
            self.end_headers()
            return
        super().do_HEAD()

    def log_message(self, format: str, *args: object) -> None:
        return


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("port", type=int)
    parser.add_argument("--auth-prefix", default="")
    parser.add_argument("--credentials", default="")
    args = parser.parse_args()
    Handler.auth_prefix = args.auth_prefix
    Handler.expected = args.credentials
    Handler.log_path = Path(args.root).resolve().parent / "requests.log"
    handler = functools.partial(Handler, directory=args.root)
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
