#!/usr/bin/env bats
# Heroku platform conventions: the slug boots and serves, hooks, collectstatic, run-time defaults.

load ../helpers/suite

setup() {
	suite_setup
	NONROOT=""
}

teardown() {
	if [[ -n "${NONROOT:-}" ]]; then
		rm -rf -- "$NONROOT"
	fi
	suite_teardown
}

@test "a Django app: built, collectstatic run, moved to /app, its inferred web process serves" {
	new_app django-app
	compile_app
	assert_success
	assert_output_contains "-----> \$ python manage.py collectstatic --noinput" "static file"
	refute_output_contains "Warning:"
	run "${BUILDPACK_DIR}/bin/release" "$BUILD_DIR"
	assert_output_contains 'web: "gunicorn mysite.wsgi"'
	slug_to_app
	[[ -f /app/staticfiles/app.css ]]
	boot /app "gunicorn mysite.wsgi"
	run curl -sS -w ' %{http_code}' "http://127.0.0.1:${WEB_PORT}/"
	assert_equal "$output" "hello from django 200"
}

@test "a Flask app: its Procfile's web process serves from /app, with workers for a 512 MB dyno; run-time defaults never override what the user set" {
	new_app flask-app
	compile_app
	assert_success
	refute_output_contains "Warning:"
	run env -i HOME="$BUILD_DIR" PATH=/usr/bin:/bin WEB_CONCURRENCY=7 FORWARDED_ALLOW_IPS=10.1.2.3 bash -c \
		'. "$HOME/.profile.d/python.sh"; echo "$WEB_CONCURRENCY $FORWARDED_ALLOW_IPS $GUNICORN_CMD_ARGS"'
	assert_equal "$output" "7 10.1.2.3 --access-logfile -"
	slug_to_app
	# a 512 MB dyno, where the machine lets the test make one
	memory_cgroup dyno $((512 * 1048576)) || CGROUP=""
	boot /app "$(sed -n 's/^web:[[:space:]]*//p' /app/Procfile)" "$CGROUP"
	run curl -sS -w ' %{http_code}' "http://127.0.0.1:${WEB_PORT}/"
	assert_equal "$output" "hello from flask 200"
	[[ -n "$CGROUP" ]] || skip "served; the worker count is not checked: ${CGROUP_UNAVAILABLE}"
	# WEB_CONCURRENCY from the dyno's memory: 512 MB / 256 MB = 2 gunicorn workers
	for _ in {1..50}; do
		[[ "$(grep -c 'Booting worker' "${BATS_TEST_TMPDIR}/web.log")" -ge 2 ]] && break
		sleep 0.2
	done
	sleep 1
	run grep -c 'Booting worker' "${BATS_TEST_TMPDIR}/web.log"
	assert_equal "$output" "2"
	assert_equal "$(grep '^Python buildpack:' "${BATS_TEST_TMPDIR}/web.log")" \
		"Python buildpack: 512 MB of memory and $(nproc) CPU cores: WEB_CONCURRENCY=2."
}

@test "collectstatic: DISABLE_COLLECTSTATIC skips it; a failure shows Django's message and the fixes" {
	new_app django-app
	printf '1' >"${ENV_DIR}/DISABLE_COLLECTSTATIC"
	compile_app
	assert_success
	assert_output_contains "-----> Skipping Django collectstatic (DISABLE_COLLECTSTATIC=1)"
	[[ ! -e "${BUILD_DIR}/staticfiles" ]]

	new_app django-app
	printf '1' >"${ENV_DIR}/BREAK_COLLECTSTATIC"
	rm -f "${ENV_DIR}/DISABLE_COLLECTSTATIC"
	compile_app
	assert_failure 1
	assert_output_contains "STATIC_ROOT" "Error: Django's collectstatic failed" "DISABLE_COLLECTSTATIC=1"
}

@test "Heroku CI: bin/test-compile installs the test requirements, bin/test runs the tests" {
	new_app ci-app
	test_compile_app
	assert_success
	assert_output_contains "-----> Installing test dependencies from requirements-test.txt"
	assert_installed pytest==9.2.0
	run "${BUILDPACK_DIR}/bin/test" "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "Running tests: python -m pytest" "2 passed"
	printf '1' >"${ENV_DIR}/FAIL_TESTS"
	run "${BUILDPACK_DIR}/bin/test" "$BUILD_DIR" "$ENV_DIR"
	assert_failure
	assert_output_contains "1 failed, 1 passed" "FAIL_TESTS is set"
}

@test "bin/report: the build's metadata as JSON, for failed builds too; a second buildpack after ours uses export: python, pip and the installed packages" {
	# The platform's own checkout of this buildpack (export is written into it) builds first.
	local buildpack="${BATS_TEST_TMPDIR}/buildpack"
	mkdir -p "$buildpack"
	cp -a "${BUILDPACK_DIR}/bin" "${BUILDPACK_DIR}/lib" "${BUILDPACK_DIR}/vendor" "${BUILDPACK_DIR}/data" "$buildpack/"
	new_app flask-app
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${buildpack}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
	assert_success
	[[ -f "${buildpack}/export" ]]
	# The next buildpack's compile, in a clean environment, sources our export first.
	run env -i PATH=/usr/bin:/bin bash -c ". '${buildpack}/export' && command -v python && python -c 'import flask; print(flask.__version__)' && pip --version"
	assert_success
	assert_output_contains "${BUILD_DIR}/.heroku/venv/bin/python" "3.1.3" "pip 26.3"

	run bash -c "'${BUILDPACK_DIR}/bin/report' '$BUILD_DIR' '$CACHE_DIR' | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[\"status\"], d[\"python_version\"], d[\"python_version_origin\"], d[\"environment\"], d[\"packages\"][\"flask\"], sorted(d[\"steps_seconds\"])[:2])'"
	assert_success
	assert_equal "$output" "succeeded 3.13.15 .python-version:1 fresh 3.1.3 ['cache', 'dependencies']"

	printf 'flask==3.1.3\nthis-package-does-not-exist-pybuildpack==1.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	run bash -c "'${BUILDPACK_DIR}/bin/report' '$BUILD_DIR' '$CACHE_DIR' | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[\"status\"], d[\"failed_step\"], d[\"environment\"], d[\"failure_reason\"])'"
	assert_equal "$output" "failed dependencies sync install::requirement-not-found"

	# a failure before anything is installed (a failing hook) is reported too
	mkdir -p "${BUILD_DIR}/bin" && printf 'exit 3\n' >"${BUILD_DIR}/bin/pre_compile"
	compile_app
	assert_failure
	run bash -c "'${BUILDPACK_DIR}/bin/report' '$BUILD_DIR' '$CACHE_DIR' | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[\"status\"], d[\"failed_step\"], d[\"failure_reason\"])'"
	assert_equal "$output" "failed setup hooks::pre-compile"
}

@test "bin/report: a build whose CACHE_DIR can't be written still has its report" {
	new_app flask-app
	: >"${BATS_TEST_TMPDIR}/a-file"
	CACHE_DIR="${BATS_TEST_TMPDIR}/a-file/cache"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_failure 1
	assert_output_contains "No build report for '${CACHE_DIR}'"
	compile_app
	assert_success
	assert_output_contains "Warning: The build cache is not writable"
	run bash -c "'${BUILDPACK_DIR}/bin/report' '$BUILD_DIR' '$CACHE_DIR' | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[\"status\"], d[\"environment\"], d[\"packages\"][\"flask\"])'"
	assert_equal "$output" "succeeded fresh 3.1.3"
	# nothing of the throw-away cache is left behind
	run compgen -G "${TMPDIR:-/tmp}/pybuildpack-cache.*"
	assert_failure
	load_lib report
	rm -f -- "$(report::fallback_path "$CACHE_DIR")"
}

@test "an app in a subdirectory (BUILDPACK_APP_SUBDIR): detected, built, and it serves from /app" {
	new_app monorepo
	run "${BUILDPACK_DIR}/bin/detect" "$BUILD_DIR"
	assert_success
	assert_output_contains "Python app in services/api/" "BUILDPACK_APP_SUBDIR"
	printf 'services/api' >"${ENV_DIR}/BUILDPACK_APP_SUBDIR"
	compile_app
	assert_success
	assert_output_contains "-----> Building the app in services/api (BUILDPACK_APP_SUBDIR)" \
		"-----> Python 3.13.15 (newest matching from .python-version:1)"
	assert_installed flask==3.1.3
	[[ -d "${BUILD_DIR}/.heroku/venv" && -f "${BUILD_DIR}/.profile.d/python.sh" ]]
	slug_to_app
	boot /app "$(sed -n 's/^web:[[:space:]]*//p' /app/Procfile)"
	run curl -sS "http://127.0.0.1:${WEB_PORT}/"
	assert_equal "$output" "hello from flask"

	new_app monorepo
	printf '../elsewhere' >"${ENV_DIR}/BUILDPACK_APP_SUBDIR"
	compile_app
	assert_failure 1
	assert_output_contains "BUILDPACK_APP_SUBDIR names no directory of the app: '../elsewhere'"
}

@test "a build as an unprivileged user (heroku-24's images build as a non-root user), then a warm one" {
	# Everything the build user reads or writes is its own, in a directory it can reach.
	NONROOT="$(mktemp -d "${TMPDIR:-/tmp}/pybuildpack-nonroot.XXXXXX")"
	chmod 755 "$NONROOT"
	mkdir -p "${NONROOT}/buildpack" "${NONROOT}/mirror" "${NONROOT}/cache" "${NONROOT}/env"
	cp -a "${BUILDPACK_DIR}/bin" "${BUILDPACK_DIR}/lib" "${BUILDPACK_DIR}/vendor" "${BUILDPACK_DIR}/data" "${NONROOT}/buildpack/"
	cp -a "${MIRROR_DIR}/index.txt" "${MIRROR_DIR}"/python-3.13.15-* "${MIRROR_DIR}/tools" "${NONROOT}/mirror/"
	cp -a "${FIXTURES}/flask-app" "${NONROOT}/build"
	chown -R nobody:nogroup "${NONROOT}/buildpack" "${NONROOT}/build" "${NONROOT}/cache" "${NONROOT}/env"
	as_nobody() {
		setpriv --reuid=nobody --regid=nogroup --clear-groups env -i HOME="$NONROOT" \
			PATH=/usr/local/bin:/usr/bin:/bin "$@"
	}
	run as_nobody BUILDPACK_MIRROR_URL="file://${NONROOT}/mirror" "${NONROOT}/buildpack/bin/compile" \
		"${NONROOT}/build" "${NONROOT}/cache" "${NONROOT}/env"
	assert_success
	refute_output_contains "Warning:"
	if [[ "$(engine)" == uv ]]; then
		assert_output_contains "Installing with uv"
	fi
	run as_nobody bash -c 'cd "$1" && . .profile.d/python.sh && python -c "import flask; print(flask.__name__)"' _ "${NONROOT}/build"
	assert_equal "$output" "flask"
	rm -rf "${NONROOT}/build" && cp -a "${FIXTURES}/flask-app" "${NONROOT}/build" && chown -R nobody:nogroup "${NONROOT}/build"
	run as_nobody BUILDPACK_MIRROR_URL="file://${NONROOT}/mirror" "${NONROOT}/buildpack/bin/compile" \
		"${NONROOT}/build" "${NONROOT}/cache" "${NONROOT}/env"
	assert_success
	assert_output_contains "Reusing the cached environment (requirements unchanged)"
}
