"""A small client for package indexes (the simple repository API, JSON or HTML) and find-links
directories: which files exist for a project. Used to decide, before pip runs, whether a wheel
fits the runtime or pip will build a source distribution."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from packaging.utils import canonicalize_name

from pybuildpack.files import replace_file
from pybuildpack.http import fetch, split_auth


@dataclass(frozen=True)
class IndexFile:
    filename: str
    url: str
    yanked: bool = False


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            values = dict(attrs)
            if values.get("href"):
                self.links.append((values["href"] or "", "data-yanked" in values))


_PAGES: dict[tuple[str, str], list[IndexFile]] = {}
_PAGES_LOCK = threading.Lock()
_ASKING: dict[tuple[str, str], threading.Lock] = {}  # one lock per project being asked for
# Indexes this process could not reach, with what went wrong (for pip's failure summary: pip says
# nothing of a connection error it does not retry, PIP_RETRIES=0).
UNREACHABLE: dict[str, str] = {}
# Indexes that refused this process's credentials (HTTP 401/403): {index URL without credentials:
# (status, reason)}, for pip's failure summary.
REFUSED: dict[str, tuple[str, str]] = {}
# pip's own default for PIP_DEFAULT_TIMEOUT.
DEFAULT_TIMEOUT = 15.0


def forget() -> None:
    """What this process learned of indexes forgotten (their pages, the unreachable and refusing
    ones): a build is one process and never needs it, a test suite runs many builds in one."""
    with _PAGES_LOCK:
        _PAGES.clear()
        _ASKING.clear()
    UNREACHABLE.clear()
    REFUSED.clear()


def project_files(index_url: str, name: str, timeout: float = DEFAULT_TIMEOUT) -> list[IndexFile]:
    """The files an index lists for a project; [] when the index does not know it. Each index is
    asked once per project and process, however many lines, files and threads name the project:
    the first asks, the others wait for its answer."""
    key = (index_url, canonicalize_name(name))
    with _PAGES_LOCK:
        if key in _PAGES:
            return _PAGES[key]
        asking = _ASKING.setdefault(key, threading.Lock())
    import urllib.error  # (the network's modules with the first request: pybuildpack.http)

    with asking:  # one thread asks; the others find its answer when they get the lock
        with _PAGES_LOCK:
            if key in _PAGES:
                return _PAGES[key]
        try:
            files = _project_files(index_url, name, timeout)
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                index = split_auth(index_url)[0].rstrip("/") + "/"
                REFUSED.setdefault(index, (str(exc.code), str(exc.reason)))
            raise
        except OSError as exc:
            reason = getattr(exc, "reason", exc)
            UNREACHABLE.setdefault(split_auth(index_url)[0], str(reason))
            raise
        with _PAGES_LOCK:
            _PAGES[key] = files
        return files


def _project_files(index_url: str, name: str, timeout: float) -> list[IndexFile]:
    import urllib.error

    base = index_url.rstrip("/") + "/"
    page = urljoin(base, canonicalize_name(name) + "/")
    try:
        body, content_type = fetch(page, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise
    page_clean, _ = split_auth(page)
    if "json" in content_type:
        data = json.loads(body)
        return [
            IndexFile(f["filename"], urljoin(page_clean, f["url"]), bool(f.get("yanked")))
            for f in data.get("files", [])
        ]
    parser = _Anchors()
    parser.feed(body.decode("utf-8", errors="replace"))
    out = []
    for href, yanked in parser.links:
        url = urljoin(page_clean, href)
        filename = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        out.append(IndexFile(filename, url, yanked))
    return out


def find_links_files(location: str, root: Path) -> list[IndexFile]:
    """Files in a find-links directory (local paths only; URLs are left to pip)."""
    if "://" in location and not location.startswith("file:"):
        return []
    path = Path(unquote(urlsplit(location).path)) if location.startswith("file:") else root / location
    if not path.is_dir():
        return []
    return [IndexFile(p.name, p.resolve().as_uri()) for p in sorted(path.iterdir()) if p.is_file()]


def download(url: str, dest: Path) -> Path:
    """Download url into the directory dest (reusing a file already there)."""
    clean, _ = split_auth(url)
    target = dest / unquote(urlsplit(clean).path.rsplit("/", 1)[-1])
    if target.is_file() and target.stat().st_size > 0:
        try:
            os.utime(target)  # used by this build: the cache's pruning keeps it
        except OSError:
            pass
        return target
    dest.mkdir(parents=True, exist_ok=True)
    if url.startswith("file:"):
        data = Path(unquote(urlsplit(url).path)).read_bytes()
    else:
        data, _ = fetch(url, timeout=120.0)
    replace_file(target, data)
    return target
