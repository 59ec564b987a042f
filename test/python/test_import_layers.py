"""No import runs upward. The core is a house of floors, listed below from the top: a module may
import modules of its own floor and of the floors below it, never of a floor above it, whether
the import is at the top of the module, inside a function (lazy) or under TYPE_CHECKING. A
module's floor is that of the longest name in FLOORS it falls under; a module no name covers
fails the test (a new folder takes a floor on purpose)."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "lib" / "pybuildpack"
FLOORS = (  # the top floor first; "" is the package itself (its __version__)
    ("__main__",),
    ("commands", "report", "profile", "launch", "sbom", "size"),
    ("environment",),
    ("plan",),
    ("tools", "python_version", "natives"),
    ("archives", "index"),
    ("cache", "requirements", "state", "process", "webapp", "reproducible"),
    ("context", "committed", "http", "toml"),
    # the leaves, which import nothing of the core (cache.entries: the cache's table, Layout's too)
    ("", "errors", "files", "nesting", "redact", "output", "faults", "setup_py", "cache.entries"),
)


def floor_of(module: str) -> int:
    """The floor of pybuildpack.<module> (0 the top), by the longest name that covers it."""
    name = module.removeprefix("pybuildpack").removeprefix(".")
    covers = [(len(n), f) for f, names in enumerate(FLOORS) for n in names if f"{name}.".startswith(f"{n}.")]
    assert covers, f"pybuildpack.{name} is on no floor: add it to FLOORS"
    return max(covers)[1]


def imports(source: str, module: str) -> set[str]:
    """The core's modules (and packages) a module's source imports, however it imports them."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "pybuildpack"}
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"a relative import in {module}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "pybuildpack":
            for alias in node.names:  # `from pybuildpack.cache import tree` imports cache.tree
                name = f"{node.module}.{alias.name}"
                as_file = CORE.joinpath(*name.split(".")[1:]).with_suffix(".py")
                found.add(name if as_file.is_file() else str(node.module))
    return found


def upward(module: str, source: str) -> list[str]:
    return [f"{module} -> {name}" for name in imports(source, module) if floor_of(name) < floor_of(module)]


def test_no_import_runs_upward() -> None:
    wrong = []
    for path in sorted(CORE.rglob("*.py")):
        module = ".".join(["pybuildpack", *path.relative_to(CORE).with_suffix("").parts]).removesuffix(
            ".__init__"
        )
        wrong += upward(module, path.read_text())
    assert wrong == []


def test_an_upward_import_of_any_kind_fails() -> None:
    lazy = "def f():\n    from pybuildpack.archives.mirror import Mirror\n"
    typed = "if TYPE_CHECKING:\n    from pybuildpack.natives.registry import Library\n"
    assert upward("pybuildpack.cache.recorded", lazy) == [
        "pybuildpack.cache.recorded -> pybuildpack.archives.mirror"
    ]
    assert upward("pybuildpack.context", typed) == ["pybuildpack.context -> pybuildpack.natives.registry"]
    assert upward("pybuildpack.requirements.uvlock", "from pybuildpack.tools import uv\n") != []
    assert upward("pybuildpack.commands.decide", "from pybuildpack.cache import entries\n") == []
