"""What the bill of materials says, gathered after a successful build from what the build already
knows, rescanning nothing: the runtime's mark (its archive, checksum and origin), the native
libraries' archives (state.libraries), the environment's installed metadata (one read of each
METADATA: version, licence, what it requires), the app's requirements as decide read them
(state.declared) and the tools that installed them (state.installs, vendor/tools.toml)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from pybuildpack.archives.mirror import HEROKU_URL, Mirror
from pybuildpack.archives.names import archive_name
from pybuildpack.committed import runtime_mark, runtime_source
from pybuildpack.context import LAYER_ENV, LAYER_NATIVES, LAYER_RUNTIME, LAYER_TOOLS, Layout, Settings
from pybuildpack.environment import metadata
from pybuildpack.errors import BuildError
from pybuildpack.redact import redact
from pybuildpack.requirements import lockfiles
from pybuildpack.state import Declared, State
from pybuildpack.tools.pins import ToolWheel, pinned

PROPERTY = "pybuildpack:"  # the prefix of the bill's own properties
APPLICATION = "application"  # CycloneDX component types
LIBRARY = "library"
# The tools an install step or a lock's export names ("uv 0.13.9", "pip 26.3 (uv failed)").
_TOOL = re.compile(r"\b(uv|pip|poetry|pipenv) (\d[\w.+]*)")
_LICENSE_CLASSIFIER = "License :: "


@dataclass(frozen=True)
class Component:
    """One part of the bill: a CycloneDX component, and the layer that holds it (CNB mode)."""

    ref: str  # bom-ref, unique in the bill
    kind: str  # CycloneDX type: application (the runtime, a tool) or library
    name: str
    version: str
    layer: str  # LAYER_RUNTIME, LAYER_ENV, LAYER_NATIVES or LAYER_TOOLS
    purl: str = ""
    sha256: str = ""
    licence: str = ""  # an SPDX expression or id, or a licence's name as its metadata gives it
    build_only: bool = False  # a build tool: not in what runs (CycloneDX scope "excluded")
    properties: tuple[tuple[str, str], ...] = ()
    requires: tuple[str, ...] = ()  # refs of the components it depends on


@dataclass
class Bill:
    python_version: str
    stack: str
    arch: str
    components: list[Component] = field(default_factory=list)


def _properties(**values: str) -> tuple[tuple[str, str], ...]:
    return tuple((PROPERTY + key.replace("_", "-"), value) for key, value in values.items() if value)


def runtime(layout: Layout, state: State, settings: Settings) -> Component:
    """CPython: the archive it was unpacked from (its name and sha256, from the runtime's mark) and
    where that came from (the mirror the build used, or Heroku's runtime archives)."""
    mark = runtime_mark(layout.runtime)
    archive, sha256 = mark if mark is not None else ("", "")
    mirror = Mirror.configured(settings)
    origin = (
        ""
        if mirror is None
        else "Heroku's runtime archives"
        if mirror.url == HEROKU_URL
        else redact(mirror.url)
    )
    return Component(
        ref=f"runtime:python@{state.python_version}",
        kind=APPLICATION,
        name="python",
        version=state.python_version,
        layer=LAYER_RUNTIME,
        purl=f"pkg:generic/python@{state.python_version}",
        sha256=sha256,
        licence="PSF-2.0",
        properties=_properties(
            archive=archive,
            origin=origin,
            debian_source=runtime_source(layout.runtime),
            stack=state.stack,
            arch=state.arch,
        ),
    )


def libraries(state: State) -> list[Component]:
    """The native libraries (state.libraries: each one's version, archive checksum and the
    requirement that needs it)."""
    return [
        Component(
            ref=f"native:{use.name}@{use.version}",
            kind=LIBRARY,
            name=use.name,
            version=use.version,
            layer=LAYER_NATIVES,
            purl=f"pkg:generic/{use.name}@{use.version}",
            sha256=use.sha256,
            properties=_properties(
                archive=archive_name(use.name, use.version, state.stack, state.arch),
                debian_source=use.source,
                needed_by=use.needed_by,
            ),
        )
        for use in state.libraries
    ]


def licence_of(message: metadata.Message) -> str:
    """A distribution's licence as its metadata states it: License-Expression (PEP 639), else a
    one-line License field, else the classifiers' licence names."""
    expression = (message.get("License-Expression") or "").strip()
    if expression:
        return expression
    text = (message.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 100 and text.upper() != "UNKNOWN":
        return text
    names = [
        classifier.rsplit(" :: ", 1)[-1]
        for classifier in message.get_all("Classifier") or []
        if classifier.startswith(_LICENSE_CLASSIFIER) and classifier.count(" :: ") >= 2
    ]
    return " OR ".join(dict.fromkeys(names)) if len(names) > 1 else (names[0] if names else "")


def _marker_environment(python_version: str) -> dict[str, str]:
    """Marker values for the app's runtime (finish runs on the build image's python3)."""
    env = dict(default_environment())
    env.update(python_full_version=python_version, python_version=".".join(python_version.split(".")[:2]))
    return env


def _requirements(message: metadata.Message) -> list[Requirement]:
    found = []
    for spec in message.get_all("Requires-Dist") or []:
        try:
            found.append(Requirement(spec))
        except InvalidRequirement:
            continue
    return found


def _requires(
    found: dict[str, tuple[Path, metadata.Message]], state: State, markers: dict[str, str]
) -> dict[str, list[str]]:
    """{distribution: the installed distributions it requires}, markers evaluated for the app's
    runtime with the extras asked of it (by the app's requirements or another distribution's)."""
    asked: dict[str, set[str]] = {name: set() for name in found}
    for item in state.declared:
        if item.name in asked:
            asked[item.name].update(item.extras)
    requirements = {name: _requirements(message) for name, (_info, message) in found.items()}
    edges: dict[str, list[str]] = {}
    for _round in range(3):  # extras asked through extras: a few rounds reach what real metadata has
        edges = {}
        for name, needs in requirements.items():
            wanted = []
            for requirement in needs:
                need = canonicalize_name(requirement.name)
                marker = requirement.marker
                if need not in found or need == name:
                    continue
                if marker is None or any(
                    marker.evaluate({**markers, "extra": x}) for x in {"", *asked[name]}
                ):
                    wanted.append(need)
                    asked[need].update(requirement.extras)
            edges[name] = sorted(set(wanted))
    return edges


def _installed_file(name: str, version: str, info: Path, offered: dict[str, str]) -> tuple[str, str]:
    """(file name, sha256) of the file a lock offers that the environment installed: the wheel with
    the installed distribution's tags (its WHEEL file), else the one sdist it was built from; ("",
    "") when none or several could be."""
    try:
        tags = {
            line.split(":", 1)[1].strip()
            for line in (info / "WHEEL").read_text().splitlines()
            if line.startswith("Tag:")
        }
    except OSError:
        tags = set()
    wheels, sdists = [], []
    for filename, digest in offered.items():
        if filename.endswith(".whl"):
            try:
                wheel_name, wheel_version, _build, wheel_tags = parse_wheel_filename(filename)
            except InvalidWheelFilename:
                continue
            if wheel_name == name and str(wheel_version) == version and {str(t) for t in wheel_tags} == tags:
                wheels.append((filename, digest))
        elif filename.endswith((".tar.gz", ".zip", ".tar.bz2")):
            sdists.append((filename, digest))
    chosen = wheels or sdists
    return chosen[0] if len(chosen) == 1 else ("", "")


def distributions(layout: Layout, state: State) -> list[Component]:
    """Every distribution in the environment: its version, purl, licence, the sha256 of the file
    installed where it is known (a lock's or --hash's single hash, or the one pip recorded for an
    archive URL), the requirement that brought it in (file:line) and whether the app asks for it
    (direct) or another distribution does (transitive, with which)."""
    found = metadata.distributions(layout.env)
    markers = _marker_environment(state.python_version)
    requires = _requires(found, state, markers)
    required_by: dict[str, list[str]] = {}
    for name, needs in requires.items():
        for need in needs:
            required_by.setdefault(need, []).append(name)
    # a lock's packages: direct when the app's project declares them, else transitive (by what
    # requires them where the project's files can't be read: direct when nothing does)
    declares = set(state.project_declares) if state.locked and state.project_declares is not None else None
    lock = next((item.origin.rsplit(":", 1)[0] for item in state.declared if state.locked), "")
    offered = lockfiles.files(layout.app / lock) if lock else {}
    by_name: dict[str, Declared] = {}
    by_url: dict[str, Declared] = {}
    for item in state.declared:
        if item.name:
            by_name.setdefault(item.name, item)
        elif item.url:
            by_url.setdefault(metadata.bare_url(item.url), item)
    components = []
    for name, (info, message) in sorted(found.items()):
        version = str(message.get("Version", ""))
        url, archive_hash = metadata.direct_url_and_hash(info)
        item = by_name.get(name) or (by_url.get(metadata.bare_url(url)) if url else None)
        hashes = item.hashes if item is not None else []
        filename, from_lock = _installed_file(name, version, info, offered.get(name, {}))
        sha256 = archive_hash or from_lock or (hashes[0] if len(hashes) == 1 else "")
        parents = sorted(required_by.get(name, []))
        if declares is not None:
            relation = "direct" if name in declares else "transitive"
        elif state.locked:  # every package of a lock is declared: direct when nothing installed needs it
            relation = "transitive" if parents else "direct"
        else:
            relation = "direct" if item is not None else "transitive"
        if item is None and not parents:  # what nothing asks for
            relation = "seed" if name in metadata.SEED_PACKAGES else "undeclared"  # (seed: vendor/pins.txt)
        components.append(
            Component(
                ref=f"pypi:{name}@{version}",
                kind=LIBRARY,
                name=str(message.get("Name", name)),
                version=version,
                layer=LAYER_ENV,
                purl=f"pkg:pypi/{name}@{version}",
                sha256=sha256,
                licence=licence_of(message),
                properties=_properties(
                    origin=item.origin if item is not None else "",
                    relationship=relation,
                    required_by=", ".join(parents),
                    file=filename,
                    allowed_sha256=" ".join(hashes) if len(hashes) > 1 and not sha256 else "",
                    url=redact(url) if url else "",
                ),
                requires=tuple(f"pypi:{need}@{found[need][1].get('Version', '')}" for need in requires[name]),
            )
        )
    return components


def tools(layout: Layout, state: State) -> list[Component]:
    """The tools that installed the environment or exported the lock (uv, pip, ...), build-time
    only: uv with the sha256 of the wheel vendor/tools.toml pins."""
    said = " ".join(
        [state.package_manager if state.locked else "", *(step.engine for step in state.installs)]
    )
    found = []
    for name, version in dict.fromkeys(_TOOL.findall(said)):
        wheel: ToolWheel | None = None
        if name == "uv":
            try:
                wheel = pinned(layout.vendor, "uv", state.arch)
            except BuildError:  # an architecture tools.toml does not pin: the tool without its hash
                wheel = None
        found.append(
            Component(
                ref=f"tool:{name}@{version}",
                kind=APPLICATION,
                name=name,
                version=version,
                layer=LAYER_TOOLS,
                purl=f"pkg:pypi/{name}@{version}",
                sha256=wheel.sha256 if wheel is not None and wheel.version == version else "",
                build_only=True,
                properties=_properties(
                    wheel=wheel.file if wheel is not None and wheel.version == version else "",
                    used_for="; ".join(
                        step.step for step in state.installs if step.engine.startswith(f"{name} {version}")
                    )
                    or "the lock's export",
                ),
            )
        )
    return found


def bill(layout: Layout, state: State, settings: Settings) -> Bill:
    found = Bill(state.python_version, state.stack, state.arch)
    found.components = [
        runtime(layout, state, settings),
        *libraries(state),
        *distributions(layout, state),
        *tools(layout, state),
    ]
    return found
