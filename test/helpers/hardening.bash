#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2153,SC2154 # variables shared with the bats files that load this
# Shared by the hardening suites (test/integration/hardening_*.bats): bad input, faults and
# attacks (issue 13), each defect kept fixed.

# shellcheck source=test/helpers/test_helper.bash
source "$(dirname "${BASH_SOURCE[0]}")/test_helper.bash"

# setup: a new app (no dependencies yet) on Python 3.13.
setup() {
	require_mirror
	new_app no-deps
	printf '3.13\n' >"${BUILD_DIR}/.python-version"
}

teardown() {
	cleanup_app
}

# rebuild [ARGS...]: build the same app again from its sources (as a platform does: a fresh
# checkout, the same cache).
rebuild() {
	local sources="${BATS_TEST_TMPDIR}/sources"
	rm -rf "$sources" && cp -a "$BUILD_DIR" "$sources" && rm -rf "${sources}/.heroku" "${sources}/.profile.d"
	rm -rf "$BUILD_DIR" && mv "$sources" "$BUILD_DIR"
	compile_app "$@"
}
