#!/usr/bin/env bats
# Hardening: config vars never reach the buildpack's internals.

# setup and teardown come from the helper, shared by every hardening suite.
load ../helpers/hardening

@test "config vars: none can set the buildpack's internals (BUILDPACK_DIR, test fault hooks, pip's allow-list)" {
	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	sleep 300 &
	local bystander=$!
	printf '%s' "${BATS_TEST_TMPDIR}/elsewhere" >"${ENV_DIR}/BUILDPACK_DIR"
	printf 'install' >"${ENV_DIR}/BUILDPACK_TEST_KILL_AT"
	printf '%s' "$bystander" >"${ENV_DIR}/BUILDPACK_COMPILE_PID"
	printf 'PIP_FIND_LINKS' >"${ENV_DIR}/BUILDPACK_PIP_CONFIG_VARS"
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app PIP_FIND_LINKS="${BATS_TEST_TMPDIR}/machine-links"
	assert_success
	refute_output_contains "Looking in links" "machine-links"
	kill -0 "$bystander" || fail "a config var killed an unrelated process"
	kill "$bystander"
	[[ ! -e "${BATS_TEST_TMPDIR}/elsewhere" ]]
}

@test "config vars: PYTHONHOME, PYTHONPATH, PATH and the like can't stop collectstatic, nor python in the dyno" {
	new_app django-app
	local name
	for name in PYTHONHOME PYTHONPLATLIBDIR PATH LD_LIBRARY_PATH LIBRARY_PATH CPATH PYTHONPATH; do
		printf '/invalid-path' >"${ENV_DIR}/${name}"
	done
	compile_app
	assert_success
	assert_output_contains "-----> \$ python manage.py collectstatic --noinput" "static file"
	refute_output_contains "Fatal Python error"
	[[ -f "${BUILD_DIR}/staticfiles/app.css" ]]
	# The dyno has the config vars in its environment when .profile.d is sourced.
	slug_to_app
	run env -i HOME=/app PATH=/usr/local/bin:/usr/bin:/bin PYTHONHOME=/invalid-path PYTHONPLATLIBDIR=lib64 \
		PYTHONPATH=/app/src bash -c "$DYNO_SHELL" _ \
		'python -c "import django, sys; print(django.__version__, sys.prefix, \"/app/src\" in sys.path)"; gunicorn --version'
	assert_success
	assert_output_contains "5.2.19 /app/.heroku/venv True" "gunicorn (version 27.0.1)"
}
