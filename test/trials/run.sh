#!/usr/bin/env bash
# The bad-input trials (test/trials/README.md: what they are, the tables of each round). Not run by
# `make test`: a whole run takes an hour or more, and reads the package index.
#
# Usage: MODE=classic|cnb test/trials/run.sh [ID...]     (no ID: every trial)
#   MODE=classic  each build is bin/compile APP CACHE_DIR ENV_DIR (as root)
#   MODE=cnb      each build is test/cnb/lifecycle.py build (bin/detect and bin/build as nobody,
#                 config vars in PLATFORM/env, the cache in the emulation's STATE; lib.sh's header)
#   TRIALS_WORK   the work directory (default /tmp/pybuildpack-trials-MODE): run/ID/ holds each
#                 trial's app, outputs (out.N, out.next) and cache; results.tsv one row per trial
#                 (id, exit, first line, next good build, notes)
#   BP            the buildpack (default: this checkout), TRIALS_MIRROR its mirror URL (default
#                 file://BP/.mirror, as `make mirror` makes it), TRIALS_TOOLS uv, poetry, pipenv
#                 (default BP/.tools/bin)
# Builds run one at a time (a lock), under nice. Some trials mount file systems or switch users:
# run as root, on a machine you can spare. The servers a trial needs are its own, on 127.0.0.1;
# packages come from the index of pip's configuration.
set -u
# shellcheck source=test/trials/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for f in "$TRIALS_DIR"/trials-*.sh; do
	# shellcheck source=/dev/null
	source "$f"
done
# shellcheck source=test/trials/prepare.sh
source "$TRIALS_DIR/prepare.sh"
prepare
if (($# == 0)); then
	mapfile -t ids < <(all_trials)
	set -- "${ids[@]}"
fi
run_trials "$@"
