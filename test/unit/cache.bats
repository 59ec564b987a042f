#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib cache
}

@test "the state directory lives under CACHE_DIR/python" {
	run cache::prepare "${BATS_TEST_TMPDIR}/cache" "${BATS_TEST_TMPDIR}/throwaway"
	assert_success
	assert_equal "$output" "${BATS_TEST_TMPDIR}/cache/python"
}

@test "a state directory that is a link (to outside the cache) is replaced by a directory: nothing is written through it" {
	# CACHE_DIR is written by earlier builds' hooks (they get CACHE_DIR); in CNB mode the cache
	# layer is restored as it was exported (trial 60's CNB analogue wrote the cache into the link's
	# target).
	local outside="${BATS_TEST_TMPDIR}/outside"
	mkdir -p "$outside" "${BATS_TEST_TMPDIR}/cache"
	echo keep >"${outside}/keep"
	ln -s "$outside" "${BATS_TEST_TMPDIR}/cache/python"
	run cache::prepare "${BATS_TEST_TMPDIR}/cache" "${BATS_TEST_TMPDIR}/throwaway"
	assert_success
	assert_equal "$output" "${BATS_TEST_TMPDIR}/cache/python"
	[[ -d "${BATS_TEST_TMPDIR}/cache/python" && ! -L "${BATS_TEST_TMPDIR}/cache/python" ]]
	assert_equal "$(ls -A "$outside")" "keep"
}

@test "an unwritable CACHE_DIR gives a warning and the throw-away directory" {
	if [[ "$(id -u)" == 0 ]]; then
		# root ignores permissions: use a path below a file instead
		: >"${BATS_TEST_TMPDIR}/file"
		cache_dir="${BATS_TEST_TMPDIR}/file/cache"
	else
		mkdir -p "${BATS_TEST_TMPDIR}/ro" && chmod 500 "${BATS_TEST_TMPDIR}/ro"
		cache_dir="${BATS_TEST_TMPDIR}/ro/cache"
	fi
	run cache::prepare "$cache_dir" "${BATS_TEST_TMPDIR}/throwaway"
	assert_success
	assert_output_contains "Warning: The build cache is not writable"
	assert_equal "$(tail -n 1 <<<"$output")" "${BATS_TEST_TMPDIR}/throwaway"
	[[ -d "${BATS_TEST_TMPDIR}/throwaway" ]]
}

@test "cache::held: the locked cache is held until something removes or replaces it" {
	local cache="${BATS_TEST_TMPDIR}/cache"
	state="$(cache::prepare "$cache" "${BATS_TEST_TMPDIR}/throwaway")"
	cache::lock "$state"
	cache::held "$state"
	# another directory's lock is not this one
	mkdir -p "${BATS_TEST_TMPDIR}/other"
	: >"${BATS_TEST_TMPDIR}/other/.lock"
	! cache::held "${BATS_TEST_TMPDIR}/other" || fail "another directory's lock counts as held"
	# a hook's rm -rf "$CACHE_DIR", and one that makes it again
	rm -rf "$cache"
	! cache::held "$state" || fail "a removed cache counts as held"
	mkdir -p "$state" && : >"${state}/.lock"
	! cache::held "$state" || fail "a cache made again counts as held"
	exec 8>&-
}
