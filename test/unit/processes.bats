#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib slug core processes
	APP="${BATS_TEST_TMPDIR}/app"
	mkdir -p "${APP}/.heroku/venv/bin"
}

installed() {
	local script
	for script in "$@"; do
		printf '#!/bin/sh\n' >"${APP}/.heroku/venv/bin/${script}"
		chmod +x "${APP}/.heroku/venv/bin/${script}"
	done
}

@test "no Procfile and nothing to infer: a warning that says how to write one" {
	run processes::check "$APP" "$APP/.heroku/venv/bin"
	assert_success
	assert_output_contains "Warning: No Procfile: the app has no process types, so no web dyno starts" \
		"web: gunicorn myproject.wsgi"
}

@test "a Procfile whose servers are installed: no warning" {
	printf 'web: gunicorn app:app\r\nworker: celery -A tasks worker\nrelease: bin/migrate\n' >"${APP}/Procfile"
	installed gunicorn celery
	run processes::check "$APP" "$APP/.heroku/venv/bin"
	assert_success
	assert_equal "$output" ""
}

@test "a server the Procfile starts is not installed: the warning names the line and the package" {
	printf 'web: FOO=1 exec waitress-serve --port=$PORT app:app\nworker: celery -A tasks worker' >"${APP}/Procfile"
	installed celery
	run processes::check "$APP" "$APP/.heroku/venv/bin"
	assert_success
	assert_output_contains "Warning: waitress-serve is not installed, but a process type starts it" \
		'Procfile: web: FOO=1 exec waitress-serve --port=$PORT app:app' "Add waitress to requirements.txt"
	refute_output_contains "celery is not installed"
}

@test "the inferred Django web process needs gunicorn" {
	cp -a "${FIXTURES}/django-release/." "$APP/"
	run processes::check "$APP" "$APP/.heroku/venv/bin"
	assert_output_contains "Warning: gunicorn is not installed, but a process type starts it" \
		"web: gunicorn mysite.wsgi (inferred: there is no Procfile)" "Add gunicorn to requirements.txt"
	installed gunicorn
	run processes::check "$APP" "$APP/.heroku/venv/bin"
	assert_equal "$output" "-----> web process: gunicorn mysite.wsgi (Django project mysite, manage.py)"
}

# site_packages NAME...: distributions installed in the app's environment (their .dist-info).
site_packages() {
	local name
	for name in "$@"; do
		mkdir -p "${APP}/.heroku/venv/lib/python3.13/site-packages/${name}-1.0.dist-info"
	done
}

@test "an inferred web process: the build says which and why; PROCESSES_WEB holds it, the output does not" {
	printf 'from fastapi import FastAPI\n\napp = FastAPI()\n' >"${APP}/main.py"
	site_packages fastapi uvicorn
	installed uvicorn
	processes::check "$APP" "$APP/.heroku/venv/bin" >"${BATS_TEST_TMPDIR}/out" 2>&1
	assert_equal "$PROCESSES_WEB" 'uvicorn main:app --host 0.0.0.0 --port $PORT'
	assert_equal "$(cat "${BATS_TEST_TMPDIR}/out")" \
		'-----> web process: uvicorn main:app --host 0.0.0.0 --port $PORT (FastAPI app in main.py:3)'
	run processes::default_web "$APP" "$APP/.heroku/venv"
	assert_equal "$output" 'uvicorn main:app --host 0.0.0.0 --port $PORT'
}

@test "an app found but no server installed: a warning naming the package, and no web process" {
	printf 'import flask\napp = flask.Flask(__name__)\n' >"${APP}/app.py"
	site_packages flask
	processes::check "$APP" "$APP/.heroku/venv/bin" >"${BATS_TEST_TMPDIR}/out" 2>&1
	assert_equal "$PROCESSES_WEB" ""
	run cat "${BATS_TEST_TMPDIR}/out"
	assert_output_contains "Warning: No web process: the Flask app in app.py:2 has no WSGI server installed" \
		"Add gunicorn to requirements.txt" "web: gunicorn app:app"
	refute_output_contains "No Procfile: the app has no process types"
}
