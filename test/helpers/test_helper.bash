#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2153,SC2154 # variables shared with the bats files that load this
# Shared setup and assertions for the bats suites.

BUILDPACK_DIR="$(cd "${BATS_TEST_DIRNAME}/../.." && pwd)"
export BUILDPACK_DIR
MIRROR_DIR="${MIRROR_DIR:-${BUILDPACK_DIR}/.mirror}"
FIXTURES="${BUILDPACK_DIR}/test/fixtures"
# shellcheck source=test/helpers/seed.bash
source "${BUILDPACK_DIR}/test/helpers/seed.bash"
# The marker that says /app was made by a test (and may be removed by one).
APP_MARKER=".pybuildpack-test-slug"

# load_lib NAME...: source lib/NAME.sh (output.sh is always loaded first).
load_lib() {
	# shellcheck source=lib/output.sh
	source "${BUILDPACK_DIR}/lib/output.sh"
	local name
	for name in "$@"; do
		# shellcheck disable=SC1090
		source "${BUILDPACK_DIR}/lib/${name}.sh"
	done
}

fail() {
	printf '%s\n' "$@" >&2
	return 1
}

assert_success() {
	if [[ "$status" -ne 0 ]]; then
		fail "expected success, got exit status ${status}" "--- output:" "$output"
	fi
}

# assert_failure [STATUS]
assert_failure() {
	if [[ "$status" -eq 0 ]]; then
		fail "expected failure, got success" "--- output:" "$output"
	fi
	if [[ -n "${1:-}" && "$status" -ne "$1" ]]; then
		fail "expected exit status $1, got ${status}" "--- output:" "$output"
	fi
}

assert_output_contains() {
	local expected
	for expected in "$@"; do
		if [[ "$output" != *"$expected"* ]]; then
			fail "expected the output to contain: ${expected}" "--- output:" "$output"
		fi
	done
}

# installed_set [DIR]: the one reader of the installed set: "name==version" of every distribution in
# the environment of the slug in DIR (BUILD_DIR by default), as python finds it in a dyno (.profile.d
# sourced), sorted, the names normalized as pip and uv normalize them. Prints; sets no $output.
installed_set() {
	# shellcheck disable=SC2016 # expanded by the dyno's shell
	env -i HOME="${1:-$BUILD_DIR}" PATH=/usr/local/bin:/usr/bin:/bin bash -c "$DYNO_SHELL" _ 'python -c "$2"' '
import importlib.metadata as m, re
print(" ".join(sorted(re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() + "==" + d.version for d in m.distributions())))'
}

# assert_installed NAME[==VERSION]...: each is in the slug's installed set (installed_set; names
# compared as pip and uv normalize them; VERSION may end in .* for any release of a series).
assert_installed() {
	local wanted name version have
	have="$(installed_set | tr ' ' '\n')"
	for wanted in "$@"; do
		name="$(python3 -c 'import re, sys; print(re.sub(r"[-_.]+", "-", sys.argv[1]).lower())' "${wanted%%==*}")"
		version="${wanted#"${wanted%%==*}"}"
		version="${version#==}"
		if ! awk -v name="$name" -v version="$version" '
			BEGIN { found = 1 }
			{ split($0, part, "==") }
			part[1] == name && (version == "" || part[2] == version ||
				(version ~ /\.\*$/ && index(part[2], substr(version, 1, length(version) - 1)) == 1)) { found = 0 }
			END { exit found }' <<<"$have"; then
			fail "expected ${wanted} in the slug's environment; it holds:" "$have" "--- output:" "$output"
		fi
	done
}

# installs: which engine installed each step of the last build, from bin/report's "installs", one
# "step: engine" per line.
installs() {
	"${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR" |
		python3 -c 'import json, sys
for item in json.load(sys.stdin).get("installs", []):
    print(item["step"] + ": " + item["engine"])'
}

refute_output_contains() {
	local unexpected
	for unexpected in "$@"; do
		if [[ "$output" == *"$unexpected"* ]]; then
			fail "expected the output not to contain: ${unexpected}" "--- output:" "$output"
		fi
	done
}

assert_equal() {
	if [[ "$1" != "$2" ]]; then
		fail "expected: $2" "actual:   $1"
	fi
}

# new_app FIXTURE [DIRNAME]: copy a fixture app to a fresh build directory; sets BUILD_DIR,
# CACHE_DIR and ENV_DIR. The test's CACHE_DIR, when new, holds the run's seed (seed.bash: the
# bytecode store, the core, the 3.13 runtime and uv; cold_runtime takes the last two out).
new_app() {
	local fixture="$1" dirname="${2:-build}"
	BUILD_DIR="${BATS_TEST_TMPDIR}/${dirname}"
	CACHE_DIR="${BATS_TEST_TMPDIR}/cache"
	ENV_DIR="${BATS_TEST_TMPDIR}/env"
	rm -rf -- "$BUILD_DIR"
	[[ -e "$CACHE_DIR" ]] || seed_cache "$CACHE_DIR"
	mkdir -p -- "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
	cp -a -- "${FIXTURES}/${fixture}/." "$BUILD_DIR/"
	# the engine of this run, or of a test (TEST_INSTALLER=pip: the "pip engine: ..." tests, or a whole run)
	if [[ -n "${TEST_INSTALLER:-}" ]]; then
		printf '%s' "$TEST_INSTALLER" >"${ENV_DIR}/BUILDPACK_INSTALLER"
	fi
}

# cold_runtime: the test's cache without the runtime and uv that the run's seed put in it
# (seed.bash): its next build downloads, checks and unpacks them itself, as a first build does.
cold_runtime() {
	local entry
	for entry in "${SEED_RUNTIME_ENTRIES[@]}"; do
		rm -rf -- "${CACHE_DIR:?}/python/${entry}"
	done
}

# engine: the install engine the tests of this run build with (uv, the default, or pip).
engine() {
	echo "${TEST_INSTALLER:-uv}"
}

# compile_app [ARGS for env...]: run bin/compile on BUILD_DIR with the local mirror, off Heroku.
compile_app() {
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "$@" \
		"${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
}

# test_compile_app [ARGS for env...]: run bin/test-compile (Heroku CI's build) as compile_app runs
# bin/compile.
test_compile_app() {
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "$@" \
		"${BUILDPACK_DIR}/bin/test-compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
}

# app_sources DEST: a fresh checkout of the app in BUILD_DIR, at DEST: its files without the last
# build's .heroku and .profile.d (never copied, then removed: about 0.1 s of CPU a checkout).
app_sources() {
	rm -rf -- "$1" && mkdir -- "$1"
	find "$BUILD_DIR" -mindepth 1 -maxdepth 1 ! -name .heroku ! -name .profile.d -exec cp -a -t "$1" -- {} +
	chown --reference="$BUILD_DIR" -- "$1" && chmod --reference="$BUILD_DIR" -- "$1"
}

# rebuild [ARGS for env...]: build the same app again from its sources, as a platform does: a fresh
# checkout (app_sources), the same cache.
rebuild() {
	local sources="${BATS_TEST_TMPDIR}/sources"
	app_sources "$sources"
	rm -rf "$BUILD_DIR" && mv "$sources" "$BUILD_DIR"
	compile_app "$@"
}

# plain_app [DIRNAME]: new_app of an app with no dependencies yet (no-deps), on Python 3.13.
plain_app() {
	new_app no-deps "$@"
	printf '3.13\n' >"${BUILD_DIR}/.python-version"
}

require_mirror() {
	if [[ ! -f "${MIRROR_DIR}/index.txt" ]]; then
		fail "No mirror at ${MIRROR_DIR}: run 'make mirror' first."
	fi
}

# sbom_check COMMAND ARGS...: test/helpers/sbom_check.py (validate, independent, show) run by the
# test tools' python, which has CycloneDX's schema validator and cyclonedx-py.
sbom_check() {
	"${BUILDPACK_DIR}/.tools/bin/python" "${BUILDPACK_DIR}/test/helpers/sbom_check.py" "$@"
}

# mirror_archive NAME VERSION: the file name of an archive of the mirror for this machine's platform
# (NAME-VERSION-STACK-ARCH.tar.zst), in ARCHIVE_NAME, and its path in MIRROR_DIR, in ARCHIVE; fails
# with the way to build it when it or its .sha256 is missing.
mirror_archive() {
	ARCHIVE_NAME="$(bash "${BUILDPACK_DIR}/lib/platform.sh" archive-name "$1" "$2")"
	ARCHIVE="${MIRROR_DIR}/${ARCHIVE_NAME}"
	if [[ ! -f "$ARCHIVE" || ! -f "${ARCHIVE}.sha256" ]]; then
		fail "archive missing: ${ARCHIVE} (and/or its .sha256)" \
			"build the mirror first: make mirror   (or: bash builds/mirror.sh ${MIRROR_DIR})"
	fi
}

# slug_to_app: move the built slug to /app, as Heroku does. /app must not exist (or be a test's).
# Tests that run in parallel (bats --jobs) take turns: the turn is held until cleanup_app, and only
# for what needs /app. The slug is first moved beside /app (a copy, from the tests' tmpfs to /'s
# disk) before the turn is taken, then renamed in it: /app is never half there.
slug_to_app() {
	touch "${BUILD_DIR}/${APP_MARKER}"
	local staging
	staging="$(mktemp -d /app-new.XXXXXX)"
	mv -- "$BUILD_DIR" "${staging}/app"
	exec {APP_LOCK_FD}>/tmp/pybuildpack-test-app.lock
	APP_LOCK_ASKED="$(date +%s.%N)"
	flock "$APP_LOCK_FD"
	APP_LOCK_TAKEN="$(date +%s.%N)"
	if [[ -e /app && ! -f "/app/${APP_MARKER}" ]]; then
		rm -rf -- "$staging"
		fail "/app exists and was not made by a test; refusing to touch it"
	fi
	[[ ! -e /app ]] || remove_app
	mv -- "${staging}/app" /app
	rmdir -- "$staging"
}

# remove_app: /app renamed away at once, then removed: never half there. (A runtime's build-time
# configuration names /app/.heroku/python: setuptools compiles a parallel test's C extension
# against /app's Python headers while /app exists, and failed on a half-removed or half-copied
# one.)
remove_app() {
	local gone
	gone="$(mktemp -d /app-gone.XXXXXX)" # (beside /app: a rename, not a copy across filesystems)
	mv -- /app "${gone}/app"
	rm -rf -- "$gone"
}

# cleanup_app: /app renamed away, the turn given back, then what was /app removed (thousands of
# files on /'s disk: seconds that no other test waits for). TEST_LOCK_LOG=FILE: a line per turn
# (when it was asked for, taken and given back, in seconds since the epoch, and the test's name):
# the part of a run that is serial.
cleanup_app() {
	if [[ -n "${APP_LOCK_FD:-}" ]]; then
		local gone=""
		if [[ -f "/app/${APP_MARKER}" ]]; then
			gone="$(mktemp -d /app-gone.XXXXXX)"
			mv -- /app "${gone}/app"
		fi
		exec {APP_LOCK_FD}>&-
		APP_LOCK_FD=""
		if [[ -n "${TEST_LOCK_LOG:-}" ]]; then
			printf '%s\t%s\t%s\t%s\n' "$APP_LOCK_ASKED" "$APP_LOCK_TAKEN" "$(date +%s.%N)" "$BATS_TEST_DESCRIPTION" >>"$TEST_LOCK_LOG"
		fi
		if [[ -n "$gone" ]]; then
			rm -rf -- "$gone"
		fi
	fi
}

# memory_cgroup NAME LIMIT: a real cgroup v1 memory group, NAME (a/b nests b in a) under a group of
# this test's own, with LIMIT (bytes, or -1 for none) in memory.limit_in_bytes; its path in CGROUP.
# remove_cgroups (in teardown) removes every group made. Returns 1, with the reason in
# CGROUP_UNAVAILABLE, on a machine whose memory controller can't be written.
CGROUPS=()
memory_cgroup() {
	local root="/sys/fs/cgroup/memory/pybuildpack-test-$$-${BATS_TEST_NUMBER}" part
	CGROUP_UNAVAILABLE="no writable cgroup v1 memory controller on this machine"
	[[ -w /sys/fs/cgroup/memory ]] || return 1
	CGROUP="$root"
	for part in "" ${1//\// }; do
		CGROUP="${CGROUP}${part:+/${part}}"
		if [[ ! -d "$CGROUP" ]]; then
			mkdir "$CGROUP" 2>/dev/null || return 1
			CGROUPS+=("$CGROUP")
		fi
	done
	echo "$2" >"${CGROUP}/memory.limit_in_bytes" || return 1
	CGROUP_UNAVAILABLE=""
}

remove_cgroups() {
	local i tries
	for ((i = ${#CGROUPS[@]} - 1; i >= 0; i--)); do
		for ((tries = 0; tries < 50; tries++)); do
			rmdir "${CGROUPS[i]}" 2>/dev/null && break
			[[ -d "${CGROUPS[i]}" ]] || break
			sleep 0.1
		done
	done
	CGROUPS=()
}

# DYNO_SHELL: bash -c text that starts as a dyno does (in $HOME, .profile.d sourced), then evals $1.
# shellcheck disable=SC2016 # expanded by that shell
DYNO_SHELL='cd "$HOME" && for f in .profile.d/*.sh; do . "$f"; done && eval "$1"'

# in_slug DIR COMMAND: run COMMAND as a dyno would: clean environment, cwd DIR, .profile.d sourced.
in_slug() {
	local dir="$1" command="$2"
	run env -i HOME="$dir" PATH=/usr/local/bin:/usr/bin:/bin bash -c "$DYNO_SHELL" _ "$command"
}
