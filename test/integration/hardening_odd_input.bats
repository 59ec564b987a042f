#!/usr/bin/env bats
# Hardening: odd input.

# setup and teardown come from the helper, shared by every hardening suite.
load ../helpers/hardening

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
