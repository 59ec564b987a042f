"""Each command (lib/pybuildpack/commands/*.py) reads top to bottom: every function in it is
under 60 lines, and the module imports at most 10 of the core's modules (top-level, lazy and
TYPE_CHECKING imports alike), so that a command is one call per step into the concept that
does it, and the glue lives with its concept."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

COMMANDS = Path(__file__).resolve().parents[2] / "lib" / "pybuildpack" / "commands"
MAX_LINES = 59  # "under 60"
MAX_IMPORTS = 10


def core_imports(tree: ast.Module) -> set[str]:
    """The core's modules a module imports (`from pybuildpack import output` is pybuildpack.output)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("pybuildpack")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pybuildpack"):
            package = COMMANDS.parents[0].joinpath(*node.module.split(".")[1:])
            if package.is_dir():  # `from pybuildpack.environment import bytecode, sync`: two modules
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(COMMANDS.glob("*.py")), ids=lambda p: p.name)
def test_a_command_reads_top_to_bottom(path: Path) -> None:
    tree = ast.parse(path.read_text())
    imports = core_imports(tree)
    assert len(imports) <= MAX_IMPORTS, sorted(imports)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= MAX_LINES, f"{node.name} is {length} lines"


def test_the_counts_see_every_kind_of_import() -> None:
    tree = ast.parse(
        "from pybuildpack import output\nfrom pybuildpack.environment import bytecode, sync\n"
        "import pybuildpack.state\nif TYPE_CHECKING:\n    from pybuildpack.context import Layout\n"
        "def f():\n    from pybuildpack.plan.planner import plan_for\n"
    )
    assert core_imports(tree) == {
        "pybuildpack.output",
        "pybuildpack.environment.bytecode",
        "pybuildpack.environment.sync",
        "pybuildpack.state",
        "pybuildpack.context",
        "pybuildpack.plan.planner",
    }
