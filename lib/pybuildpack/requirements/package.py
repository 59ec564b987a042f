"""The dependencies an app that is a package declares in setup.py, setup.cfg or pyproject.toml,
read statically (nothing of the app is run)."""

from __future__ import annotations

import configparser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.requirements.graph import Entry, Origin
from pybuildpack.setup_py import setup_keyword
from pybuildpack.toml import TOMLDecodeError, load_toml


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1


def _entries(path: Path, specs: list[str], text: str, source: str) -> list[Entry]:
    out = []
    for spec in specs:
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            continue  # pip reports it with its own words when it builds the package
        out.append(
            Entry(
                Origin(path, _line_of(text, spec)),
                spec,
                "named" if not req.url else "url",
                canonicalize_name(req.name),
                requirement=req,
                url=req.url,
                from_package=source,
            )
        )
    return out


def from_setup_py(path: Path) -> list[Entry]:
    text = path.read_text(errors="replace")
    specs = setup_keyword(text, "install_requires")
    return _entries(path, specs, text, "setup.py") if specs is not None else []


def from_setup_cfg(path: Path) -> list[Entry]:
    text = path.read_text(errors="replace")
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    raw = parser.get("options", "install_requires", fallback="")
    specs = [line.strip() for line in raw.splitlines() if line.strip() and not line.strip().startswith("#")]
    return _entries(path, specs, text, "setup.cfg")


def from_pyproject(path: Path) -> list[Entry]:
    try:
        data = load_toml(path)
    except (OSError, TOMLDecodeError):
        return []
    specs = (data.get("project") or {}).get("dependencies") or []
    return _entries(path, [str(s) for s in specs], path.read_text(errors="replace"), "pyproject.toml")


def package_dependencies(app: Path) -> list[Entry]:
    """The app's own declared dependencies, from the first file that declares any."""
    readers = (("pyproject.toml", from_pyproject), ("setup.cfg", from_setup_cfg), ("setup.py", from_setup_py))
    for name, reader in readers:
        path = app / name
        if path.is_file():
            entries = reader(path)
            if entries:
                return entries
    return []
