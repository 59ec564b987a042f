"""The app's process types (pybuildpack.webapp.procfile): the one reader of the Procfile, and the
build's check of them, on real files written here and a virtual environment's real layout (its
bin/ scripts and the .dist-info directories the inference reads)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pybuildpack.launch import processes as launch_processes
from pybuildpack.webapp import procfile

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "app" / ".heroku" / "venv" / "bin").mkdir(parents=True)
    return tmp_path / "app"


def env(app: Path) -> Path:
    return app / ".heroku" / "venv"


def said(capsys: pytest.CaptureFixture[str]) -> str:
    """What the build printed (steps go to stdout, warnings to stderr, as lib/output.sh's)."""
    captured = capsys.readouterr()
    return captured.out + captured.err


def installed(app: Path, *scripts: str) -> None:
    for script in scripts:
        (env(app) / "bin" / script).write_text("#!/bin/sh\n")
        (env(app) / "bin" / script).chmod(0o755)


def site_packages(app: Path, *names: str) -> None:
    for name in names:
        (env(app) / "lib" / "python3.13" / "site-packages" / f"{name}-1.0.dist-info").mkdir(parents=True)


def test_no_procfile_and_nothing_to_infer_warns_how_to_write_one(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert procfile.check(app, env(app)) == []
    out = said(capsys)
    assert "Warning: No Procfile: the app has no process types, so no web dyno starts" in out
    assert "web: gunicorn myproject.wsgi" in out


def test_a_procfile_whose_servers_are_installed_says_nothing(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (app / "Procfile").write_text(
        "web: gunicorn app:app\r\nworker: celery -A tasks worker\nrelease: bin/migrate\n"
    )
    installed(app, "gunicorn", "celery")
    found = procfile.check(app, env(app))
    assert [(p.kind, p.command) for p in found] == [
        ("web", "gunicorn app:app"),
        ("worker", "celery -A tasks worker"),
        ("release", "bin/migrate"),
    ]
    assert said(capsys) == ""


def test_a_server_not_installed_is_named_with_its_line_and_package(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (app / "Procfile").write_text(
        "web: FOO=1 exec waitress-serve --port=$PORT app:app\nworker: celery -A tasks worker"
    )
    installed(app, "celery")
    procfile.check(app, env(app))
    out = said(capsys)
    assert "Warning: waitress-serve is not installed, but a process type starts it" in out
    assert "Procfile: web: FOO=1 exec waitress-serve --port=$PORT app:app" in out
    assert "Add waitress to requirements.txt" in out
    assert "celery is not installed" not in out


def test_the_inferred_django_web_process_needs_gunicorn(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "test" / "fixtures" / "django-release", app, dirs_exist_ok=True)
    procfile.check(app, env(app))
    out = said(capsys)
    assert "Warning: gunicorn is not installed, but a process type starts it" in out
    assert "web: gunicorn mysite.wsgi (inferred: there is no Procfile)" in out
    installed(app, "gunicorn")
    found = procfile.check(app, env(app))
    assert said(capsys) == "-----> web process: gunicorn mysite.wsgi (Django project mysite, manage.py)\n"
    assert [(p.kind, p.command) for p in found] == [("web", "gunicorn mysite.wsgi")]


def test_an_inferred_web_process_is_said_with_where_it_was_found(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (app / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    site_packages(app, "fastapi", "uvicorn")
    installed(app, "uvicorn")
    found = procfile.check(app, env(app))
    assert [(p.kind, p.command) for p in found] == [("web", "uvicorn main:app --host 0.0.0.0 --port $PORT")]
    assert said(capsys) == (
        "-----> web process: uvicorn main:app --host 0.0.0.0 --port $PORT (FastAPI app in main.py:3)\n"
    )


def test_an_app_with_no_server_installed_gets_no_web_process(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (app / "app.py").write_text("import flask\napp = flask.Flask(__name__)\n")
    site_packages(app, "flask")
    assert procfile.check(app, env(app)) == []
    out = said(capsys)
    assert "Warning: No web process: the Flask app in app.py:2 has no WSGI server installed" in out
    assert "Add gunicorn to requirements.txt" in out
    assert "No Procfile: the app has no process types" not in out


def test_a_procfile_wins_and_its_odd_lines_are_skipped(app: Path) -> None:
    (app / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    site_packages(app, "fastapi", "uvicorn")
    (app / "Procfile").write_text(
        "# a comment\nweb: gunicorn a:app\nnot a line\nempty:   \n"
        "web: gunicorn b:app\nworker-2: python w.py\n"
    )
    found = procfile.read(app)
    assert found is not None
    assert [(p.kind, p.command) for p in found] == [("web", "gunicorn b:app"), ("worker-2", "python w.py")]
    assert launch_processes(found) == [
        {"type": "web", "command": ["bash", "-c", "gunicorn b:app"], "default": True},
        {"type": "worker-2", "command": ["bash", "-c", "python w.py"], "default": False},
    ]
    assert procfile.read(app / "nowhere") is None


def test_an_unbalanced_quote_is_read_word_by_word(app: Path) -> None:
    assert procfile.missing_server("FOO='x gunicorn app:app", env(app) / "bin") == "gunicorn"
    assert procfile.missing_server("exec gunicorn 'app:app", env(app) / "bin") == "gunicorn"
    (env(app) / "bin" / "gunicorn").write_text("#!/bin/sh\n")  # not executable: not a script to run
    assert procfile.missing_server("gunicorn app:app", env(app) / "bin") == "gunicorn"
    installed(app, "gunicorn")
    assert procfile.missing_server("exec gunicorn 'app:app", env(app) / "bin") == ""


def test_the_plan_shows_the_procfile_or_the_web_process_the_requirements_would_give(app: Path) -> None:
    (app / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    assert procfile.planned(app, env(app), frozenset({"fastapi", "uvicorn"})) == (
        "Web process (no Procfile; the servers from the requirements)",
        ["web: uvicorn main:app --host 0.0.0.0 --port $PORT (FastAPI app in main.py:3)"],
    )
    (app / "Procfile").write_text("web: gunicorn a:app\nclock: python clock.py\n")
    assert procfile.planned(app, env(app), frozenset()) == (
        "Process types (Procfile)",
        ["web: gunicorn a:app", "clock: python clock.py"],
    )
    (app / "Procfile").write_text("# nothing\n")
    assert procfile.planned(app, env(app), frozenset()) == ("Process types (Procfile)", ["(none)"])


def test_an_app_in_a_subdirectory_is_inferred_there_and_run_from_there(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (app / "services" / "api").mkdir(parents=True)
    (app / "services" / "api" / "app.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    site_packages(app, "flask", "gunicorn")
    installed(app, "gunicorn")
    found = procfile.check(app, env(app), app / "services" / "api")
    assert [(p.kind, p.command) for p in found] == [("web", "gunicorn --chdir services/api app:app")]
    assert "(Flask app in services/api/app.py:3)" in said(capsys)
