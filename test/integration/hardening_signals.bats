#!/usr/bin/env bats
# Hardening: signals and killed builds.

# setup and teardown come from the helper, shared by every hardening suite.
load ../helpers/hardening

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

@test "killed builds' work directories are removed by the next build, a running build's kept" {
	local tmp="${BATS_TEST_TMPDIR}/tmp" dead
	mkdir -p "${tmp}/pybuildpack.gone" "${tmp}/pybuildpack.running"
	bash -c 'exit 0' &
	dead=$!
	wait "$dead"
	echo "$dead" >"${tmp}/pybuildpack.gone/pid"
	echo "$$" >"${tmp}/pybuildpack.running/pid"
	compile_app TMPDIR="$tmp"
	assert_success
	[[ ! -e "${tmp}/pybuildpack.gone" ]] || fail "the killed build's work directory is still there"
	[[ -e "${tmp}/pybuildpack.running" ]] || fail "a running build's work directory was removed"
}
