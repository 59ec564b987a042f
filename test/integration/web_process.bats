#!/usr/bin/env bats
# The web process of an app without a Procfile, inferred from its source and the servers its
# environment installs (lib/pybuildpack/webapp; test/python/test_webapp.py has every case): two
# builds, each an environment that serves three apps (an application factory the third), each
# app's inferred process started as a dyno starts it (.profile.d sourced, PORT set) from /app,
# serving its page. An app in BUILDPACK_APP_SUBDIR: lockfiles_uv.bats (a uv workspace's member),
# and cnb.bats for the CNB default process.

load ../helpers/suite

# release_web: the web process bin/release gives the slug in /app.
release_web() {
	"${BUILDPACK_DIR}/bin/release" /app | sed -n 's/^  web: "\(.*\)"$/\1/p'
}

# serves COMMAND PAGE: bin/release infers COMMAND for /app, which, started, answers PAGE.
serves() {
	assert_equal "$(release_web)" "$1"
	boot /app "$1"
	run curl -sS -w ' %{http_code}' "http://127.0.0.1:${WEB_PORT}/"
	assert_equal "$output" "$2 200"
	stop_pid "$WEB_PID"
	WEB_PID=""
}

@test "a Flask app and a plain WSGI app without a Procfile: gunicorn, said by the build, serves them" {
	new_app flask-app
	rm "${BUILD_DIR}/Procfile"
	compile_app
	assert_success
	assert_output_contains "-----> web process: gunicorn app:app (Flask app in app.py:3)"
	refute_output_contains "Warning:"
	slug_to_app
	serves "gunicorn app:app" "hello from flask"
	# a plain WSGI application in wsgi.py, in the same environment
	rm /app/app.py
	printf '%s\n' "def application(environ, start_response):" \
		"    start_response('200 OK', [('Content-Type', 'text/plain')])" \
		"    return [b'hello from wsgi']" >/app/wsgi.py
	serves "gunicorn wsgi:application" "hello from wsgi"
	# a Flask application factory in the package the app declares: gunicorn calls it
	rm /app/wsgi.py
	printf '[project]\nname = "flaskr"\nversion = "1"\n' >/app/pyproject.toml
	mkdir /app/flaskr
	printf '%s\n' "from flask import Flask" "" "" "def create_app(test_config=None):" "    app = Flask(__name__)" \
		"    app.add_url_rule('/', 'index', lambda: 'hello from a flask factory')" "    return app" >/app/flaskr/__init__.py
	serves "gunicorn 'flaskr:create_app()'" "hello from a flask factory"
}

@test "a FastAPI app and a Starlette app without a Procfile: uvicorn on \$PORT, said by the build, serves them" {
	plain_app
	printf 'fastapi==0.165.0\nuvicorn==0.55.0\n' >"${BUILD_DIR}/requirements.txt"
	printf '%s\n' '"""A FastAPI app."""' "from fastapi import FastAPI" "from fastapi.responses import PlainTextResponse" "" \
		"app = FastAPI()" "" "" "@app.get('/', response_class=PlainTextResponse)" "def index() -> str:" \
		"    return 'hello from fastapi'" >"${BUILD_DIR}/main.py"
	# bin/plan says it before anything is installed
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/plan" "$BUILD_DIR"
	assert_success
	assert_output_contains "-----> Web process (no Procfile; the servers from the requirements)" \
		'web: uvicorn main:app --host 0.0.0.0 --port $PORT (FastAPI app in main.py:5)'
	compile_app
	assert_success
	# shellcheck disable=SC2016 # the dyno's $PORT
	assert_output_contains '-----> web process: uvicorn main:app --host 0.0.0.0 --port $PORT (FastAPI app in main.py:5)'
	refute_output_contains "Warning:"
	slug_to_app
	# shellcheck disable=SC2016
	serves 'uvicorn main:app --host 0.0.0.0 --port $PORT' "hello from fastapi"
	# a Starlette app in src/asgi.py, in the same environment (FastAPI's Starlette)
	rm /app/main.py
	mkdir /app/src
	printf '%s\n' "from starlette.applications import Starlette" "from starlette.responses import PlainTextResponse" \
		"from starlette.routing import Route" "" \
		"app = Starlette(routes=[Route('/', lambda request: PlainTextResponse('hello from starlette'))])" \
		>/app/src/asgi.py
	# shellcheck disable=SC2016
	serves 'uvicorn asgi:app --host 0.0.0.0 --port $PORT --app-dir src' "hello from starlette"
	# a FastAPI application factory: uvicorn --factory calls it
	rm -r /app/src
	printf '%s\n' "from fastapi import FastAPI" "from fastapi.responses import PlainTextResponse" "" "" \
		"def create_app() -> FastAPI:" "    app = FastAPI()" \
		"    app.get('/', response_class=PlainTextResponse)(lambda: 'hello from a fastapi factory')" \
		"    return app" >/app/main.py
	# shellcheck disable=SC2016
	serves 'uvicorn main:create_app --factory --host 0.0.0.0 --port $PORT' "hello from a fastapi factory"
}
