#!/usr/bin/env bats
# Signals and killed builds: SIGTERM and SIGKILL stop everything a build started, and what a
# killed build leaves is removed by the next.

load ../helpers/suite

# Each test starts from an app with no dependencies yet, on Python 3.13.
setup() {
	suite_setup
	plain_app
}

@test "signals: SIGTERM stops the build and everything it started, and the report says why" {
	mkdir -p "${BUILD_DIR}/bin"
	printf 'sleep 37\necho done >hook-finished.txt\n' >"${BUILD_DIR}/bin/pre_compile"
	env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" \
		"${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR" >"${BATS_TEST_TMPDIR}/build.log" 2>&1 &
	local build=$! status=0
	local _
	for _ in $(seq 1 100); do
		grep -q "Running bin/pre_compile" "${BATS_TEST_TMPDIR}/build.log" && break
		sleep 0.1
	done
	sleep 0.5
	kill -TERM "$build"
	wait "$build" || status=$?
	assert_equal "$status" 143
	grep -q "The build was stopped (SIGTERM)" "${BATS_TEST_TMPDIR}/build.log" || fail "the log does not say the build was stopped"
	sleep 1
	! pgrep -f "sleep 37" >/dev/null || fail "the hook outlived the build" "$(pgrep -af 'sleep 37')"
	[[ ! -e "${BUILD_DIR}/hook-finished.txt" ]]
	run bash -c "'${BUILDPACK_DIR}/bin/report' '$BUILD_DIR' '$CACHE_DIR' | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[\"status\"], d[\"failed_step\"], d[\"failure_reason\"])'"
	assert_equal "$output" "failed setup build::signal"
}

# kill_build_when FILE [COMMAND]: start bin/COMMAND (compile) in the background, wait for FILE to
# exist, then SIGKILL bin/COMMAND alone; the processes that were below it then, in STARTED. Right
# after the kill another build starts in the same TMPDIR (its dirs::work_dir sweeps killed builds'
# work directories), as on a machine that builds several apps at once: the killed build's
# watchdog must still stop what it started.
kill_build_when() {
	local tmp="${BATS_TEST_TMPDIR}/tmp"
	mkdir -p "$tmp"
	env -u STACK TMPDIR="$tmp" BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" \
		"${BUILDPACK_DIR}/bin/${2:-compile}" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR" >"${BATS_TEST_TMPDIR}/build.log" 2>&1 &
	local build=$! _
	for _ in $(seq 1 600); do
		[[ -e "$1" ]] && break
		sleep 0.1
	done
	[[ -e "$1" ]] || fail "the build never got there" "$(cat "${BATS_TEST_TMPDIR}/build.log")"
	mapfile -t STARTED < <(signals::descendants "$build")
	kill -KILL "$build"
	wait "$build" || true
	load_lib dirs
	rm -rf -- "$(TMPDIR="$tmp" dirs::work_dir)"
}

# assert_all_stopped: none of STARTED runs any more (within 5 s).
assert_all_stopped() {
	local _ pid alive=()
	for _ in $(seq 1 50); do
		alive=()
		for pid in "${STARTED[@]}"; do
			! signals::running "$pid" || alive+=("$pid")
		done
		((${#alive[@]} == 0)) && return 0
		sleep 0.1
	done
	fail "these outlived bin/compile's SIGKILL:" "$(ps -o pid,args -p "$(
		IFS=,
		echo "${alive[*]}"
	)")"
}

# The next build also removes killed builds' work directories and keeps a running build's (the
# policy: test/unit/dirs.bats).
@test "signals: SIGKILL to bin/compile alone stops what it started (a hook; the core, uv and a build), and the next build runs at once, removes killed builds' work directories and keeps a running build's" {
	load_lib signals
	mkdir -p "${BUILD_DIR}/bin"
	printf 'touch %q\nsleep 30\necho done >hook-finished.txt\n' "${BATS_TEST_TMPDIR}/hook.started" >"${BUILD_DIR}/bin/pre_compile"
	kill_build_when "${BATS_TEST_TMPDIR}/hook.started"
	((${#STARTED[@]} > 0)) || fail "no process below bin/compile"
	assert_all_stopped
	[[ ! -e "${BUILD_DIR}/hook-finished.txt" ]]

	# While uv builds a package (its setup.py takes 30 s): the core, uv and the build stop too.
	rm -rf "${BUILD_DIR:?}/bin" "${BUILD_DIR}/.heroku" "${BUILD_DIR}/.profile.d"
	mkdir -p "${BUILD_DIR}/slowpkg"
	printf 'import pathlib, time\npathlib.Path(%s).touch()\ntime.sleep(30)\nfrom setuptools import setup\nsetup(name="slowpkg", version="1.0")\n' \
		"'${BATS_TEST_TMPDIR}/setup.started'" >"${BUILD_DIR}/slowpkg/setup.py"
	printf './slowpkg\n' >"${BUILD_DIR}/requirements.txt"
	rm -f "${ENV_DIR}/BUILDPACK_INSTALLER" # (uv, the default, whatever TEST_INSTALLER says)
	kill_build_when "${BATS_TEST_TMPDIR}/setup.started"
	grep -q "Installing with uv" "${BATS_TEST_TMPDIR}/build.log" || fail "not uv" "$(cat "${BATS_TEST_TMPDIR}/build.log")"
	assert_all_stopped

	rm -rf "${BUILD_DIR}/.heroku" "${BUILD_DIR}/.profile.d" "${BUILD_DIR}/slowpkg"
	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	# a work directory left by a build that is gone, and one of a build that runs
	local tmp="${BATS_TEST_TMPDIR}/tmp" dead
	mkdir -p "${tmp}/pybuildpack.gone" "${tmp}/pybuildpack.running"
	bash -c 'exit 0' &
	dead=$!
	wait "$dead"
	echo "$dead" >"${tmp}/pybuildpack.gone/pid"
	echo "$$" >"${tmp}/pybuildpack.running/pid"
	local started="$SECONDS"
	compile_app TMPDIR="$tmp"
	assert_success
	refute_output_contains "Another build has held the build cache"
	((SECONDS - started < 60)) || fail "the next build took $((SECONDS - started)) s"
	assert_equal "$(installed_set)" "packaging==26.3 pip==26.3 setuptools==84.2.1 six==1.17.0 wheel==0.48.0"
	[[ ! -e "${tmp}/pybuildpack.gone" ]] || fail "the killed build's work directory is still there"
	[[ -e "${tmp}/pybuildpack.running" ]] || fail "a running build's work directory was removed"
}

@test "signals: SIGKILL to bin/test-compile alone stops what it started (the core installing the test requirements)" {
	load_lib signals
	mkdir -p "${BUILD_DIR}/slowpkg"
	printf 'import pathlib, time\npathlib.Path(%s).touch()\ntime.sleep(30)\nfrom setuptools import setup\nsetup(name="slowpkg", version="1.0")\n' \
		"'${BATS_TEST_TMPDIR}/setup.started'" >"${BUILD_DIR}/slowpkg/setup.py"
	printf './slowpkg\n' >"${BUILD_DIR}/requirements-test.txt"
	kill_build_when "${BATS_TEST_TMPDIR}/setup.started" test-compile
	((${#STARTED[@]} > 0)) || fail "no process below bin/test-compile"
	assert_all_stopped
}
