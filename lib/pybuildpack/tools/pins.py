"""The package managers' tools the buildpack may fetch, at the versions vendor/tools.toml pins; and
what every environment is seeded with (vendor/pins.txt: pip, setuptools, wheel)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pybuildpack.errors import BuildError
from pybuildpack.toml import load_toml


@dataclass(frozen=True)
class ToolWheel:
    tool: str  # "uv"
    version: str
    file: str  # the wheel's file name, as the index and the mirror's tools/ name it
    sha256: str

    @property
    def key(self) -> str:
        """The directory the tool is unpacked into: one per version and architecture."""
        return self.file.removesuffix(".whl")


def pinned(vendor: Path, tool: str, arch: str) -> ToolWheel:
    data = load_toml(vendor / "tools.toml")
    entry = data.get(tool) or {}
    wheel = (entry.get("wheels") or {}).get(arch)
    if not wheel:
        raise BuildError(
            f"The buildpack has no {tool} for this machine's architecture ({arch})",
            where="vendor/tools.toml",
            fix=f"Use a stack of an architecture vendor/tools.toml lists for {tool}.",
            code="tools::unsupported-arch",
        )
    return ToolWheel(tool, str(entry["version"]), str(wheel["file"]), str(wheel["sha256"]).lower())


def versions(vendor: Path) -> dict[str, str]:
    """{tool: pinned version}, for the fingerprint and the report."""
    return {name: str(entry["version"]) for name, entry in load_toml(vendor / "tools.toml").items()}


def seed_pins(vendor: Path) -> list[str]:
    """What every environment is seeded with (vendor/pins.txt)."""
    lines = [line.strip() for line in (vendor / "pins.txt").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]
