#!/usr/bin/env bats
# lib/dirs.sh: the directories bin/compile is given, its work directory, the slug's reserved paths.

setup() {
	load ../helpers/test_helper
	load_lib slug dirs
	cd "$BATS_TEST_TMPDIR"
	mkdir -p app
}

@test "dirs::check_arguments makes BUILD_DIR, CACHE_DIR (made when missing) and ENV_DIR absolute" {
	BUILD_DIR=app CACHE_DIR=cache ENV_DIR=env
	dirs::check_arguments
	[[ "$BUILD_DIR" == "${BATS_TEST_TMPDIR}/app" ]] || fail "BUILD_DIR: $BUILD_DIR"
	[[ "$CACHE_DIR" == "$(cd "$BATS_TEST_TMPDIR" && pwd -P)/cache" && -d "$CACHE_DIR" ]] || fail "CACHE_DIR: $CACHE_DIR"
	[[ "$ENV_DIR" == "${BATS_TEST_TMPDIR}/env" ]] || fail "ENV_DIR: $ENV_DIR"
}

@test "dirs::check_arguments refuses a CACHE_DIR inside BUILD_DIR, an empty one, a missing or empty BUILD_DIR" {
	run bash -c 'source "$1/lib/output.sh"; source "$1/lib/slug.sh"; source "$1/lib/dirs.sh"
		BUILD_DIR=app CACHE_DIR=app/cache ENV_DIR=; dirs::check_arguments' _ "$BUILDPACK_DIR"
	assert_failure 1
	assert_output_contains "CACHE_DIR is inside the build directory"
	run bash -c 'source "$1/lib/output.sh"; source "$1/lib/slug.sh"; source "$1/lib/dirs.sh"
		BUILD_DIR=app CACHE_DIR= ENV_DIR=; dirs::check_arguments' _ "$BUILDPACK_DIR"
	assert_failure 1
	assert_output_contains "CACHE_DIR, is empty"
	run bash -c 'source "$1/lib/output.sh"; source "$1/lib/slug.sh"; source "$1/lib/dirs.sh"
		BUILD_DIR=nowhere CACHE_DIR=cache ENV_DIR=; dirs::check_arguments' _ "$BUILDPACK_DIR"
	assert_failure 1
	assert_output_contains "The build directory does not exist: nowhere"
	run bash -c 'source "$1/lib/output.sh"; source "$1/lib/slug.sh"; source "$1/lib/dirs.sh"
		BUILD_DIR= CACHE_DIR=cache ENV_DIR=; dirs::check_arguments' _ "$BUILDPACK_DIR"
	assert_failure 1
	assert_output_contains "bin/compile's first argument, BUILD_DIR, is empty"
}

@test "dirs::work_dir removes a killed build's work directory, keeps a running one's and one whose watchdog still works, and makes its own" {
	export TMPDIR="${BATS_TEST_TMPDIR}/tmp"
	mkdir -p "${TMPDIR}/pybuildpack.dead" "${TMPDIR}/pybuildpack.alive" "${TMPDIR}/pybuildpack.watched"
	sleep 60 &
	local alive=$!
	echo "$alive" >"${TMPDIR}/pybuildpack.alive/pid"
	bash -c 'exit 0' &
	local dead=$!
	wait "$dead"
	echo "$dead" >"${TMPDIR}/pybuildpack.dead/pid"
	# A killed build whose watchdog is still stopping what it started (signals::watchdog): kept,
	# or the watchdog, finding no directory, would take the build for one that ended cleanly.
	echo "$dead" >"${TMPDIR}/pybuildpack.watched/pid"
	echo "$alive" >"${TMPDIR}/pybuildpack.watched/watchdog"
	local work
	work="$(dirs::work_dir)"
	kill "$alive"
	[[ ! -e "${TMPDIR}/pybuildpack.dead" ]] || fail "the killed build's directory is still there"
	[[ -d "${TMPDIR}/pybuildpack.alive" ]] || fail "the running build's directory was removed"
	[[ -d "${TMPDIR}/pybuildpack.watched" ]] || fail "the watched build's directory was removed"
	[[ "$work" == "${TMPDIR}"/pybuildpack.* && "$(<"${work}/pid")" == "$$" ]] || fail "work dir: $work"
}

@test "dirs::check_reserved refuses a .heroku symlink or a .profile.d file, accepts directories" {
	mkdir -p app/.heroku app/.profile.d
	dirs::check_reserved app
	rm -r app/.heroku && ln -s /tmp app/.heroku
	run dirs::check_reserved app
	assert_failure 1
	assert_output_contains "The app has a .heroku that is not a directory"
	rm app/.heroku && rmdir app/.profile.d && touch app/.profile.d
	run dirs::check_reserved app
	assert_failure 1
	assert_output_contains "The app has a .profile.d that is not a directory"
}
