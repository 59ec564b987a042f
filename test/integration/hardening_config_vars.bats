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

@test "config vars: one a requirements line expands reaches the engine as its value, never as a variable (UV_LINK_MODE, UV_INDEX_URL)" {
	load ../helpers/servers
	FIXTURE_ROOT="${BATS_TEST_TMPDIR}/served"
	mkdir -p "${FIXTURE_ROOT}/files"
	PRIVATE_USER="pyuser"
	PRIVATE_PASSWORD="s3cret-$$-pw"
	make_pkg "${BATS_TEST_TMPDIR}/src/privpkg" privpkg "private"
	sdist_of "${BATS_TEST_TMPDIR}/src/privpkg" "${FIXTURE_ROOT}/private/simple/privpkg"
	start_fixture_server
	# a legitimate ${VAR} (the private index's password), and two that name uv's own settings
	cat >"${BUILD_DIR}/requirements.txt" <<REQS
--extra-index-url http://pyuser:\${PRIVATE_PASSWORD}@127.0.0.1:${FIXTURE_PORT}/private/simple
privpkg==1.0
six==1.16.0 ; platform_machine != "\${UV_LINK_MODE}" and platform_machine != "\${UV_INDEX_URL}"
REQS
	printf '%s' "$PRIVATE_PASSWORD" >"${ENV_DIR}/PRIVATE_PASSWORD"
	printf 'symlink' >"${ENV_DIR}/UV_LINK_MODE"
	printf 'http://127.0.0.1:%s/simple' "$(free_port)" >"${ENV_DIR}/UV_INDEX_URL"
	compile_app
	stop_servers
	assert_success
	refute_output_contains "$PRIVATE_PASSWORD" "pip installs it instead"
	if [[ "$(engine)" == uv ]]; then
		assert_output_contains "Installing with uv 0.13.9"
	fi
	run find "${BUILD_DIR}/.heroku/venv/lib" -type l
	assert_equal "$output" ""
	run grep -rlF "$PRIVATE_PASSWORD" "$BUILD_DIR" "$CACHE_DIR"
	assert_equal "$output" ""
	slug_to_app
	in_slug /app 'python -c "import six, privpkg; print(six.__file__, privpkg.VALUE)"'
	assert_success
	assert_output_contains "/app/.heroku/venv/lib/python3.13/site-packages/six.py private"
}
