"""System libraries the buildpack does not bootstrap (data/system-libraries.toml): which one a
failed build lacked, found by what the build printed, and how to get it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from pybuildpack.toml import TOMLDecodeError, load_toml

_LONGEST_SHOWN = 200  # characters of the output line shown as evidence


@dataclass(frozen=True)
class SystemLibrary:
    name: str
    packages: tuple[str, ...]  # canonical names
    signs: tuple[str, ...]  # lower-case
    wheels: tuple[str, ...]
    provides: tuple[str, ...]

    def fix(self) -> str:
        """How to get it, one way a line."""
        ways = ["Use instead:", *(f"  {wheel}" for wheel in self.wheels)] if self.wheels else []
        ways.append(f"{'Or get' if self.wheels else 'Get'} {self.name} from:")
        ways += [f"  {where}" for where in self.provides]
        if any(p.startswith("Debian/Ubuntu") for p in self.provides):
            ways.append("(On Heroku, a Debian/Ubuntu package comes from the apt buildpack and an Aptfile.)")
        return "\n".join(ways)


@dataclass(frozen=True)
class Lack:
    library: SystemLibrary
    line: str  # the output line that shows it


def load_system_libraries(path: Path) -> list[SystemLibrary]:
    """The table; empty when it is missing or unreadable (it only words errors)."""
    try:
        data = load_toml(path)
    except (OSError, TOMLDecodeError):
        return []
    return [
        SystemLibrary(
            name=str(item["name"]),
            packages=tuple(canonicalize_name(p) for p in item.get("packages", [])),
            signs=tuple(s.lower() for s in item["signs"]),
            wheels=tuple(item.get("wheels", [])),
            provides=tuple(item.get("provides", [])),
        )
        for item in data.get("library", [])
    ]


def lacking(tail: list[str], libraries: list[SystemLibrary], package: str = "") -> Lack | None:
    """The library the output shows missing, with the last line that shows it (build scripts end
    with their own explanation); the failed package's own library first, when the table knows it."""
    wanted = canonicalize_name(package) if package else ""
    ordered = sorted(libraries, key=lambda lib: wanted not in lib.packages)
    lowered = [line.lower() for line in tail]
    for library in ordered:
        found = [line for line, low in zip(tail, lowered) if any(sign in low for sign in library.signs)]
        if found:
            shown = found[-1].strip()
            if len(shown) > _LONGEST_SHOWN:
                shown = shown[:_LONGEST_SHOWN] + "..."
            return Lack(library, shown)
    return None
