"""HTTP GETs for the core (indexes, remote requirements files, the mirror): credentials in a URL
become a Basic auth header and never reach a log."""

from __future__ import annotations

import base64
import urllib.request
from urllib.parse import unquote, urlsplit, urlunsplit

ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"


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
    """GET url (credentials in it become a Basic auth header): (body, content type)."""
    clean, auth = split_auth(url)
    request = urllib.request.Request(clean, headers={"Accept": accept, "User-Agent": "python-buildpack"})
    if auth:
        request.add_header("Authorization", auth)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read(), response.headers.get("Content-Type", "")
