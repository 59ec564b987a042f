#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib slug hooks processes
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
	assert_equal "$output" ""
}
