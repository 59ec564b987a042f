#!/usr/bin/env bash
# Fault injection for the test suite: BUILDPACK_TEST_KILL_AT=POINT makes bin/compile kill itself
# with SIGKILL when it reaches POINT (see also lib/pybuildpack/faults.py).

faults::checkpoint() {
	if [[ "${BUILDPACK_TEST_KILL_AT:-}" == "$1" ]]; then
		kill -KILL "$$" "$BASHPID"
	fi
}
