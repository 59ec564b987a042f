#!/usr/bin/env bats
# The app's hooks (bin/pre_compile, bin/post_compile): they run with the config vars and the
# build's absolute paths, never with the config vars that would break them or the build; a failing
# hook, or one that removes the build cache, fails the build and says so.

load ../helpers/suite

# Each test starts from an app with no dependencies yet, on Python 3.13.
setup() {
	suite_setup
	plain_app
}

@test "hooks: pre_compile and post_compile run with the config vars; a failing hook fails the build" {
	new_app hooks-app
	printf 'value with spaces\nand a second line' >"${ENV_DIR}/HOOK_VAR"
	printf 'postgres://app:s3cret-pw@db.internal:5432/app' >"${ENV_DIR}/DATABASE_URL"
	compile_app
	assert_success
	assert_output_contains "-----> Running bin/pre_compile" "       pre_compile sees HOOK_VAR=value with spaces" \
		"-----> Running bin/post_compile" "       post_compile ran" \
		"       post_compile sees DATABASE_URL=postgres://app:****@db.internal:5432/app"
	refute_output_contains "s3cret-pw"
	assert_equal "$(cat "${BUILD_DIR}/pre_compile.out")" "value with spaces
and a second line"
	assert_equal "$(cat "${BUILD_DIR}/post_compile.out")" "1.17.0"

	new_app hooks-app
	printf 'x' >"${ENV_DIR}/HOOK_VAR"
	printf '1' >"${ENV_DIR}/FAIL_POST_COMPILE"
	compile_app
	assert_failure 1
	assert_output_contains "post_compile fails on purpose" "Error: The app's bin/post_compile hook failed (exit status 3)"
}

@test "hooks: given relative paths, bin/compile gives hooks the config vars and absolute BUILD_DIR, CACHE_DIR and ENV_DIR; PYTHONHOME can't stop python; PATH, LD_PRELOAD and the like set as config vars don't reach them" {
	mkdir -p "${BUILD_DIR}/bin"
	# shellcheck disable=SC2016 # expanded by the hooks
	printf '%s\n' 'echo "dirs: $BUILD_DIR|$CACHE_DIR|$ENV_DIR"' 'echo "FOO=${FOO:-unset}"' 'echo "preload=${LD_PRELOAD:-none}"' \
		'python -c "import os, sys; print(\"python runs:\", sys.prefix, os.environ.get(\"PYTHONPATH\"))"' \
		| tee "${BUILD_DIR}/bin/pre_compile" >"${BUILD_DIR}/bin/post_compile"
	printf 'bar' >"${ENV_DIR}/FOO"
	printf '/nowhere' >"${ENV_DIR}/PYTHONHOME"
	printf '/nowhere' >"${ENV_DIR}/PATH"
	printf '/invalid-path' >"${ENV_DIR}/PYTHONPATH"
	printf '/nowhere/evil.so' >"${ENV_DIR}/LD_PRELOAD"
	# the build's own environment may name another Python too (the platform's, an earlier buildpack's)
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" PYTHONHOME=/elsewhere PYTHONPATH=/elsewhere \
		bash -c 'cd "$1" && exec "$2/bin/compile" build cache env' _ "$BATS_TEST_TMPDIR" "$BUILDPACK_DIR"
	assert_success
	assert_output_contains "-----> Running bin/pre_compile
       dirs: ${BUILD_DIR}|${CACHE_DIR}|${ENV_DIR}
       FOO=bar" \
		"-----> Running bin/post_compile
       dirs: ${BUILD_DIR}|${CACHE_DIR}|${ENV_DIR}
       FOO=bar
       preload=none
       python runs: ${BUILD_DIR}/.heroku/venv /invalid-path"
	refute_output_contains "preload=/nowhere"
}

@test "hooks: a hook that removes CACHE_DIR fails the build, which says so and saves nothing; the next build starts afresh" {
	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	mkdir -p "${BUILD_DIR}/bin"
	local hook
	# post_compile first, from the test's new cache (the run's seed); pre_compile then starts with no
	# CACHE_DIR at all (post_compile's removed it): cold, not even the run's bytecode seed (below).
	for hook in post_compile pre_compile; do
		rm -f "${BUILD_DIR}"/bin/*
		# Nothing of the build writes into CACHE_DIR while a hook runs (the redactor of the hook's
		# output once wrote its bytecode there, and rm -rf raced it: Directory not empty). The
		# cache is cold before pre_compile: no bytecode in it but what is written during the hook.
		# shellcheck disable=SC2016 # expanded by the hook
		[[ "$hook" == post_compile ]] ||
			printf '%s\n' 'sleep 1' 'find "${CACHE_DIR:?}" -name "*.pyc" | sed "s/^/written meanwhile: /"' \
				>"${BUILD_DIR}/bin/${hook}"
		printf 'set -x\nrm -rf "${CACHE_DIR:?}"\n' >>"${BUILD_DIR}/bin/${hook}"
		rebuild
		refute_output_contains "written meanwhile:"
		assert_failure 1
		assert_output_contains "-----> Running bin/${hook}" "+ rm -rf ${CACHE_DIR}" \
			" !     Error: bin/${hook} removed the build cache" " !     Where: CACHE_DIR, ${CACHE_DIR}"
		refute_output_contains "Internal error" "Traceback"
		[[ ! -e "$CACHE_DIR" ]] || fail "the failed build wrote to CACHE_DIR: $(find "$CACHE_DIR")"
		run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
		assert_success
		assert_output_contains '"status": "failed"' '"failure_reason": "hooks::cache-removed"'
	done
	rm -f "${BUILD_DIR}"/bin/*
	rebuild
	assert_success
	assert_installed six==1.17.0
	rebuild
	assert_success
	assert_output_contains "Reusing the cached environment"
	# A build that gave up waiting for another one's cache has a cache of its own to keep.
	printf 'echo hook ran\n' >"${BUILD_DIR}/bin/post_compile"
	flock "${CACHE_DIR}/python/.lock" sleep 60 &
	local holder=$!
	sleep 0.5
	rebuild CACHE_LOCK_WAIT=1
	kill "$holder"
	assert_success
	assert_output_contains "Warning: Another build has held the build cache for too long" "       hook ran"
}

# (config_vars.bats' hostile config vars, with Django's: the one Django build of the two suites)
@test "hooks: collectstatic and bin/post_compile start the app's python, whatever config vars PYTHONHOME, PYTHONPATH, PATH and the like say; after the build no file names the build directory; a later buildpack sourcing export, and python in the dyno, run python and console scripts, no PYTHONHOME set" {
	new_app django-app
	local name
	for name in PYTHONHOME PYTHONPLATLIBDIR PATH LD_LIBRARY_PATH LIBRARY_PATH CPATH PYTHONPATH; do
		printf '/invalid-path' >"${ENV_DIR}/${name}"
	done
	mkdir -p "${BUILD_DIR}/bin"
	printf '%s\n' 'python -c "import django, sys; print(\"post_compile python:\", django.__version__, sys.prefix)"' \
		'django-admin --version' >"${BUILD_DIR}/bin/post_compile"
	# The platform's own checkout of this buildpack: a build writes export into it, and the other
	# tests' builds write theirs into BUILDPACK_DIR meanwhile.
	local buildpack="${BATS_TEST_TMPDIR}/buildpack"
	mkdir -p "$buildpack"
	cp -a "${BUILDPACK_DIR}/bin" "${BUILDPACK_DIR}/lib" "${BUILDPACK_DIR}/vendor" "${BUILDPACK_DIR}/data" "$buildpack/"
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${buildpack}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "-----> \$ python manage.py collectstatic --noinput" "static file" \
		"post_compile python: 5.2.19 ${BUILD_DIR}/.heroku/venv"
	refute_output_contains "Fatal Python error"
	[[ -f "${BUILD_DIR}/staticfiles/app.css" ]]
	# (README, "Reproducible builds": the environment's pyvenv.cfg too, which has no home)
	run grep -rlF "$BUILD_DIR" "${BUILD_DIR}/.heroku" "${BUILD_DIR}/.profile.d"
	assert_equal "$output" ""
	# a later buildpack, in a clean environment, from elsewhere; the system's python3 untouched
	run env -i HOME="$BATS_TEST_TMPDIR" PATH=/usr/local/bin:/usr/bin:/bin bash -c '. "$1" && cd / &&
		python -c "import django, sys; print(django.__version__, sys.prefix)" && django-admin --version &&
		gunicorn --version && echo "PYTHONHOME=${PYTHONHOME:-unset}" &&
		/usr/bin/python3 -c "import sys; print(\"system:\", sys.prefix)"' _ "${buildpack}/export"
	assert_success
	assert_output_contains "5.2.19 ${BUILD_DIR}/.heroku/venv" "gunicorn (version" "PYTHONHOME=unset" "system: /usr"
	# The dyno has the config vars in its environment when .profile.d is sourced.
	slug_to_app
	run env -i HOME=/app PATH=/usr/local/bin:/usr/bin:/bin PYTHONHOME=/invalid-path PYTHONPLATLIBDIR=lib64 \
		PYTHONPATH=/app/src bash -c "$DYNO_SHELL" _ \
		'python -c "import django, sys; print(django.__version__, sys.prefix, \"/app/src\" in sys.path)"; gunicorn --version'
	assert_success
	assert_output_contains "5.2.19 /app/.heroku/venv True" "gunicorn (version 27.0.1)"
}
