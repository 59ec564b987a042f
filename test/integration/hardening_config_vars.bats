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
