"""Which Python the build installs: the mirror's index (or the copy the last build saved), the
release the last build used (kept by finish: remember), and the app's request."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pybuildpack import output
from pybuildpack.context import Layout, Settings
from pybuildpack.files import replace_file

# The resolution's modules (the app's request, the locks, packaging's specifiers) are imported by
# the functions that resolve: finish's remember needs none of them.
if TYPE_CHECKING:
    from pybuildpack.archives.mirror import Mirror
    from pybuildpack.python_version.resolve import Resolution


def mirror_index(layout: Layout, mirror: Mirror | None, keep: bool = True) -> str | None:
    """The mirror's index.txt; the copy the last build saved when the mirror can't give it."""
    saved = layout.cached("mirror-index.txt")
    text = mirror.index() if mirror is not None else None
    if text is not None and saved is not None and keep:
        try:
            replace_file(saved, text)
        except OSError:
            pass
    elif text is None and saved is not None and saved.is_file():
        output.info("The mirror's index can't be fetched; using the copy saved by the last build")
        text = saved.read_text(errors="replace")
    return text


def cached_version(layout: Layout) -> str | None:
    """The release the last successful build used (for apps that do not ask)."""
    saved = layout.cached("python-version")
    if saved is None:
        return None
    try:
        text = saved.read_text(errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return None
    return "".join(c for c in text if c.isdigit() or c == ".") or None


def resolve_version(
    layout: Layout,
    index_text: str | None,
    stack: str,
    arch: str,
    manager: str = "",
    workspace: Path | None = None,
) -> Resolution:
    """manager: the package manager whose lock the app installs from (its Python is checked);
    workspace: the root of the uv workspace the app is a member of (its .python-version)."""
    from pybuildpack.python_version.files import app_request
    from pybuildpack.python_version.locks import check as check_lock
    from pybuildpack.python_version.resolve import KnownVersions, MirrorIndex, available, resolve

    known = KnownVersions.load(layout.data / "python-versions.toml")
    mirror = MirrorIndex.parse(index_text, stack, arch) if index_text is not None else None
    request = app_request(layout.app, cached_version(layout), workspace)
    resolution = resolve(request, known, mirror, f"{stack} {arch}")
    how = "newest matching " if request.kind != "exact" else ""
    output.step(f"Python {resolution.version} ({how}from {request.origin})")
    for warning in (*request.warnings, *resolution.warnings):
        output.warning(warning)
    check_lock(layout.app, manager, resolution.version, request, available(known, mirror))
    return resolution


def release_for(
    layout: Layout,
    settings: Settings,
    stack: str,
    arch: str,
    manager: str,
    *,
    planning: bool = False,
    workspace: Path | None = None,
) -> Resolution:
    """The release a build installs (the mirror required), or bin/plan shows (planning: the mirror
    when one is configured, its index not kept)."""
    from pybuildpack.archives.mirror import Mirror

    mirror = Mirror.configured(settings) if planning else Mirror.required(settings)
    index = mirror_index(layout, mirror, keep=not planning)
    return resolve_version(layout, index, stack, arch, manager, workspace)


def remember(layout: Layout, version: str) -> None:
    """After a successful build: the release it used, for the next build (best effort)."""
    saved = layout.cached("python-version")
    if saved is None:
        return
    try:
        replace_file(saved, version + "\n")
    except OSError:
        pass
