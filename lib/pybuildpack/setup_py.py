"""Reading a setup.py without running it: the literal lists it passes to setup()."""

from __future__ import annotations

import ast


def _literal_strings(node: ast.AST, assignments: dict[str, ast.AST]) -> list[str] | None:
    if isinstance(node, ast.Name) and node.id in assignments:
        node = assignments[node.id]
    if isinstance(node, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return [e.value for e in node.elts]  # type: ignore[attr-defined]
    return None


def _setup_argument(source: str, keyword: str) -> tuple[ast.AST, dict[str, ast.AST]] | None:
    """The value setup.py passes to setup() as KEYWORD, with the names bound at its top."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    assignments: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assignments[node.targets[0].id] = node.value
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name != "setup":
                continue
            for item in node.keywords:
                if item.arg == keyword:
                    return item.value, assignments
    return None


def setup_keyword(source: str, keyword: str) -> list[str] | None:
    """The list of strings setup.py passes to setup() as KEYWORD (install_requires,
    setup_requires), written as a literal or a name bound to one at the top; None otherwise."""
    found = _setup_argument(source, keyword)
    return _literal_strings(*found) if found is not None else None


def setup_extras(source: str) -> list[str] | None:
    """The extras setup.py declares: the keys of its extras_require, a literal dict (or a name
    bound to one at the top); [] without extras_require, None when they can't be read."""
    found = _setup_argument(source, "extras_require")
    if found is None:
        return []
    node, assignments = found
    if isinstance(node, ast.Name) and node.id in assignments:
        node = assignments[node.id]
    if isinstance(node, ast.Dict) and all(
        isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys
    ):
        return [k.value for k in node.keys]  # type: ignore[union-attr]
    return None


def holds_no_code(source: str) -> bool:
    """True for a setup.py with nothing in it to run (blank, comments, a docstring at most):
    setuptools runs it, nothing calls setup(), and the build fails with a traceback of its own."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False  # setuptools shows the error, with the line
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in tree.body)
