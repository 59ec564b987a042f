"""What a requirement's extras bring in (`cachekit[memcache]` -> pylibmc), read from the
distribution's metadata on the index or from a local project, without installing anything."""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.index import client
from pybuildpack.index.sdist import top_level_members, valid_requirements
from pybuildpack.index.select import Sources, chosen_files
from pybuildpack.requirements.graph import Entry
from pybuildpack.toml import TOMLDecodeError, load_toml


def _requires_dist(metadata: str) -> list[str]:
    import email.parser  # (not with the module: a warm build's core start imports it)

    message = email.parser.Parser().parsestr(metadata, headersonly=True)
    return list(message.get_all("Requires-Dist") or [])


def _metadata_from_archive(path: Path) -> str:
    """A wheel's METADATA, or an sdist's PKG-INFO."""
    import zipfile  # (the archives' modules only where an archive is read)

    if path.name.endswith(".whl"):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".dist-info/METADATA") and name.count("/") == 1:
                    return zf.read(name).decode("utf-8", errors="replace")
        return ""
    return top_level_members(path, ("PKG-INFO",)).get("PKG-INFO", b"").decode("utf-8", errors="replace")


def _names_for_extras(specs: list[str], extras: set[str]) -> set[str]:
    names = set()
    for req in valid_requirements(specs):
        if req.marker is None:
            continue
        for extra in extras:
            try:
                if req.marker.evaluate({"extra": extra}):
                    names.add(canonicalize_name(req.name))
            except Exception:
                continue
    return names


def _local_project_extras(path: Path, extras: set[str]) -> set[str]:
    pyproject = path / "pyproject.toml"
    if not pyproject.is_file():
        return set()
    try:
        data = load_toml(pyproject)
    except (OSError, TOMLDecodeError):
        return set()
    optional = (data.get("project") or {}).get("optional-dependencies") or {}
    names = set()
    for extra, specs in optional.items():
        if canonicalize_name(extra) in {canonicalize_name(e) for e in extras}:
            for spec in specs:
                try:
                    names.add(canonicalize_name(Requirement(spec).name))
                except InvalidRequirement:
                    continue
    return names


def extra_names(entry: Entry, sources: Sources, root: Path, downloads: Path) -> set[str]:
    """Canonical names of the distributions that entry's extras add."""
    if entry.kind == "path" and entry.path is not None:
        extras = set()
        text = entry.raw or entry.text
        if "[" in text and "]" in text:
            extras = {e.strip() for e in text[text.index("[") + 1 : text.index("]")].split(",") if e.strip()}
        return _local_project_extras(entry.path, extras) if extras else set()
    if entry.requirement is None or not entry.requirement.extras:
        return set()
    files = chosen_files(entry, sources, root)
    wheels = [f for f, is_wheel in files if is_wheel]
    for item in wheels[:1] + [f for f, is_wheel in files if not is_wheel][:1]:
        metadata = _metadata_from_archive(client.download(item.url, downloads))
        if metadata:
            return _names_for_extras(_requires_dist(metadata), set(entry.requirement.extras))
    return set()
