"""The layers of a Cloud Native Buildpack build (bin/build): LAYERS/NAME/ and LAYERS/NAME.toml,
its types (launch: in the image; build: seen by later buildpacks; cache: kept for the next build)
and its metadata. The lifecycle restores a cached layer with its metadata but without [types]: a
build says again what each layer it keeps is, or the lifecycle drops it (commands/finish.py, via
launch.py). This module reads and writes that file; it imports nothing of the core but toml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pybuildpack.toml import TOMLDecodeError, dumps_tables, load_toml

# A layer's size in bytes as the build that wrote it measured it (size.py), in its metadata beside
# what the layer's owner keeps there: a layer reused as it is needs no walk of its files.
SIZE = "size"


def toml_path(layers: Path, name: str) -> Path:
    return layers / f"{name}.toml"


def metadata(layers: Path, name: str) -> dict[str, Any] | None:
    """The metadata a layer was restored with (or last written with); None when it has no file or
    the file can't be read as a layer's."""
    try:
        data = load_toml(toml_path(layers, name))
    except (OSError, TOMLDecodeError, UnicodeDecodeError):
        return None
    found = data.get("metadata", {})
    return found if isinstance(found, dict) else None


def recorded_size(layers: Path, name: str) -> int | None:
    """The size recorded in a layer's metadata (record_size), or None."""
    found = (metadata(layers, name) or {}).get(SIZE)
    return found if isinstance(found, int) and not isinstance(found, bool) and found >= 0 else None


def record_size(layers: Path, name: str, size: int) -> None:
    """The layer's size put into its metadata, its types and the rest of it kept."""
    try:
        data = load_toml(toml_path(layers, name))
    except (OSError, TOMLDecodeError, UnicodeDecodeError):
        return
    kinds = data.get("types", {})
    found = data.get("metadata", {})
    if not isinstance(kinds, dict) or not isinstance(found, dict):
        return
    write(layers, name, {kind for kind, on in kinds.items() if on is True}, {**found, SIZE: size})


def write(layers: Path, name: str, types: set[str], found: dict[str, Any]) -> None:
    """LAYERS/NAME.toml: types (of launch, build, cache) and metadata."""
    kinds = {kind: kind in types for kind in ("launch", "build", "cache")}
    text = dumps_tables({"types": kinds, "metadata": found})
    path = toml_path(layers, name)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def drop(layers: Path, name: str) -> None:
    """A layer the build no longer keeps: its directory and its file."""
    import shutil

    shutil.rmtree(layers / name, ignore_errors=True)
    toml_path(layers, name).unlink(missing_ok=True)
