"""Looking inside a source distribution, without running it: what its setup.py imports, and what
its pyproject.toml declares as build requirements."""

from __future__ import annotations

import ast
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.toml import TOMLDecodeError, loads_toml

SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar")
# Imports that every setup.py may make: the standard library and the build tools pip provides.
_ALWAYS_THERE = {"setuptools", "distutils", "pkg_resources", "wheel", "__future__"}


@dataclass(frozen=True)
class SdistFacts:
    imports: frozenset[str]  # top-level module names imported anywhere in setup.py
    build_requires: frozenset[str] | None  # canonical names, None when there is no [build-system]


def is_sdist(filename: str) -> bool:
    return filename.endswith(SDIST_SUFFIXES) and not filename.endswith(".whl")


def top_level_members(archive: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """The files called NAMES in the archive's top directory (an sdist has one), by name."""
    wanted = {}
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                parts = name.split("/")
                if len(parts) == 2 and parts[1] in names:
                    wanted[parts[1]] = zf.read(name)
    else:
        with tarfile.open(archive) as tf:
            for member in tf.getmembers():
                parts = member.name.removeprefix("./").split("/")
                if len(parts) == 2 and parts[1] in names and member.isfile():
                    handle = tf.extractfile(member)
                    if handle is not None:
                        wanted[parts[1]] = handle.read()
    return wanted


def setup_py_imports(source: str) -> frozenset[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return frozenset()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    stdlib = set(getattr(sys, "stdlib_module_names", ()))
    return frozenset(m for m in found if m not in stdlib and m not in _ALWAYS_THERE)


def build_requires(text: str) -> frozenset[str] | None:
    try:
        data = loads_toml(text)
    except TOMLDecodeError:
        return None
    system = data.get("build-system")
    if not isinstance(system, dict) or "requires" not in system:
        return None
    names = set()
    for spec in system.get("requires", []):
        try:
            names.add(canonicalize_name(Requirement(spec).name))
        except InvalidRequirement:
            continue
    return frozenset(names)


def inspect(archive: Path) -> SdistFacts:
    members = top_level_members(archive, ("setup.py", "pyproject.toml"))
    setup = members.get("setup.py", b"").decode("utf-8", errors="replace")
    pyproject = members.get("pyproject.toml")
    return SdistFacts(
        imports=setup_py_imports(setup),
        build_requires=build_requires(pyproject.decode("utf-8", errors="replace")) if pyproject else None,
    )
