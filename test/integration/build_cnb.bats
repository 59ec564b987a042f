#!/usr/bin/env bats
# bin/build's own contract (Buildpack API 0.10), without the lifecycle emulation: what it does with
# the layers directory and the platform directory it is given, before any build starts. The
# lifecycle always gives a writable CNB_LAYERS_DIR; a platform that does not (or a user who runs
# bin/build by hand) gets its usage line, exit 1 and nothing written, as bin/compile's arguments do.

bats_require_minimum_version 1.5.0

setup() {
	load ../helpers/test_helper
	ROOT="$(mktemp -d "${TMPDIR:-/tmp}/pybuildpack-build-cnb.XXXXXX")"
	chmod 755 "$ROOT"
	APP="${ROOT}/app"
	PLATFORM="${ROOT}/platform"
	mkdir -p "$APP" "${PLATFORM}/env"
	printf 'six==1.16.0\n' >"${APP}/requirements.txt"
	USAGE="Error: Usage: bin/build, run by a CNB lifecycle: CNB_LAYERS_DIR must name a writable directory"
}

teardown() {
	rm -rf -- "${ROOT:?}"
}

# cnb_build_as USER VAR=VALUE... [-- ARG...]: bin/build run as the lifecycle runs it (in the app's
# directory, with only the lifecycle's variables: clear-env), as USER (root or nobody).
cnb_build_as() {
	local user="$1" vars=()
	shift
	while (($#)) && [[ "$1" != -- ]]; do
		vars+=("$1")
		shift
	done
	[[ "${1:-}" != -- ]] || shift
	local as=()
	[[ "$user" == root ]] || as=(setpriv --reuid="$user" --regid=nogroup --clear-groups)
	cd "$APP" && "${as[@]}" env -i PATH="$PATH" HOME="$ROOT" CNB_PLATFORM_DIR="$PLATFORM" \
		CNB_TARGET_OS=linux CNB_TARGET_ARCH=amd64 "${vars[@]}" "${BUILDPACK_DIR}/bin/build" "$@"
}

# assert_usage NAMED: the usage line, naming NAMED as the directory it was given; exit 1
assert_usage() {
	assert_failure 1
	assert_output_contains "${USAGE} ('$1')"
	refute_output_contains "Internal error"
}

@test "CNB: bin/build with no layers directory (no CNB_* variable and no argument, empty, missing, a file) fails with its usage line" {
	run cnb_build_as root
	assert_usage ""
	run cnb_build_as root CNB_LAYERS_DIR= -- "" "" ""
	assert_usage ""
	run cnb_build_as root CNB_LAYERS_DIR="${ROOT}/missing"
	assert_usage "${ROOT}/missing"
	[[ ! -e "${ROOT}/missing" ]] || fail "bin/build made the missing layers directory"
	printf 'x\n' >"${ROOT}/a-file"
	run cnb_build_as root CNB_LAYERS_DIR="${ROOT}/a-file"
	assert_usage "${ROOT}/a-file"
	# The deprecated positional argument, when no CNB_* variable is set, is checked the same way.
	run cnb_build_as root -- "${ROOT}/missing" "$PLATFORM" /dev/null
	assert_usage "${ROOT}/missing"
	[[ -z "$(ls -A "$APP" | grep -v '^requirements.txt$')" ]] || fail "bin/build wrote into the app" "$(ls -A "$APP")"
}

@test "CNB: bin/build run as the build user with a layers directory it can't write fails with its usage line, writing nothing" {
	mkdir -p "${ROOT}/layers"
	chmod 755 "${ROOT}/layers"
	run cnb_build_as nobody CNB_LAYERS_DIR="${ROOT}/layers"
	assert_usage "${ROOT}/layers"
	[[ -z "$(ls -A "${ROOT}/layers")" ]] || fail "bin/build wrote into the layers directory" "$(ls -A "${ROOT}/layers")"
	# The same directory, made the build user's, is accepted: the build starts (and stops at the
	# runtime, as its mirror is an empty directory).
	chown nobody "${ROOT}/layers"
	mkdir -p "${ROOT}/no-mirror"
	printf 'file://%s/no-mirror' "$ROOT" >"${PLATFORM}/env/BUILDPACK_MIRROR_URL"
	run cnb_build_as nobody CNB_LAYERS_DIR="${ROOT}/layers"
	refute_output_contains "$USAGE"
	assert_output_contains "-----> Python"
}
