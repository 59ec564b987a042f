"""What the plan learned from the index that does not change: that a pinned release has a wheel
for the runtime (an index never replaces a release's files). Kept in CACHE_DIR, so that a build
whose requirements mostly did not change asks the index only about what is new. Only this
build's pinned requirements are kept (bounded), each by a digest of the indexes asked, the
runtime's tags and the requirement: no index address (nor its credentials) is written."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from pathlib import Path

from packaging.tags import Tag
from packaging.utils import canonicalize_name

from pybuildpack.context import Layout
from pybuildpack.files import replace_file
from pybuildpack.index.select import Sources
from pybuildpack.requirements.graph import Entry


def kept_file(layout: Layout) -> Path | None:
    """Where the releases found to have a wheel are kept (None without a cache)."""
    return layout.cached("known-wheels.json")


class KnownWheels:
    def __init__(self, path: Path | None, sources: Sources, tags: Iterable[Tag]) -> None:
        self.path = path
        # find-links directories can change under the same name: nothing is kept for them
        self.usable = path is not None and not sources.find_links
        self.salt = "\0".join([*sources.index_urls, "", *sorted(str(tag) for tag in tags)])
        self.known = self._load() if self.usable else set()
        self.kept: set[str] = set()
        self.lock = threading.Lock()

    def _load(self) -> set[str]:
        try:
            data = json.loads(self.path.read_text()) if self.path is not None else []
        except (OSError, ValueError):
            return set()
        return {item for item in data if isinstance(item, str)} if isinstance(data, list) else set()

    def key(self, entry: Entry) -> str | None:
        """The requirement's key: a pinned named requirement (==) only."""
        if not self.usable or entry.pinned_version is None or entry.requirement is None:
            return None
        text = f"{self.salt}\0{canonicalize_name(entry.requirement.name)}\0{entry.requirement.specifier}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def has_wheel(self, key: str | None) -> bool:
        """An earlier build found a wheel for it (kept for the next build too)."""
        if key is None or key not in self.known:
            return False
        with self.lock:
            self.kept.add(key)
        return True

    def found_wheel(self, key: str | None) -> None:
        if key is not None:
            with self.lock:
                self.kept.add(key)

    def save(self) -> None:
        """Keep what this plan found (best effort)."""
        if not self.usable or self.path is None or self.kept == self.known:
            return
        try:
            replace_file(self.path, json.dumps(sorted(self.kept)))
        except OSError:
            pass
