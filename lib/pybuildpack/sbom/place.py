"""Where the bill of materials goes, written by finish after a successful build:

- classic (bin/compile): the slug's .heroku/python-sbom.cdx.json (.heroku/ is shared by Heroku's
  buildpacks, .heroku/node and the like, so the name says whose it is; .cdx.json is CycloneDX's
  extension for its JSON media type), and the cache's sbom/ for bin/report --sbom;
- CNB (bin/build): <layers>/<layer>.sbom.cdx.json for each layer it describes, as Buildpack API
  0.10 asks ("Software-Bill-of-Materials"): python (the runtime), venv (the distributions),
  natives (the native libraries), tools (the build tools; build.sbom.cdx.json when there is no
  tools layer), and the whole bill in the cache layer's sbom/ for bin/report --sbom.

An environment reused as it is gets the bill the last build made, copied from the cache when its
key (_key, below) is the same: a warm build renders nothing and imports neither facts.py nor
the CycloneDX library."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pybuildpack.committed import runtime_mark, runtime_source
from pybuildpack.context import LAYER_ENV, LAYER_NATIVES, LAYER_RUNTIME, LAYER_TOOLS, Layout, Settings
from pybuildpack.files import replace_file
from pybuildpack.state import State

if TYPE_CHECKING:
    from pybuildpack.sbom.facts import Bill, Component

EXTENSION = "cdx.json"  # the CNB spec's extension for CycloneDX JSON

SLUG_FILE = f"python-sbom.{EXTENSION}"  # in the slug's .heroku/ (and the cache's sbom/)
KEY_FILE = "key"
_LAYERS = (LAYER_RUNTIME, LAYER_ENV, LAYER_NATIVES, LAYER_TOOLS)
BUILD_FILE = f"build.sbom.{EXTENSION}"  # a CNB build's SBOM of what no layer holds (the tools)


def layer_file(layer: str) -> str:
    return f"{layer}.sbom.{EXTENSION}"


def _targets(layout: Layout, bill: Bill) -> dict[str, list[Component] | None]:
    """{file name: its components (None: the whole bill)} this build writes where it hands on."""
    if layout.layers is None:
        return {SLUG_FILE: None}
    files: dict[str, list[Component] | None] = {}
    for layer in _LAYERS:
        parts = [c for c in bill.components if c.layer == layer]
        if parts and (layout.layers / layer).is_dir():
            files[layer_file(layer)] = parts
        elif parts and layer == LAYER_TOOLS:
            files[BUILD_FILE] = parts
    return files


def hand_on(layout: Layout, state: State, settings: Settings) -> None:
    """The bill where the build hands it on (see above), and in the cache."""
    out = layout.slug_dir
    saved = layout.cached("sbom")
    key = _key(layout, state, settings)
    for stale in out.glob(f"*.sbom.{EXTENSION}"):
        stale.unlink()
    if saved is not None and state.environment == "reuse" and _read(saved / KEY_FILE) == key:
        names = [path.name for path in saved.iterdir() if path.name.endswith(EXTENSION)]
        if SLUG_FILE in names:
            for name in names:
                if name != SLUG_FILE or layout.layers is None:
                    shutil.copyfile(saved / name, out / name)
            return
    from pybuildpack.sbom.cyclonedx import document  # (only when a bill is rendered: a warm build copies)
    from pybuildpack.sbom.facts import bill as gathered

    bill = gathered(layout, state, settings)
    written = {name: document(bill, parts) for name, parts in _targets(layout, bill).items()}
    if SLUG_FILE not in written:  # (not setdefault, whose argument is rendered whether it is needed or not)
        written[SLUG_FILE] = document(bill)
    for name, text in written.items():
        if name != SLUG_FILE or layout.layers is None:
            replace_file(out / name, text)
    if saved is None:
        return
    try:  # best effort: a full cache renders the bill again next time
        shutil.rmtree(saved, ignore_errors=True)
        saved.mkdir(parents=True)
        for name, text in written.items():
            replace_file(saved / name, text)
        replace_file(saved / KEY_FILE, key + "\n")
    except OSError:
        shutil.rmtree(saved, ignore_errors=True)


def _read(path: Path) -> str:
    """A cached file's text, or "" when it is missing or unreadable (bytes that are not UTF-8: a
    damaged cache renders the bill again)."""
    try:
        return path.read_text().strip()
    except (OSError, ValueError):
        return ""


def _installed(env: Path) -> list[str]:
    """The environment's distributions as their dist-info directories name them (NAME-VERSION):
    one listing of site-packages."""
    return sorted(p.name for p in env.glob("lib/python*/site-packages/*.dist-info"))


def _key(layout: Layout, state: State, settings: Settings) -> str:
    """What the bill is a function of, but the environment's own files (which the fingerprint
    stands for while the environment is reused as it is, with the distributions it holds now: a
    hook that installed one, or removed one, renders the bill again): a reused bill is kept under
    it."""
    sources = sorted(Path(__file__).parent.glob("*.py"))
    document = {
        "fingerprint": state.fingerprint,
        "installed": _installed(layout.env),
        "runtime": [runtime_mark(layout.runtime), runtime_source(layout.runtime)],
        "libraries": [
            [use.name, use.version, use.sha256, use.source, use.needed_by] for use in state.libraries
        ],
        "declared": [[d.name, d.origin, d.hashes, d.url, d.extras] for d in state.declared],
        "locked": state.locked,
        "project_declares": state.project_declares,
        "layers": sorted(p.name for p in layout.layers.iterdir() if p.is_dir()) if layout.layers else None,
        "mirror": [settings.mirror_url, settings.stack],
        "code": [hashlib.sha256(path.read_bytes()).hexdigest() for path in sources],
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=list).encode()).hexdigest()
