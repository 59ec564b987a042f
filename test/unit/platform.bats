#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib platform
}

@test "Heroku stacks map to their Ubuntu release" {
	STACK=heroku-24 run platform::stack
	assert_equal "$output" "ubuntu-24.04"
	STACK=heroku-22 run platform::stack
	assert_equal "$output" "ubuntu-22.04"
}

@test "elsewhere the stack comes from os-release" {
	printf 'ID=debian\nVERSION_ID="12"\n' >"${BATS_TEST_TMPDIR}/os-release"
	STACK="" PLATFORM_OS_RELEASE="${BATS_TEST_TMPDIR}/os-release" run platform::stack
	assert_equal "$output" "debian-12"
}

@test "the architecture uses Debian's names" {
	run platform::arch
	[[ "$output" == amd64 || "$output" == arm64 ]]
}
