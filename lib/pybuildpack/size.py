"""The size of what a build hands on, said at its end: the slug (BUILD_DIR) or, with layers, the
app's part of the image (its launch layers and the app's directory). Above the warning size
(Settings.slug_size_warning, BUILDPACK_SLUG_SIZE_WARNING: 1,000 MB before compression, about
the 300 MB after it above which Heroku warns that a slug may slow a dyno's start) the build also
names the five largest installed distributions and how to make it smaller: nearly every oversize
slug is machine-learning dependencies, and Heroku says nothing until its limit is hit.

Sizes are as `du --apparent-size` counts them (each file's length, what a tarball of the tree
holds before compression; a file linked twice counted once; directories their own size), in MB
of 1,000,000 bytes. One du lists every file, started when finish starts and read at its end: for
the bench app's 16,600 files 0.06 s of CPU (on the other core) and 0.02 s here; naming the largest
distributions from its listing 0.09 s more (a walk in Python took 0.1 s, a stat of each
distribution's files 0.3 s).

With layers, the environment's layer reused as it is (nothing the build's own code ran wrote into
it: cache/environment.py's written_layers) is not walked again: its size is the one the build that wrote it
measured, kept in its metadata (cache/layers.py's SIZE). What can change in any build (the app's
directory, the runtime's and the libraries' layers) is always counted."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pybuildpack import output
from pybuildpack.cache import layers
from pybuildpack.context import LAYER_ENV, Layout

MB = 1_000_000
LARGEST = 5  # distributions named when the warning size is passed


def shown(size: int) -> str:
    """A size in MB: one decimal below 10 MB, none above."""
    return f"{size / MB:.1f} MB" if size < 10 * MB else f"{size / MB:,.0f} MB"


def parts_of(layout: Layout) -> list[tuple[str, Path]]:
    """(name, directory) of each part of what the build hands on that exists, the app last (its
    directory holds the slug's .heroku, which du then leaves out: counted already)."""
    if layout.layers is not None:
        named = [(path.name, path) for path in (layout.runtime, layout.env, layout.natives)]
    else:
        named = [(layout.shown(path), path) for path in (layout.runtime, layout.env, layout.natives)]
    return [(name, path) for name, path in named if path.is_dir()] + [("the app", layout.build)]


@dataclass
class Measuring:
    """du running over a build's parts (start), every file listed: read with sizes(), and each()
    for every file's size. known: the parts' sizes taken as recorded (not in du's listing)."""

    parts: list[tuple[str, Path]]
    process: subprocess.Popen[bytes] | None
    known: dict[str, int] = field(default_factory=dict)
    _listing: bytes | None = None

    def _listed(self) -> bytes:
        if self._listing is None:
            self._listing = self.process.communicate()[0] if self.process is not None else b""
        return self._listing

    def sizes(self) -> list[tuple[str, int]] | None:
        """(name, size) of each part (None when du could not say): the line of each part's own
        path (du's total of it), found without reading the others."""
        listed = self._listed()
        found = []
        for name, path in self.parts:
            if name in self.known:
                found.append((name, self.known[name]))
                continue
            end = listed.find(b"\t" + os.fsencode(path) + b"\0")
            length = listed[listed.rfind(b"\0", 0, end) + 1 : end] if end >= 0 else b""
            if not length.isdigit():
                return None
            found.append((name, int(length)))
        return found

    def each(self) -> dict[str, int]:
        """{path: size} of everything du listed."""
        sizes = {}
        for line in self._listed().split(b"\0"):
            length, tab, path = line.partition(b"\t")
            if tab and length.isdigit():
                sizes[os.fsdecode(path)] = int(length)
        return sizes


def start(layout: Layout, unchanged: bool = False) -> Measuring:
    """du started over the build's parts, listing every file (each counted once: du leaves out of
    the app's directory what it counted in the parts before it). unchanged: the environment's
    layer is as the build that wrote it left it, so its recorded size (if any) is taken."""
    parts = parts_of(layout)
    known = {}
    if unchanged and layout.layers is not None:
        recorded = layers.recorded_size(layout.layers, LAYER_ENV)
        if recorded is not None:
            known[LAYER_ENV] = recorded
    walked = [str(path) for name, path in parts if name not in known]
    command = ["du", "-0", "-a", "-B1", "--apparent-size", "--", *walked]
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return Measuring(parts, None, known)
    return Measuring(parts, process, known)


def keep(layout: Layout, measuring: Measuring) -> None:
    """With layers: the environment layer's size, as du measured it, into its metadata for the
    builds that reuse it as it is (start's unchanged)."""
    if layout.layers is None or LAYER_ENV in measuring.known:
        return
    for name, size in measuring.sizes() or []:
        if name == LAYER_ENV:
            layers.record_size(layout.layers, LAYER_ENV, size)


def largest(env: Path, sizes: dict[str, int], count: int = LARGEST) -> list[tuple[str, int]]:
    """The count largest distributions in env, ("NAME VERSION", size): the files their RECORDs
    list, and the bytecode compiled for their modules (which no RECORD lists; the runtime's, whose
    cache tag need not be this interpreter's: finish runs on the build machine's python3). sizes:
    every file's (Measuring.each: du's, which has listed them already; a stat of each file in
    Python took 0.3 s of CPU for the bench app's 13,700)."""
    bytecode: dict[tuple[str, str], int] = {}  # (a module's directory, its name): its .pyc files
    for path, length in sizes.items():
        directory, cache, name = path.rpartition("/__pycache__/")
        if cache and name.endswith(".pyc") and "/" not in name:
            key = (directory, name.split(".", 1)[0])
            bytecode[key] = bytecode.get(key, 0) + length
    from pybuildpack.environment.metadata import (
        listed_by_distribution,
    )  # (packaging's: past the warning only)

    sized = []
    for name, paths in listed_by_distribution(env).items():
        total = 0
        for path in paths:
            total += sizes.get(path, 0)
            if path.endswith(".py"):
                directory, _, module = path.rpartition("/")
                total += bytecode.get((directory, module[:-3]), 0)
        sized.append((name, total))
    return sorted(sized, key=lambda item: (-item[1], item[0]))[:count]


def tell(layout: Layout, measuring: Measuring, warning_mb: int) -> None:
    """The size, as a step line; above warning_mb, a warning with the largest distributions and
    what to do."""
    sizes = measuring.sizes()
    if sizes is None:
        return
    total = sum(size for _, size in sizes)
    each = ", ".join(f"{name} {shown(size)}" for name, size in sizes)
    if layout.layers is None:
        output.step(f"Slug size: {shown(total)} ({each})")
    else:
        output.step(
            f"Image size: {shown(total)} in the launch layers and the app ({each}), the run image besides"
        )
    if total <= warning_mb * MB:
        return
    over = f"{shown(total)}, over {shown(warning_mb * MB)} (BUILDPACK_SLUG_SIZE_WARNING)"
    if layout.layers is None:
        why = [
            f"The slug is {over}",
            "A large slug is slower to start: every dyno fetches and unpacks it. Heroku warns",
            "above 300 MB and refuses a slug over 500 MB, both after compression (this size is",
            "before it: a slug of Python packages compresses to about a third).",
        ]
        ignore = "list the app's files no dyno needs (data sets, documents, its tests) in .slugignore"
    else:
        why = [
            f"The app's launch layers and files are {over}",
            "A large image is slower to push, to pull and to start.",
        ]
        ignore = "leave out the app's files no process needs (data sets, documents, its tests) with"
        ignore += " project.toml's [io.buildpacks] exclude"
    # (an environment taken at its recorded size is not in the listing: walked now, past the warning only)
    biggest = largest(layout.env, (start(layout) if measuring.known else measuring).each())
    width = max((len(name) for name, _ in biggest), default=0)
    output.warning(
        [
            *why,
            "The largest installed distributions:",
            *(f"  {name.ljust(width)}  {shown(size).rjust(8)}" for name, size in biggest),
            "To make it smaller: install a lighter build of a large package (a CPU-only wheel of a",
            "machine-learning framework, from the project's own index with PIP_EXTRA_INDEX_URL;",
            "opencv-python-headless rather than opencv-python), drop what the app does not import,",
            f"and {ignore}.",
        ]
    )
