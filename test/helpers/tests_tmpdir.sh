#!/usr/bin/env bash
# Prints where the integration suites put their trees (TMPDIR): a directory on /dev/shm when it is
# a tmpfs with at least 8 GiB free (each test removes its trees when it ends, so a few at a time are
# there), else TMPDIR or /tmp. The suites' builds create and remove tens of thousands of files;
# on a disk such as this machine's ext4 without a journal, removing them slows every later file
# creation, and bats' removal of the whole run at its end took about a minute.
set -euo pipefail
shm=/dev/shm
if [[ "$(stat -f -c %T "$shm" 2>/dev/null)" == tmpfs ]] &&
	(($(df -P -k "$shm" | awk 'NR == 2 { print $4 }') >= 8 * 1024 * 1024)); then
	dir="${shm}/pybuildpack-tests"
	mkdir -p -- "$dir"
	echo "$dir"
else
	echo "${TMPDIR:-/tmp}"
fi
