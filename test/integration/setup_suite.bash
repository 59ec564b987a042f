#!/usr/bin/env bash
# Run by bats once per run of the integration suites (a whole run or one file), before any test:
# the run's bytecode seed (helpers/seed.bash), which each test's new app starts its cache with;
# after the last, the check that no test changed it.

setup_suite() {
	BATS_TEST_DIRNAME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
	# shellcheck source=test/helpers/test_helper.bash
	source "${BATS_TEST_DIRNAME}/../helpers/test_helper.bash"
	seed_build
}

# After the run's last test: the seed, linked into every test's cache, unchanged (seed.bash).
teardown_suite() {
	seed_check
}
