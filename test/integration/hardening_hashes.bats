#!/usr/bin/env bats
# Hardening: hash-checked requirements.

# setup and teardown come from the helper, shared by every hardening suite.
load ../helpers/hardening

@test "hashes: a wrong --hash fails a warm build as it fails a cold one, and the cache stays usable" {
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	printf 'six==1.16.0 --hash=sha256:%064d\n' 0 >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	assert_output_contains "new hashes for six: installed afresh" "DO NOT MATCH THE HASHES"
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
}
