#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2153,SC2154 # variables shared with the bats files that load this
# The preamble of a suite that builds apps: `load ../helpers/suite` at the top of the file gives it
# test_helper and servers, and a setup and teardown. A suite that needs more defines its own and
# calls suite_setup and suite_teardown from them.

# shellcheck source=test/helpers/test_helper.bash
source "$(dirname "${BASH_SOURCE[0]}")/test_helper.bash"
# shellcheck source=test/helpers/servers.bash
source "$(dirname "${BASH_SOURCE[0]}")/servers.bash"

suite_setup() {
	TEST_STARTED="$(date +%s.%N)"
	require_mirror
	WEB_PID=""
}

# suite_teardown: stops whatever a test started (a web process, memcached, the fixture servers),
# removes its cgroups, gives /app back, and removes the test's trees (apps, caches, slugs) at once:
# bats would keep them all to the end of the run (a tmpfs holds only a few at a time).
suite_teardown() {
	stop_pid "${WEB_PID:-}"
	stop_memcached
	stop_servers
	remove_cgroups
	cleanup_app
	chmod -R u+rwX -- "${BATS_TEST_TMPDIR:?}" 2>/dev/null || true
	rm -rf -- "${BATS_TEST_TMPDIR:?}"/* "${BATS_TEST_TMPDIR:?}"/.[!.]* 2>/dev/null || true
	# TEST_SPAN_LOG=FILE: a line per test (when it started and ended, in seconds since the epoch, its
	# file and name), to see a run's shape: what ran beside what, and what ended last. (The turns at
	# /app: TEST_LOCK_LOG, test_helper.bash's cleanup_app.)
	if [[ -n "${TEST_SPAN_LOG:-}" ]]; then
		printf '%s\t%s\t%s\t%s\n' "$TEST_STARTED" "$(date +%s.%N)" "${BATS_TEST_FILENAME##*/}" "$BATS_TEST_DESCRIPTION" >>"$TEST_SPAN_LOG"
	fi
	# TEST_SEED_WATCH=1: the run's seed checked after each test (seed.bash's seed_check, about 0.5 s
	# a test), to name the test that changed it when the run's last check found a change.
	if [[ -n "${TEST_SEED_WATCH:-}" ]] && ! seed_check; then
		_seed_sums >"$(seed_dir).sums"
		return 1
	fi
	# TEST_CPU_LOG=FILE: a line per test (its file, the user and system CPU time of all it ran, its
	# name), to see what a run costs whatever else the machine does meanwhile.
	if [[ -n "${TEST_CPU_LOG:-}" ]]; then
		times >"${BATS_TEST_TMPDIR}/times"
		printf '%s\t%s\t%s\n' "${BATS_TEST_FILENAME##*/}" "$(tail -n 1 "${BATS_TEST_TMPDIR}/times")" "$BATS_TEST_DESCRIPTION" >>"$TEST_CPU_LOG"
	fi
}

setup() {
	suite_setup
}

teardown() {
	suite_teardown
}
