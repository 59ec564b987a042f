"""Known CPython releases, the mirror's index, and resolving a request to one release."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from pybuildpack.archives.names import parse_archive_name
from pybuildpack.errors import BuildError
from pybuildpack.toml import load_toml


def minor_of(version: Version) -> str:
    return f"{version.major}.{version.minor}"


@dataclass(frozen=True)
class KnownVersions:
    """The index in data/python-versions.toml."""

    supported: tuple[str, ...]
    end_of_life: frozenset[str]
    newest_patch: dict[str, int]

    @classmethod
    def load(cls, path: Path) -> KnownVersions:
        data = load_toml(path)
        return cls(
            supported=tuple(data["supported"]),
            end_of_life=frozenset(data.get("end_of_life", [])),
            newest_patch={k: int(v) for k, v in data["newest_patch"].items()},
        )

    def all(self) -> list[Version]:
        out: list[Version] = []
        for minor in self.supported:
            out.extend(Version(f"{minor}.{p}") for p in range(self.newest_patch[minor] + 1))
        return out

    def is_known(self, version: Version) -> bool:
        minor = minor_of(version)
        return minor in self.supported and version.micro <= self.newest_patch[minor]


@dataclass(frozen=True)
class MirrorIndex:
    """The releases a mirror holds for one stack and architecture (from its index.txt)."""

    versions: frozenset[Version]

    @classmethod
    def parse(cls, text: str, stack: str, arch: str) -> MirrorIndex:
        found: set[Version] = set()
        for line in text.splitlines():
            parsed = parse_archive_name(line.strip())
            if parsed is None or parsed[0] != "python" or parsed[2:] != (stack, arch):
                continue
            try:
                found.add(Version(parsed[1]))
            except InvalidVersion:
                continue
        return cls(frozenset(found))


@dataclass(frozen=True)
class Request:
    """What the app asked for: an exact release, a minor series, a specifier set, or nothing."""

    kind: str  # "exact" | "minor" | "specifier" | "default"
    value: str
    origin: str
    warnings: tuple[tuple[str, ...], ...] = field(default=())

    def describe(self) -> str:
        return self.origin


@dataclass(frozen=True)
class Resolution:
    version: Version
    request: Request
    warnings: tuple[tuple[str, ...], ...] = ()


def available(known: KnownVersions, mirror: MirrorIndex | None) -> list[Version]:
    if mirror is not None:
        return sorted(v for v in mirror.versions if minor_of(v) in known.supported)
    return sorted(known.all())


def _supported_text(known: KnownVersions) -> str:
    return ", ".join(known.supported)


def resolve(request: Request, known: KnownVersions, mirror: MirrorIndex | None, platform: str) -> Resolution:
    """Pick the one release to install for a request, or explain why there is none."""
    candidates = available(known, mirror)
    where = "the mirror" if mirror is not None else "this buildpack"
    if request.kind == "exact":
        version = Version(request.value)
        in_mirror = mirror is not None and version in mirror.versions
        if not (known.is_known(version) or in_mirror):
            raise _unknown(request, known)
        if mirror is not None and not in_mirror:
            raise _not_in_mirror(request, version, candidates, platform)
        chosen = version
    elif request.kind in ("minor", "default", "specifier"):
        if request.kind == "minor":
            if request.value not in known.supported:
                raise _unknown(request, known)
            pool = [v for v in candidates if minor_of(v) == request.value]
        elif request.kind == "specifier":
            spec = SpecifierSet(request.value)
            pool = [v for v in candidates if v in spec]
        else:
            default_minor = known.supported[-1]
            pool = (
                candidates if mirror is not None else [v for v in candidates if minor_of(v) == default_minor]
            )
        if not pool:
            if request.kind == "specifier":
                raise BuildError(
                    f"No Python release known to {where} satisfies requires-python '{request.value}'",
                    where=request.origin,
                    details=[f"Releases available for {platform}: {_listing(candidates)}"],
                    fix="Widen requires-python, or pin a version in a .python-version file.",
                    code="python-version::unsatisfiable",
                )
            raise _not_in_mirror(request, None, candidates, platform)
        chosen = max(pool)
    else:  # pragma: no cover - guarded by the parser
        raise ValueError(request.kind)

    warnings: list[tuple[str, ...]] = []
    newer = [v for v in candidates if minor_of(v) == minor_of(chosen) and v > chosen]
    if request.kind == "exact" and newer:
        minor, held = minor_of(chosen), "the mirror holds" if mirror is not None else "this buildpack knows"
        warnings.append(
            (
                f"Python {chosen} is not the newest {minor} release: {held} {max(newer)}",
                f"Where: {request.origin}",
                "Patch releases fix bugs and security issues; this build uses",
                f"{chosen}, exactly as asked.",
                "",
                f"Ask for '{minor}' to get the newest {minor}.x at each build (or for '{max(newer)}').",
            )
        )
    if minor_of(chosen) in known.end_of_life:
        warnings.append(
            (
                f"Python {minor_of(chosen)} has reached its upstream end of life.",
                "It no longer receives security fixes. Upgrade to a newer minor version",
                f"(supported: {_supported_text(known)}).",
            )
        )
    return Resolution(chosen, request, tuple(warnings))


def _listing(versions: list[Version]) -> str:
    return ", ".join(str(v) for v in versions) if versions else "none"


def _unknown(request: Request, known: KnownVersions) -> BuildError:
    return BuildError(
        f"Python {request.value} is not a version this buildpack knows",
        where=request.origin,
        details=[
            f"Supported minor versions: {_supported_text(known)}.",
            "Newest known releases: "
            + ", ".join(f"{m}.{known.newest_patch[m]}" for m in known.supported)
            + ".",
        ],
        fix=(
            "Ask for a supported version, e.g. '3.13' (the newest 3.13.x) or an exact\n"
            "release such as '3.13.5'."
        ),
        code="python-version::unknown",
    )


def _not_in_mirror(
    request: Request, version: Version | None, candidates: list[Version], platform: str
) -> BuildError:
    what = str(version) if version else request.value
    return BuildError(
        f"The mirror holds no Python {what} runtime for {platform}",
        where=request.origin,
        details=[f"Releases the mirror holds for {platform}: {_listing(candidates)}"],
        fix=(
            "Ask for a release the mirror holds, or add the runtime to the mirror\n"
            "(see 'Building a mirror' in the buildpack's README)."
        ),
        code="python-version::not-in-mirror",
    )
