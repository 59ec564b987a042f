"""HTTP GETs for the core (indexes, remote requirements files, the mirror): credentials in a URL
become a Basic auth header and never reach a log.

Each thread keeps its connection to a server open for the next request (keep-alive), and every
connection shares one TLS context: a plan that asks an index about 20 projects from 8 threads
opens 8 connections, not 20 (each a TCP and TLS handshake and a read of the certificate store).
Through a proxy (the *_proxy variables) and for other schemes, each GET is urllib's own."""

from __future__ import annotations

import base64
import io
import threading
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, unquote, urljoin, urlsplit, urlunsplit

# The network's modules (ssl, http.client, urllib.request: a third of a core run's start) are
# imported by the functions that use them: a build that downloads nothing never loads them.
if TYPE_CHECKING:
    import http.client
    import ssl

ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
_REDIRECTS = 5
_local = threading.local()  # .connections: {(scheme, host, port): connection}
_tls: list[ssl.SSLContext] = []
_tls_lock = threading.Lock()


def split_auth(url: str) -> tuple[str, str | None]:
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    token = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return clean, "Basic " + base64.b64encode(token.encode()).decode()


def fetch(url: str, timeout: float = 30.0, accept: str = ACCEPT) -> tuple[bytes, str]:
    """GET url (credentials in it become a Basic auth header): (body, content type). Raises
    urllib.error.HTTPError for an error status, and OSError (urllib.error.URLError) when the
    server can't be reached, as urllib does."""
    import urllib.error

    clean, auth = split_auth(url)
    headers = {"Accept": accept, "User-Agent": "python-buildpack"}
    for _ in range(_REDIRECTS + 1):
        parts = urlsplit(clean)
        if parts.scheme not in ("http", "https") or _proxied(parts):
            return _urllib(clean, headers, auth, timeout)
        sent = {**headers, "Authorization": auth} if auth else headers
        status, reason, message, body = _get(parts, sent, timeout)
        location = message.get("Location")
        if status in (301, 302, 303, 307, 308) and location:
            target = urljoin(clean, location)
            if urlsplit(target).netloc != parts.netloc:
                auth = None  # credentials go to the server they were given for only
            clean = target
            continue
        if status >= 400:
            raise urllib.error.HTTPError(clean, status, reason, message, io.BytesIO(body))
        return body, message.get("Content-Type", "")
    raise urllib.error.URLError(f"more than {_REDIRECTS} redirects")


def _urllib(url: str, headers: dict[str, str], auth: str | None, timeout: float) -> tuple[bytes, str]:
    import urllib.request

    request = urllib.request.Request(url, headers=headers)
    if auth:
        request.add_header("Authorization", auth)
    with urllib.request.build_opener().open(request, timeout=timeout) as response:  # proxies as set now
        return response.read(), response.headers.get("Content-Type", "")


def _proxied(parts: SplitResult) -> bool:
    import urllib.request

    return parts.scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(parts.netloc)


def _context() -> ssl.SSLContext:
    import ssl

    with _tls_lock:
        if not _tls:
            _tls.append(ssl.create_default_context())  # SSL_CERT_FILE / SSL_CERT_DIR honoured
        return _tls[0]


def _get(
    parts: SplitResult, headers: dict[str, str], timeout: float
) -> tuple[int, str, http.client.HTTPMessage, bytes]:
    """One GET on this thread's connection to the server (opened when it has none, and again when
    the server closed the one kept)."""
    import http.client
    import urllib.error

    connections: dict[tuple[str, str, int | None], http.client.HTTPConnection] = _local.__dict__.setdefault(
        "connections", {}
    )
    key = (parts.scheme, parts.hostname or "", parts.port)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connections.pop(key, None)
    kept = connection is not None
    while True:
        if connection is None:
            if parts.scheme == "https":
                connection = http.client.HTTPSConnection(key[1], key[2], timeout=timeout, context=_context())
            else:
                connection = http.client.HTTPConnection(key[1], key[2], timeout=timeout)
        elif connection.sock is not None:
            connection.sock.settimeout(timeout)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            if kept and not isinstance(exc, TimeoutError):
                kept, connection = False, None  # the server closed the connection it kept
                continue
            if isinstance(exc, TimeoutError):
                raise
            raise urllib.error.URLError(exc) from exc
        if response.will_close:
            connection.close()
        else:
            connections[key] = connection
        return response.status, response.reason, response.msg, body
