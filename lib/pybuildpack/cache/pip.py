"""Keeping the installers' caches bounded: pip's (CACHE_DIR/python/pip) and uv's wheels built
from source distributions (CACHE_DIR/python/uv).

Policy: the cache keeps what the last KEEP builds that installed anything used. A wheel pip or uv
built from a source distribution (pip/wheels/..., uv/sdists-vN/...) is kept while its name and
version are installed by one of those builds (uv's own `cache prune --ci` keeps every one); a
download (pip's pip/http-v2/..., and the buildpack's own pip/sdists/..., the distributions it
reads to plan the install) is kept while it was written or used since the oldest of those builds
started (a dependency that never changes is downloaded again every KEEP builds). The history is
pip/.history.json."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from pybuildpack.context import Layout
from pybuildpack.files import replace_file

KEEP = 3
# Directories of downloads, pruned by age: pip's HTTP cache, and the buildpack's own downloads
# (index/client.download marks a file it reuses as used now).
DOWNLOADS = ("http-v2", "sdists")


def cache_dir(layout: Layout) -> Path | None:
    """pip's cache (PIP_CACHE_DIR), which this module keeps bounded; None without a cache."""
    return layout.cached("pip")


def _history(cache: Path) -> list[dict[str, object]]:
    """The recorded builds; whatever of the file is not a well-formed record is ignored, and a
    record with a field this version does not know (another version's, as State.read refuses
    one) too."""
    try:
        data = json.loads((cache / ".history.json").read_text())
    except (OSError, ValueError):
        return []
    records: list[dict[str, object]] = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("installed"), list):
            continue
        if set(item) != {"started", "installed"}:
            continue
        try:
            started = float(item["started"])
        except (KeyError, TypeError, ValueError):
            continue
        records.append({"started": started, "installed": [str(x) for x in item["installed"]]})
    return records


def record_and_prune(cache: Path, started: float, installed: dict[str, str]) -> int:
    """Add this build to the history and delete what no recent build used. Returns files removed."""
    history = _history(cache)
    history.append({"started": started, "installed": sorted(f"{n}=={v}" for n, v in installed.items())})
    history = history[-KEEP:]
    replace_file(cache / ".history.json", json.dumps(history))
    keep = {str(item) for build in history for item in build["installed"]}  # type: ignore[attr-defined]
    oldest = min(float(build["started"]) for build in history)  # type: ignore[arg-type]
    removed = 0
    for wheel in (cache / "wheels").rglob("*.whl"):
        try:
            name, version, _, _ = parse_wheel_filename(wheel.name)
        except InvalidWheelFilename:
            continue
        if f"{canonicalize_name(name)}=={version}" not in keep:
            wheel.unlink(missing_ok=True)
            removed += 1
    if len(history) >= KEEP:
        for downloads in DOWNLOADS:
            for path in (cache / downloads).rglob("*"):
                if path.is_file() and path.stat().st_mtime < oldest:
                    path.unlink(missing_ok=True)
                    removed += 1
    for top in ("wheels", *DOWNLOADS):
        _remove_empty_directories(cache / top)
    return removed


def recent(cache: Path) -> set[str]:
    """name==version of everything the recorded builds installed."""
    return {str(item) for build in _history(cache) for item in build["installed"]}  # type: ignore[attr-defined]


def prune_uv_builds(uv_cache: Path, keep: set[str]) -> int:
    """Remove uv's wheels built from an index's source distributions (sdists-vN/pypi/NAME/VERSION,
    sdists-vN/index/DIGEST/NAME/VERSION; URLs, paths and git checkouts are kept by other names)
    unless a recorded build installed NAME==VERSION. Returns the versions removed."""
    wanted = {_normal(item) for item in keep}
    removed = 0
    buckets = [*uv_cache.glob("sdists-v*/pypi/*/*"), *uv_cache.glob("sdists-v*/index/*/*/*")]
    for bucket in buckets:
        if not bucket.is_dir():
            continue
        if _normal(f"{bucket.parent.name}=={bucket.name}") not in wanted:
            shutil.rmtree(bucket, ignore_errors=True)
            removed += 1
    return removed


def _normal(item: str) -> str:
    name, _, version = item.partition("==")
    try:
        version = str(Version(version))
    except InvalidVersion:
        pass
    return f"{canonicalize_name(name)}=={version}"


def _remove_empty_directories(root: Path) -> None:
    """Directories that pruning left empty (pip's cache nests files in hashed directories)."""
    for dirpath, _dirnames, _filenames in os.walk(root, topdown=False):
        if dirpath != str(root) and not os.listdir(dirpath):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
