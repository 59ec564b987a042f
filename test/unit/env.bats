#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib env
	ENV_DIR="${BATS_TEST_TMPDIR}/env"
	mkdir -p "$ENV_DIR"
}

@test "allowed config vars are exported verbatim, newlines included" {
	printf 'https://u:p@127.0.0.1/simple\nsecond line' >"${ENV_DIR}/PIP_EXTRA_INDEX_URL"
	printf 'file:///srv/mirror' >"${ENV_DIR}/BUILDPACK_MIRROR_URL"
	unset PIP_EXTRA_INDEX_URL BUILDPACK_MIRROR_URL
	env::load "$ENV_DIR"
	assert_equal "$PIP_EXTRA_INDEX_URL" "https://u:p@127.0.0.1/simple
second line"
	assert_equal "$BUILDPACK_MIRROR_URL" "file:///srv/mirror"
}

@test "other config vars and odd file names do not reach the install" {
	printf 'secret' >"${ENV_DIR}/DATABASE_URL"
	printf 'x' >"${ENV_DIR}/not a name"
	printf 'x' >"${ENV_DIR}/PATH"
	printf 'x' >"${ENV_DIR}/LD_PRELOAD"
	unset DATABASE_URL
	local path_before="$PATH"
	env::load "$ENV_DIR"
	assert_equal "${DATABASE_URL:-unset}" "unset"
	assert_equal "$PATH" "$path_before"
	assert_equal "${LD_PRELOAD:-unset}" "unset"
}

@test "a missing or empty ENV_DIR is fine" {
	env::load ""
	env::load "${BATS_TEST_TMPDIR}/nope"
}
