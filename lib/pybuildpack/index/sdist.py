"""Looking inside a source distribution (or a local project), without running it: what its
setup.py needs to import, what its pyproject.toml declares as build requirements (with their
markers), and which modules it ships itself."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pybuildpack.setup_py import setup_keyword
from pybuildpack.toml import TOMLDecodeError, loads_toml

SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar")
# Imports that every setup.py may make: the standard library and the build tools pip provides.
_ALWAYS_THERE = {"setuptools", "distutils", "pkg_resources", "wheel", "__future__"}
# Where a project keeps its own modules, besides its top directory.
_SOURCE_DIRS = ("src", "lib")
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


@dataclass(frozen=True)
class SdistFacts:
    imports: frozenset[str]  # top-level modules setup.py needs (optional imports left out)
    build_requires: tuple[str, ...] | None  # [build-system] requires as written; None without one
    shipped: frozenset[str] = frozenset()  # top-level modules and packages the project ships
    setup_requires: tuple[str, ...] = ()  # setup(setup_requires=[...]): the old way to declare

    def declared(self, environment: Mapping[str, str]) -> frozenset[str] | None:
        """The canonical names [build-system] requires for this target (markers evaluated)."""
        return None if self.build_requires is None else applicable(self.build_requires, environment)


def is_sdist(filename: str) -> bool:
    return filename.endswith(SDIST_SUFFIXES) and not filename.endswith(".whl")


def _member_names(archive: Path) -> list[str]:
    import tarfile  # (the archives' modules only where an archive is read)
    import zipfile

    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            return zf.namelist()
    with tarfile.open(archive) as tf:
        return [m.name.removeprefix("./") for m in tf.getmembers() if m.isfile()]


def top_level_members(archive: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """The files called NAMES in the archive's top directory (an sdist has one), by name."""
    import tarfile
    import zipfile

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


def shipped_modules(paths: Iterable[str]) -> frozenset[str]:
    """Top-level modules and packages among a project's file paths (relative to its top
    directory): X.py, X/..., and the same under src/ or lib/."""
    found: set[str] = set()
    for path in paths:
        parts = path.split("/")
        if len(parts) > 1 and parts[0] in _SOURCE_DIRS:
            parts = parts[1:]
        if len(parts) == 1 and parts[0].endswith(".py") and parts[0] != "setup.py":
            found.add(parts[0][:-3])
        elif len(parts) > 1 and parts[-1].endswith((".py", ".pyx")) and parts[0].isidentifier():
            found.add(parts[0])
    return frozenset(found)


def _handles_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in _IMPORT_ERRORS for t in types)


def _gives_up(handler: ast.ExceptHandler) -> bool:
    """The handler stops the build (raise, sys.exit, exit): the import was not optional."""
    for node in ast.walk(handler):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("exit", "abort"):
                return True
    return False


def _optional_imports(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside a try whose except ImportError goes on without them."""
    optional: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            handlers = [h for h in node.handlers if _handles_import_error(h)]
            if handlers and not any(_gives_up(h) for h in handlers):
                for stmt in node.body:
                    optional.update(
                        id(n) for n in ast.walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom))
                    )
    return optional


def setup_py_imports(source: str) -> frozenset[str]:
    """The top-level modules setup.py imports, but for the standard library, the build tools
    pip provides, and imports it can do without (try/except ImportError that carries on)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return frozenset()
    optional = _optional_imports(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    stdlib = set(getattr(sys, "stdlib_module_names", ()))
    return frozenset(m for m in found if m not in stdlib and m not in _ALWAYS_THERE)


def build_requirements(text: str) -> tuple[str, ...] | None:
    """[build-system] requires as written, or None when pyproject.toml declares none."""
    try:
        data = loads_toml(text)
    except TOMLDecodeError:
        return None
    system = data.get("build-system")
    if not isinstance(system, dict) or "requires" not in system:
        return None
    return tuple(str(spec) for spec in system.get("requires", []))


def valid_requirements(specs: Iterable[str]) -> Iterator[Requirement]:
    """The specs that parse as requirements (pip reports the others in its own words)."""
    for spec in specs:
        try:
            yield Requirement(spec)
        except InvalidRequirement:
            continue


def applicable(specs: Iterable[str], environment: Mapping[str, str]) -> frozenset[str]:
    """Canonical names of the requirements whose markers hold in environment."""
    return frozenset(
        canonicalize_name(req.name)
        for req in valid_requirements(specs)
        if req.marker is None or req.marker.evaluate(dict(environment))
    )


def inspect(archive: Path) -> SdistFacts:
    """The facts of an sdist; a ValueError when the file is no archive that can be read."""
    import tarfile
    import zipfile

    try:
        members = top_level_members(archive, ("setup.py", "pyproject.toml"))
        paths = [name.split("/", 1)[1] for name in _member_names(archive) if "/" in name]
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"{archive.name} is not an archive that can be read: {exc}") from exc
    setup = members.get("setup.py", b"").decode("utf-8", errors="replace")
    pyproject = members.get("pyproject.toml")
    return SdistFacts(
        imports=setup_py_imports(setup),
        build_requires=build_requirements(pyproject.decode("utf-8", errors="replace")) if pyproject else None,
        shipped=shipped_modules(paths),
        setup_requires=tuple(setup_keyword(setup, "setup_requires") or ()),
    )


def inspect_directory(project: Path) -> SdistFacts | None:
    """The same facts for a local project directory (None without a setup.py)."""
    setup = project / "setup.py"
    if not setup.is_file():
        return None
    pyproject = project / "pyproject.toml"
    paths = [
        str(p.relative_to(project))
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.parts and ".heroku" not in p.parts
    ]
    source = setup.read_text(errors="replace")
    return SdistFacts(
        imports=setup_py_imports(source),
        setup_requires=tuple(setup_keyword(source, "setup_requires") or ()),
        build_requires=build_requirements(pyproject.read_text(errors="replace"))
        if pyproject.is_file()
        else None,
        shipped=shipped_modules(paths),
    )
