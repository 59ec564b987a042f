"""The WSGI and ASGI application objects an app's source defines, found by reading it (ast), in
the conventional places: app.py, main.py, wsgi.py, asgi.py, application.py, server.py, at the root,
under src/, and in the package the app declares (its __init__.py too). An object is a module-level
name bound to a known framework's application (`app = Flask(__name__)`, `app: FastAPI = FastAPI()`,
`application = get_wsgi_application()`, the constructor imported from its framework), or a
module-level `def NAME(environ, start_response)` (a plain WSGI application); or else an application
factory, as Flask finds one: a module-level `def create_app()` or `def make_app()` that needs no
argument and makes a known framework's application (a module that binds an application object
offers no factory, as with Flask)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

WSGI = "WSGI"
ASGI = "ASGI"
FILES = ("app.py", "main.py", "wsgi.py", "asgi.py", "application.py", "server.py")
MAX_BYTES = 1 << 20  # a larger file is no app's entry point (and is not read)

# The constructors of applications, by the name their framework gives them: (what it is, interface).
CONSTRUCTORS = {
    "flask.Flask": ("Flask app", WSGI),
    "quart.Quart": ("Quart app", ASGI),
    "fastapi.FastAPI": ("FastAPI app", ASGI),
    "fastapi.applications.FastAPI": ("FastAPI app", ASGI),
    "starlette.applications.Starlette": ("Starlette app", ASGI),
    "litestar.Litestar": ("Litestar app", ASGI),
    "litestar.app.Litestar": ("Litestar app", ASGI),
    "falcon.App": ("Falcon app", WSGI),
    "falcon.API": ("Falcon app", WSGI),
    "falcon.app.App": ("Falcon app", WSGI),
    "falcon.asgi.App": ("Falcon ASGI app", ASGI),
    "django.core.wsgi.get_wsgi_application": ("Django WSGI application", WSGI),
    "django.core.asgi.get_asgi_application": ("Django ASGI application", ASGI),
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The names Flask looks for an application factory by (flask --app finds them the same way).
FACTORIES = ("create_app", "make_app")


@dataclass(frozen=True)
class AppObject:
    """An application object: what it is, where it is, and how a server imports it."""

    kind: str  # "FastAPI app"
    interface: str  # WSGI or ASGI
    path: str  # the file, relative to the app's root: "src/main.py"
    line: int
    module: str  # the module a server imports: "main", "mypkg.app"
    name: str  # the object's name in it: "app" (a factory's: "create_app")
    directory: str = ""  # where the module is imported from, relative to the app's root ("" the root)
    factory: bool = False  # name is a function that makes the application
    home: str = ""  # the app's directory in the slug (BUILDPACK_APP_SUBDIR; "" the slug's root)

    @property
    def target(self) -> str:
        return f"{self.module}:{self.name}"

    def where(self) -> str:
        return f"{self.kind} in {'/'.join(filter(None, (self.home, self.path)))}:{self.line}"


def _aliases(tree: ast.Module) -> dict[str, str]:
    """{name bound at import: the dotted name it stands for}."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    found[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def _qualified(node: ast.expr, aliases: dict[str, str]) -> str:
    """The dotted name an expression (NAME or NAME.attr...) stands for, from the imports; "" else."""
    attributes: list[str] = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return ""
    return ".".join([aliases[node.id], *reversed(attributes)])


def _is_wsgi_function(node: ast.stmt) -> bool:
    if not isinstance(node, ast.FunctionDef):
        return False
    arguments = node.args
    names = [a.arg for a in [*arguments.posonlyargs, *arguments.args]]
    return names == ["environ", "start_response"] and not arguments.kwonlyargs


def _needs_no_argument(node: ast.FunctionDef) -> bool:
    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    return len(arguments.defaults) == len(positional) and None not in arguments.kw_defaults


def _factory(node: ast.stmt, aliases: dict[str, str]) -> tuple[str, str] | None:
    """(kind, interface) of the application a module-level factory makes, or None."""
    if not (isinstance(node, ast.FunctionDef) and node.name in FACTORIES and _needs_no_argument(node)):
        return None
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            known = CONSTRUCTORS.get(_qualified(call.func, aliases))
            if known:
                return f"{known[0]} factory", known[1]
    return None


def objects_in(source: str) -> list[tuple[str, str, int, str, bool]]:
    """The application objects a module's source binds at module level, or else its application
    factories: (kind, interface, line, name, factory). Nothing for source that is not Python."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    aliases = _aliases(tree)
    found = []
    for node in tree.body:
        target = value = None
        if isinstance(node, ast.Assign):
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and isinstance(value, ast.Call):
            known = CONSTRUCTORS.get(_qualified(value.func, aliases))
            if known:
                found.append((known[0], known[1], node.lineno, target.id, False))
        elif _is_wsgi_function(node):
            found.append(("WSGI application", WSGI, node.lineno, node.name, False))  # type: ignore[attr-defined]
    if found:
        return found
    factories = ((node, _factory(node, aliases)) for node in tree.body)
    return [(made[0], made[1], node.lineno, node.name, True) for node, made in factories if made]  # type: ignore[attr-defined]


def places(root: Path, packages: list[str]) -> list[tuple[Path, str, str]]:
    """The files where an app's object is looked for: (file, its module, the directory it is
    imported from), at the root, under src/ and in each of PACKAGES (there or under src/)."""
    found = []
    for base in ("", "src"):
        for name in FILES:
            found.append((root / base / name, name[: -len(".py")], base))
    for package in packages:
        for base in ("", "src"):
            for name in (*FILES, "__init__.py"):
                module = package if name == "__init__.py" else f"{package}.{name[: -len('.py')]}"
                found.append((root / base / package / name, module, base))
    return found


def find(root: Path, packages: list[str], home: str = "") -> list[AppObject]:
    """Every application object in the conventional places of the app in ROOT (HOME: where ROOT
    is in the slug)."""
    found = []
    for path, module, base in places(root, [p for p in packages if _IDENTIFIER.fullmatch(p)]):
        try:
            if not path.is_file() or path.stat().st_size > MAX_BYTES:
                continue
            source = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        relative = path.relative_to(root).as_posix()
        for kind, interface, line, name, factory in objects_in(source):
            found.append(AppObject(kind, interface, relative, line, module, name, base, factory, home))
    return found
