#!/usr/bin/env bats
# Odd input: directories, devices and odd URLs where files belong, undefined variables, reserved
# paths that are links, an empty CACHE_DIR or one inside the app: clear errors, nothing outside the
# app touched.

load ../helpers/suite

# Each test starts from an app with no dependencies yet, on Python 3.13.
setup() {
	suite_setup
	plain_app
}

@test "odd input: directories, devices and odd URLs where files belong are clear errors" {
	rm "${BUILD_DIR}/requirements.txt" && mkdir "${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	assert_output_contains "requirements.txt is not a regular file"
	rmdir "${BUILD_DIR}/requirements.txt"

	printf -- '-r /dev/zero\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	assert_output_contains "The included file /dev/zero is not a regular file" "Where: requirements.txt:1"

	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	rm "${BUILD_DIR}/.python-version" && mkdir "${BUILD_DIR}/.python-version"
	compile_app
	assert_failure 1
	assert_output_contains ".python-version is not a file"
	rmdir "${BUILD_DIR}/.python-version"

	run env -u STACK BUILDPACK_MIRROR_URL="ftp://127.0.0.1/mirror" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "BUILDPACK_MIRROR_URL is not a file://, http:// or https:// URL"
	refute_output_contains "retried"

	: >"${BATS_TEST_TMPDIR}/a-file"
	run "${BUILDPACK_DIR}/bin/compile" "${BATS_TEST_TMPDIR}/a-file" "$CACHE_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "The build directory is not a directory"

	local odd="${BATS_TEST_TMPDIR}/new
line"
	cp -a "$BUILD_DIR" "$odd"
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" "$odd" "$CACHE_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "path holds a newline"
}

@test "odd input: an undefined \${VAR} is named with its line; bin/release and bin/report say what is wrong" {
	printf 'six==1.17.0\n--extra-index-url https://${NO_SUCH_TOKEN}@127.0.0.1:9/simple\n' >"${BUILD_DIR}/requirements.txt"
	compile_app PIP_RETRIES=0 PIP_DEFAULT_TIMEOUT=2
	assert_output_contains "Warning: \${NO_SUCH_TOKEN} names no config var or environment variable" \
		"Where: requirements.txt:2"

	run "${BUILDPACK_DIR}/bin/release" "${BATS_TEST_TMPDIR}/nowhere"
	assert_failure 1
	assert_output_contains "is not a directory"

	mkdir -p "${CACHE_DIR}/python" && printf '{"status": "succ' >"${CACHE_DIR}/python/report.json"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_failure 1
	assert_output_contains "is damaged (not JSON)"
}

@test "paths: a .heroku or .profile.d symlink out of the app is refused, and nothing outside is touched" {
	local victim="${BATS_TEST_TMPDIR}/victim" entry
	for entry in .heroku .profile.d; do
		rm -rf "$victim" && mkdir -p "${victim}/python" && echo keep >"${victim}/python/precious.txt"
		ln -sfn "$victim" "${BUILD_DIR}/${entry}"
		compile_app
		assert_failure 1
		assert_output_contains "The app has a ${entry} that is not a directory" "git rm ${entry}"
		assert_equal "$(cat "${victim}/python/precious.txt")" "keep"
		run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
		assert_output_contains '"failure_reason": "app::reserved-path"' '"status": "failed"'
		assert_equal "$(ls "$victim")" "python"
		rm "${BUILD_DIR}/${entry}"
	done
}

@test "paths: an empty CACHE_DIR, or one inside BUILD_DIR, is refused before anything is written" {
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "CACHE_DIR, is empty"
	[[ ! -e "${BUILD_DIR}/.heroku" ]]
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "${BUILD_DIR}/cache" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "CACHE_DIR is inside the build directory"
	[[ ! -e "${BUILD_DIR}/.heroku" ]]
}
