"""Keeping pip's cache (CACHE_DIR/python/pip) bounded.

Policy: the cache keeps what the last KEEP builds that ran pip used. A wheel pip built from a
source distribution (pip/wheels/...) is kept while its name and version are installed by one of
those builds; a download (pip's pip/http-v2/..., and the buildpack's own pip/sdists/..., the
distributions it reads to plan the install) is kept while it was written or used since the oldest
of those builds started (a dependency that never changes is downloaded again every KEEP builds that
run pip). The history is pip/.history.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from pybuildpack.files import replace_file

KEEP = 3
# Directories of downloads, pruned by age: pip's HTTP cache, and the buildpack's own downloads
# (index/client.download marks a file it reuses as used now).
DOWNLOADS = ("http-v2", "sdists")


def _history(cache: Path) -> list[dict[str, object]]:
    """The recorded builds; whatever of the file is not a well-formed record is ignored."""
    try:
        data = json.loads((cache / ".history.json").read_text())
    except (OSError, ValueError):
        return []
    records: list[dict[str, object]] = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("installed"), list):
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


def _remove_empty_directories(root: Path) -> None:
    """Directories that pruning left empty (pip's cache nests files in hashed directories)."""
    for dirpath, _dirnames, _filenames in os.walk(root, topdown=False):
        if dirpath != str(root) and not os.listdir(dirpath):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
