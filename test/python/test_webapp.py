"""The web process an app without a Procfile gets (pybuildpack.webapp): each case an app's real
files, written here, and a virtual environment's real site-packages layout (the .dist-info
directories the inference reads); the module run as bin/release runs it (standard library only)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pybuildpack.context import Layout
from pybuildpack.webapp import django, servers, source
from pybuildpack.webapp.infer import NO_PROCFILE, Inference, infer

ROOT = Path(__file__).resolve().parents[2]


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def env_with(tmp_path: Path, *names: str, scripts: tuple[str, ...] = ()) -> Path:
    """A virtual environment's directory with NAMES installed (their .dist-info) and SCRIPTS in bin/."""
    env = tmp_path / "venv"
    shutil.rmtree(env, ignore_errors=True)
    site = env / "lib" / "python3.13" / "site-packages"
    site.mkdir(parents=True)
    for name in names:  # a wheel's name: - written _
        (site / f"{name.replace('-', '_')}-1.0.dist-info").mkdir()
    (env / "bin").mkdir(exist_ok=True)
    for script in scripts:
        (env / "bin" / script).write_text("#!/bin/sh\n")
        (env / "bin" / script).chmod(0o755)
    return env


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    return tmp_path / "app"


FASTAPI = "from fastapi import FastAPI\n\napp = FastAPI()\n"
FLASK = "from flask import Flask\n\napp = Flask(__name__)\n"


# The frameworks: how each app is written, what it is called, and its interface.
@pytest.mark.parametrize(
    ("text", "kind", "interface"),
    [
        (FLASK, "Flask app", "WSGI"),
        ("import flask\n\napp = flask.Flask(__name__)\n", "Flask app", "WSGI"),
        ("from flask import Flask as F\n\napp = F(__name__)\n", "Flask app", "WSGI"),
        (FASTAPI, "FastAPI app", "ASGI"),
        ("import fastapi as fa\n\napp: fa.FastAPI = fa.FastAPI(title='x')\n", "FastAPI app", "ASGI"),
        (
            "from starlette.applications import Starlette\n\napp = Starlette(routes=[])\n",
            "Starlette app",
            "ASGI",
        ),
        ("from quart import Quart\n\napp = Quart(__name__)\n", "Quart app", "ASGI"),
        ("from litestar import Litestar\n\napp = Litestar([])\n", "Litestar app", "ASGI"),
        ("import falcon\n\napp = falcon.App()\n", "Falcon app", "WSGI"),
        ("import falcon.asgi\n\napp = falcon.asgi.App()\n", "Falcon ASGI app", "ASGI"),
        (
            "from django.core.wsgi import get_wsgi_application\n\napplication = get_wsgi_application()\n",
            "Django WSGI application",
            "WSGI",
        ),
        ("def app(environ, start_response):\n    return [b'']\n", "WSGI application", "WSGI"),
    ],
)
def test_each_framework_is_found_by_reading_the_source(text: str, kind: str, interface: str) -> None:
    ((found_kind, found_interface, line, _, factory),) = source.objects_in("# the app\n" + text)
    assert (found_kind, found_interface, factory) == (kind, interface, False)
    lines = ["# the app", *text.splitlines()]
    assert line == 1 + next(n for n, t in enumerate(lines) if t.startswith(("app", "application", "def")))


@pytest.mark.parametrize(
    "text",
    [
        "app = Flask(__name__)\n",  # not imported: an unknown name
        "from myflask import Flask\n\napp = Flask(__name__)\n",  # another module's Flask
        # not at module level
        "from flask import Flask\n\ndef make():\n    app = Flask(__name__)\n    return app\n",
        "from flask import Flask\n\napp = Flask\n",  # not called
        "from flask import Flask\n\napp.config = Flask(__name__)\n",  # not a name
        "def app(environ):\n    return []\n",  # not WSGI's arguments
        "from flask import Flask\napp = Flask(\n",  # not Python
    ],
)
def test_what_is_not_an_application_object(text: str) -> None:
    assert source.objects_in(text) == []


def test_a_fastapi_app_with_uvicorn_is_served_on_port(app: Path, tmp_path: Path) -> None:
    write(app, {"main.py": "\n\n\n" + FASTAPI})
    found = infer(app, env_with(tmp_path, "fastapi", "uvicorn"))
    assert found == Inference("uvicorn main:app --host 0.0.0.0 --port $PORT", "FastAPI app in main.py:6")


@pytest.mark.parametrize(
    ("installed", "command"),
    [
        (("uvicorn",), "uvicorn main:app --host 0.0.0.0 --port $PORT"),
        (("gunicorn", "uvicorn"), "gunicorn -k uvicorn.workers.UvicornWorker main:app"),
        (("gunicorn", "uvicorn", "uvicorn-worker"), "gunicorn -k uvicorn_worker.UvicornWorker main:app"),
        (("hypercorn",), "hypercorn main:app --bind 0.0.0.0:$PORT"),
        (("daphne",), "daphne --bind 0.0.0.0 --port $PORT main:app"),
        (("hypercorn", "uvicorn"), "uvicorn main:app --host 0.0.0.0 --port $PORT"),
    ],
)
def test_the_asgi_server_is_the_one_installed(
    app: Path, tmp_path: Path, installed: tuple, command: str
) -> None:
    write(app, {"main.py": FASTAPI})
    assert infer(app, env_with(tmp_path, "fastapi", *installed)).command == command


@pytest.mark.parametrize(
    ("installed", "command"),
    [
        (("gunicorn",), "gunicorn app:app"),
        (("waitress",), "waitress-serve --port=$PORT app:app"),
        (("gunicorn", "waitress"), "gunicorn app:app"),
    ],
)
def test_the_wsgi_server_is_the_one_installed(
    app: Path, tmp_path: Path, installed: tuple, command: str
) -> None:
    write(app, {"app.py": FLASK})
    assert infer(app, env_with(tmp_path, "flask", *installed)).command == command


def test_bin_plan_names_what_the_build_would_install(app: Path, tmp_path: Path) -> None:
    write(app, {"main.py": FASTAPI})
    found = infer(app, env_with(tmp_path, "gunicorn"), frozenset({"fastapi", "uvicorn"}))
    assert found.lines() == ["web: uvicorn main:app --host 0.0.0.0 --port $PORT (FastAPI app in main.py:3)"]
    assert (
        infer(app, tmp_path, frozenset({"fastapi"})).lines()[0].startswith("No web process: the FastAPI app")
    )


def test_the_installed_names_are_canonical(tmp_path: Path) -> None:
    env = env_with(tmp_path, "Uvicorn_Worker", "gunicorn", "zope.interface")
    assert servers.installed(env) == {"uvicorn-worker", "gunicorn", "zope-interface"}
    assert servers.installed(tmp_path / "no-environment") == frozenset()


@pytest.mark.parametrize(
    ("interface_app", "server"),
    [(FLASK, "gunicorn"), (FASTAPI, "uvicorn")],
)
def test_an_app_without_a_server_gets_no_process_and_a_warning_naming_the_package(
    app: Path, tmp_path: Path, interface_app: str, server: str
) -> None:
    write(app, {"app.py": interface_app})
    found = infer(app, env_with(tmp_path, "flask", "fastapi", "waitress-ish"))
    assert found.command == ""
    assert found.warning[0].startswith("No web process: the ")
    assert found.warning[0].endswith(
        "app in app.py:3 has no " + ("WSGI" if server == "gunicorn" else "ASGI") + " server installed"
    )
    assert f"Add {server} to requirements.txt" in found.warning[1]
    assert found.warning[2].startswith(f"  web: {server} app:app")


def test_gunicorn_alone_does_not_serve_an_asgi_app(app: Path, tmp_path: Path) -> None:
    write(app, {"main.py": FASTAPI})
    found = infer(app, env_with(tmp_path, "fastapi", "gunicorn"))
    assert found.command == ""
    assert "Add uvicorn" in found.warning[1]


@pytest.mark.parametrize("name", source.FILES)
def test_every_conventional_file_at_the_root(app: Path, tmp_path: Path, name: str) -> None:
    write(app, {name: FLASK})
    module = name.removesuffix(".py")
    assert infer(app, env_with(tmp_path, "gunicorn")) == Inference(
        f"gunicorn {module}:app", f"Flask app in {name}:3"
    )


def test_an_unconventional_file_is_not_read(app: Path, tmp_path: Path) -> None:
    write(app, {"web.py": FLASK, "api/main.py": FASTAPI})
    assert infer(app, env_with(tmp_path, "gunicorn", "uvicorn")) == Inference(warning=NO_PROCFILE)


def test_under_src_the_server_imports_from_there(app: Path, tmp_path: Path) -> None:
    write(app, {"src/main.py": FASTAPI})
    env = env_with(tmp_path, "uvicorn")
    assert infer(app, env) == Inference(
        "uvicorn main:app --host 0.0.0.0 --port $PORT --app-dir src", "FastAPI app in src/main.py:3"
    )
    env = env_with(tmp_path, "gunicorn", "uvicorn")
    assert infer(app, env).command == "gunicorn -k uvicorn.workers.UvicornWorker --chdir src main:app"
    (app / "src" / "main.py").rename(app / "src" / "wsgi.py")
    write(app, {"src/wsgi.py": FLASK})
    assert (
        infer(app, env_with(tmp_path, "waitress")).command == "cd src && waitress-serve --port=$PORT wsgi:app"
    )


@pytest.mark.parametrize(
    ("files", "command", "where"),
    [
        ({"my_app/app.py": FLASK}, "gunicorn my_app.app:app", "my_app/app.py:3"),
        ({"my_app/__init__.py": FLASK}, "gunicorn my_app:app", "my_app/__init__.py:3"),
        ({"src/my_app/server.py": FLASK}, "gunicorn --chdir src my_app.server:app", "src/my_app/server.py:3"),
    ],
)
def test_the_package_the_app_declares(
    app: Path, tmp_path: Path, files: dict, command: str, where: str
) -> None:
    write(app, {"pyproject.toml": '[project]\nname = "My-App"\nversion = "1"\n', **files})
    assert infer(app, env_with(tmp_path, "gunicorn")) == Inference(command, f"Flask app in {where}")
    write(app, {"pyproject.toml": '[tool.poetry]\nname = "my.app"\n'})
    assert infer(app, env_with(tmp_path, "gunicorn")).command == command
    (app / "pyproject.toml").unlink()  # an undeclared package is not searched
    assert infer(app, env_with(tmp_path, "gunicorn")).command == ""


def test_two_candidates_infer_nothing_and_the_warning_names_both(app: Path, tmp_path: Path) -> None:
    write(app, {"app.py": FLASK, "src/main.py": FASTAPI})
    found = infer(app, env_with(tmp_path, "gunicorn", "uvicorn"))
    assert found.command == ""
    assert found.warning[0] == "No web process: the app has more than one application object, and no Procfile"
    assert found.warning[1:3] == (
        "  Flask app in app.py:3: app:app",
        "  FastAPI app in src/main.py:3: main:app",
    )
    # two objects in one file too
    write(app, {"app.py": FLASK + "api = Flask('api')\n"})
    (app / "src" / "main.py").unlink()
    assert infer(app, env_with(tmp_path, "gunicorn")).warning[1:3] == (
        "  Flask app in app.py:3: app:app",
        "  Flask app in app.py:4: app:api",
    )


def test_a_procfile_always_wins(app: Path, tmp_path: Path) -> None:
    write(app, {"Procfile": "web: python serve.py\n", "app.py": FLASK, "manage.py": ""})
    assert infer(app, env_with(tmp_path, "gunicorn")) == Inference()


def test_nothing_to_infer_says_how_to_write_a_procfile(app: Path, tmp_path: Path) -> None:
    write(
        app,
        {"requirements.txt": "flask\n", "app.py": "print('hello')\n", "main.py": b"\xff".decode("latin-1")},
    )
    assert infer(app, env_with(tmp_path, "gunicorn")) == Inference(warning=NO_PROCFILE)


def test_a_lone_project_script_when_nothing_else_is_found(app: Path, tmp_path: Path) -> None:
    write(app, {"pyproject.toml": '[project]\nname = "svc"\n[project.scripts]\nsvc-serve = "svc.cli:main"\n'})
    assert infer(app, env_with(tmp_path, scripts=("svc-serve",))) == Inference(
        "svc-serve", "the only [project.scripts] entry in pyproject.toml"
    )
    not_installed = infer(app, tmp_path / "no-environment")
    assert not_installed.command == ""
    assert "svc-serve" in not_installed.warning[0]
    # an app object wins over the script
    write(app, {"app.py": FLASK})
    assert infer(app, env_with(tmp_path, "gunicorn", scripts=("svc-serve",))).command == "gunicorn app:app"
    # two scripts: nothing to choose
    (app / "app.py").unlink()
    write(app, {"pyproject.toml": '[project]\nname = "svc"\n[project.scripts]\na = "svc:a"\nb = "svc:b"\n'})
    assert infer(app, env_with(tmp_path, scripts=("a", "b"))) == Inference(warning=NO_PROCFILE)


def test_a_pyproject_that_is_not_toml_is_left_out(app: Path, tmp_path: Path) -> None:
    write(app, {"pyproject.toml": "[project\n", "app.py": FLASK})
    assert infer(app, env_with(tmp_path, "gunicorn")).command == "gunicorn app:app"


# Django: as bin/release always inferred it (test/integration/release.bats too).
DJANGO = {
    "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
    "mysite/__init__.py": "",
    "mysite/settings.py": "",
    "mysite/wsgi.py": "from django.core.wsgi import get_wsgi_application\n"
    "application = get_wsgi_application()\n",
}


def test_django_as_before_even_without_gunicorn(app: Path, tmp_path: Path) -> None:
    write(app, DJANGO)
    assert infer(app, tmp_path / "none") == Inference(
        "gunicorn mysite.wsgi", "Django project mysite, manage.py"
    )


def test_django_wins_over_an_app_object(app: Path, tmp_path: Path) -> None:
    write(app, {**DJANGO, "app.py": FLASK})
    assert infer(app, env_with(tmp_path, "gunicorn")).command == "gunicorn mysite.wsgi"


def test_django_in_a_subdirectory_and_the_settings_that_choose(app: Path, tmp_path: Path) -> None:
    write(app / "src", {**DJANGO, "legacy/wsgi.py": ""})
    assert infer(app, tmp_path).command == "gunicorn --chdir src mysite.wsgi"
    write(app / "src", {"manage.py": "import os\n"})  # no settings module: two candidates, nothing
    assert infer(app, tmp_path) == Inference(warning=NO_PROCFILE)
    (app / "src" / "legacy" / "wsgi.py").unlink()  # one left: that one
    assert infer(app, tmp_path).command == "gunicorn --chdir src mysite.wsgi"


def test_django_the_shallowest_manage_py_up_to_three_levels(app: Path, tmp_path: Path) -> None:
    write(app / "a" / "b", DJANGO)
    assert infer(app, tmp_path).command == "gunicorn --chdir a/b mysite.wsgi"
    write(app / "z", DJANGO)
    assert infer(app, tmp_path).command == "gunicorn --chdir z mysite.wsgi"
    (app / "z" / "manage.py").unlink()
    (app / "a" / "b").rename(app / "a" / "c")
    write(app / "a" / "c" / "d", DJANGO)
    (app / "a" / "c" / "manage.py").unlink()
    assert infer(app, tmp_path) == Inference(warning=NO_PROCFILE)  # four levels down: not searched
    write(app / ".heroku", DJANGO)  # the buildpack's own directory: not searched
    assert infer(app, tmp_path) == Inference(warning=NO_PROCFILE)


def test_django_names_that_are_not_plain_infer_nothing(app: Path, tmp_path: Path) -> None:
    write(app / "my dir", DJANGO)
    assert infer(app, tmp_path) == Inference(warning=NO_PROCFILE)


def run_as_release(app: Path, env: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The module run as bin/release runs it: lib/core.sh's core::run_lib."""
    script = 'source "$1/lib/core.sh" && BUILDPACK_DIR="$1" BOOTSTRAP_PYTHON="$2" core::run_lib "${@:3}"'
    return subprocess.run(
        ["bash", "-c", script, "_", ROOT, sys.executable, "pybuildpack.webapp", app, env, *args],
        capture_output=True,
        text=True,
        check=True,
    )


def _imported(module: str) -> list[str]:
    """The modules a module of the core imports (and the packages it is in), by reading it."""
    path = ROOT / "lib" / Path(*module.split("."))
    source = (
        path.with_suffix(".py") if path.with_suffix(".py").is_file() else path / "__init__.py"
    ).read_text()
    found = [module.rsplit(".", 1)[0]] if "." in module else []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            for alias in node.names:
                if (ROOT / "lib" / Path(*node.module.split("."), alias.name)).with_suffix(".py").is_file():
                    found.append(f"{node.module}.{alias.name}")
    return found


def test_the_inference_needs_the_standard_library_only() -> None:
    """bin/release runs it from lib/ with no cached core: nothing outside the standard library but
    tomli (imported from its wheel, on a Python before 3.11)."""
    seen: set[str] = set()
    outside: set[str] = set()
    todo = ["pybuildpack.webapp.__main__"]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for name in _imported(module):
            if name.split(".")[0] == "pybuildpack":
                todo.append(name)
            else:
                outside.add(name.split(".")[0])
    assert "pybuildpack.webapp.django" in seen
    assert outside - set(sys.stdlib_module_names) == {"tomli"}


def test_the_command_line_prints_the_command(app: Path, tmp_path: Path) -> None:
    write(app, {"pyproject.toml": '[project]\nname = "my-app"\n', "src/my_app/asgi.py": FASTAPI})
    done = run_as_release(app, env_with(tmp_path, "uvicorn"))
    assert done.stdout == "uvicorn my_app.asgi:app --host 0.0.0.0 --port $PORT --app-dir src\n"
    assert done.stderr == ""


def test_manage_py_the_shallowest_file_up_to_three_levels_down(app: Path) -> None:
    assert django.manage_py(app) is None
    write(app, {"a/b/c/manage.py": ""})
    assert django.manage_py(app) is None  # four levels down
    write(app, {"src/site/manage.py": ""})
    assert django.manage_py(app) == app / "src" / "site" / "manage.py"
    write(app, {"zz/manage.py": ""})
    assert django.manage_py(app) == app / "zz" / "manage.py"
    write(app, {"manage.py": ""})
    assert django.manage_py(app) == app / "manage.py"


def test_manage_py_not_in_the_buildpacks_directory_nor_a_directory_of_that_name(app: Path) -> None:
    write(app, {".heroku/manage.py": "", ".heroku/venv/manage.py": ""})
    (app / "manage.py").mkdir()
    assert django.manage_py(app) is None
    write(app, {"app/deep/manage.py": ""})
    assert django.manage_py(app) == app / "app" / "deep" / "manage.py"


def test_collectstatic_runs_the_manage_py_of_an_environment_with_django(tmp_path: Path) -> None:
    app = tmp_path / "app"
    layout = Layout(app=app, build=app, buildpack=ROOT, work=tmp_path / "work", cache=None)
    layout.work.mkdir()
    write(app, {"site/manage.py": ""})
    told = layout.work / django.COLLECTSTATIC_FILE
    django.hand_collectstatic(layout)
    assert told.read_text() == ""  # Django is not installed
    (layout.env / "lib" / "python3.13" / "site-packages" / "Django-5.2.1.dist-info").mkdir(parents=True)
    django.hand_collectstatic(layout)
    assert told.read_text() == str(app / "site" / "manage.py")
    (app / "site" / "manage.py").unlink()
    django.hand_collectstatic(layout)
    assert told.read_text() == ""  # no manage.py


FLASK_FACTORY = (
    "from flask import Flask\n\n\n"
    "def create_app(test_config=None):\n    app = Flask(__name__)\n    return app\n"
)
FASTAPI_FACTORY = "import fastapi\n\n\ndef make_app() -> fastapi.FastAPI:\n    return fastapi.FastAPI()\n"


@pytest.mark.parametrize(
    ("names", "factory", "command"),
    [
        (("gunicorn",), FLASK_FACTORY, "gunicorn 'app:create_app()'"),
        (("waitress",), FLASK_FACTORY, "waitress-serve --port=$PORT --call app:create_app"),
        (("uvicorn",), FASTAPI_FACTORY, "uvicorn app:make_app --factory --host 0.0.0.0 --port $PORT"),
        (
            ("gunicorn", "uvicorn"),
            FASTAPI_FACTORY,
            "gunicorn -k uvicorn.workers.UvicornWorker 'app:make_app()'",
        ),
        (("hypercorn",), FASTAPI_FACTORY, "hypercorn 'app:make_app()' --bind 0.0.0.0:$PORT"),
    ],
)
def test_an_application_factory_is_called_by_its_server(
    app: Path, tmp_path: Path, names: tuple[str, ...], factory: str, command: str
) -> None:
    write(app, {"app.py": factory})
    kind = "Flask app factory" if "flask" in factory else "FastAPI app factory"
    assert infer(app, env_with(tmp_path, *names)) == Inference(command, f"{kind} in app.py:4")


def test_a_factory_in_the_declared_package_and_what_is_no_factory(app: Path, tmp_path: Path) -> None:
    write(app, {"pyproject.toml": '[project]\nname = "flaskr"\n', "flaskr/__init__.py": FLASK_FACTORY})
    env = env_with(tmp_path, "gunicorn")
    assert infer(app, env) == Inference(
        "gunicorn 'flaskr:create_app()'", "Flask app factory in flaskr/__init__.py:4"
    )
    for text in (
        FLASK_FACTORY.replace("test_config=None", "test_config"),  # needs an argument
        FLASK_FACTORY.replace("create_app", "build"),  # not a factory's name
        "def create_app():\n    return object()\n",  # makes no known application
        "from flask import Flask\n\n\nclass create_app:\n    app = Flask(__name__)\n",  # not a function
    ):
        assert source.objects_in(text) == [], text
    # a module that binds an application object offers no factory, as with Flask
    assert [found[3] for found in source.objects_in(FLASK_FACTORY + "\napp = Flask(__name__)\n")] == ["app"]
    # daphne calls no factory: no process, the package to add named
    write(app, {"flaskr/__init__.py": FASTAPI_FACTORY})
    assert infer(app, env_with(tmp_path, "daphne")).warning[1].startswith("Add uvicorn")


@pytest.mark.parametrize(
    ("files", "names", "command", "why"),
    [
        (
            {"app.py": FLASK},
            ("gunicorn",),
            "gunicorn --chdir services/api app:app",
            "Flask app in services/api/app.py:3",
        ),
        (
            {"src/app.py": FLASK},
            ("gunicorn",),
            "gunicorn --chdir services/api/src app:app",
            "Flask app in services/api/src/app.py:3",
        ),
        (
            {"src/main.py": FASTAPI},
            ("uvicorn",),
            "cd services/api && uvicorn main:app --host 0.0.0.0 --port $PORT --app-dir src",
            "FastAPI app in services/api/src/main.py:3",
        ),
        (
            {"main.py": FASTAPI},
            ("hypercorn",),
            "cd services/api && hypercorn main:app --bind 0.0.0.0:$PORT",
            "FastAPI app in services/api/main.py:3",
        ),
        (
            {"app.py": FLASK_FACTORY},
            ("waitress",),
            "cd services/api && waitress-serve --port=$PORT --call app:create_app",
            "Flask app factory in services/api/app.py:4",
        ),
        (
            {"pyproject.toml": '[project]\nname = "api"\n[project.scripts]\napi-serve = "api:main"\n'},
            ("api-serve",),
            "cd services/api && api-serve",
            "the only [project.scripts] entry in services/api/pyproject.toml",
        ),
    ],
)
def test_an_app_in_a_subdirectory_runs_from_its_directory(
    tmp_path: Path, files: dict[str, str], names: tuple[str, ...], command: str, why: str
) -> None:
    root = tmp_path / "slug"
    write(root / "services" / "api", files)
    env = env_with(tmp_path, *names, scripts=names)
    assert infer(root, env, app=root / "services" / "api") == Inference(command, why)
    write(root, {"Procfile": "web: gunicorn --chdir services/api app:app\n"})  # the slug's Procfile wins
    assert infer(root, env, app=root / "services" / "api") == Inference()


def test_django_in_a_subdirectory_app_is_found_from_its_directory(tmp_path: Path) -> None:
    root = tmp_path / "slug"
    write(root / "services" / "api", DJANGO)
    write(root / "services" / "admin" / "web", DJANGO)  # another app of the repository
    assert infer(root, tmp_path, app=root / "services" / "api") == Inference(
        "gunicorn --chdir services/api mysite.wsgi", "Django project mysite, services/api/manage.py"
    )
    assert infer(root, tmp_path, app=root / "services" / "admin").command == (
        "gunicorn --chdir services/admin/web mysite.wsgi"
    )
    # a directory a command can't name unquoted: nothing inferred
    write(root / "my api", {"app.py": FLASK})
    assert infer(root, env_with(tmp_path, "gunicorn"), app=root / "my api") == Inference(warning=NO_PROCFILE)


def test_the_command_line_takes_the_apps_directory(tmp_path: Path) -> None:
    root = tmp_path / "slug"
    write(root / "services" / "api", {"main.py": FASTAPI})
    done = run_as_release(root, env_with(tmp_path, "uvicorn"), "--app", str(root / "services" / "api"))
    assert done.stdout == "cd services/api && uvicorn main:app --host 0.0.0.0 --port $PORT\n"
