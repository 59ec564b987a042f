"""The dependencies an app that is a package declares in setup.py, setup.cfg or pyproject.toml,
read statically (nothing of the app is run)."""

from __future__ import annotations

import configparser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.requirements.graph import Entry, Origin
from pybuildpack.setup_py import setup_extras, setup_keyword
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


def from_setup_cfg(path: Path, extras: tuple[str, ...] = ()) -> list[Entry]:
    text = path.read_text(errors="replace")
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    raws = [parser.get("options", "install_requires", fallback="")]
    raws += [parser.get("options.extras_require", extra, fallback="") for extra in extras]
    specs = [
        line.strip()
        for raw in raws
        for line in raw.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    return _entries(path, specs, text, "setup.cfg")


def from_pyproject(path: Path, extras: tuple[str, ...] = ()) -> list[Entry]:
    try:
        data = load_toml(path)
    except (OSError, TOMLDecodeError):
        return []
    project = data.get("project") or {}
    specs = list(project.get("dependencies") or [])
    for extra in extras:
        specs += (project.get("optional-dependencies") or {}).get(extra) or []
    return _entries(path, [str(s) for s in specs], path.read_text(errors="replace"), "pyproject.toml")


def package_dependencies(app: Path, extras: tuple[str, ...] = ()) -> list[Entry]:
    """The app's own declared dependencies (with those of its extras, as it names them), from the
    first file that declares any."""
    readers = (("pyproject.toml", from_pyproject), ("setup.cfg", from_setup_cfg))
    for name, reader in readers:
        path = app / name
        if path.is_file():
            entries = reader(path, extras)
            if entries:
                return entries
    return from_setup_py(app / "setup.py") if (app / "setup.py").is_file() else []


def declared_extras(app: Path) -> tuple[str, dict[str, str] | None]:
    """The file that declares the app's extras, and {canonical name: name} of them (None when they
    are computed by its build: pyproject.toml's dynamic optional-dependencies, a setup.py whose
    extras_require is not a literal): pyproject.toml's [project], else setup.cfg, else setup.py."""
    from pybuildpack.requirements.selection import names

    pyproject, setup_cfg, setup_py = app / "pyproject.toml", app / "setup.cfg", app / "setup.py"
    try:
        project = load_toml(pyproject).get("project") if pyproject.is_file() else None
    except (OSError, TOMLDecodeError):
        project = None
    if isinstance(project, dict):
        if "optional-dependencies" in (project.get("dynamic") or []):
            return pyproject.name, None
        return pyproject.name, names(project.get("optional-dependencies") or {})
    if setup_cfg.is_file():
        parser = configparser.ConfigParser()
        try:
            parser.read_string(setup_cfg.read_text(errors="replace"))
        except configparser.Error:
            parser = configparser.ConfigParser()
        if parser.has_section("options.extras_require"):
            return setup_cfg.name, names(list(parser["options.extras_require"]))
    if setup_py.is_file():
        found = setup_extras(setup_py.read_text(errors="replace"))
        return setup_py.name, names(found) if found is not None else None
    return (pyproject.name if pyproject.is_file() else setup_cfg.name), {}
