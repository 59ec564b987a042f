#!/usr/bin/env bats
# Bad input, faults and attacks (issue 13): each defect found by trying them, kept fixed.

setup() {
	load ../helpers/test_helper
	require_mirror
	new_app no-deps
	printf '3.13\n' >"${BUILD_DIR}/.python-version"
}

teardown() {
	cleanup_app
}

@test "hashes: a wrong --hash fails a warm build as it fails a cold one, and the cache stays usable" {
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	printf 'six==1.16.0 --hash=sha256:%064d\n' 0 >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	assert_output_contains "hash-checked requirements are installed afresh" "DO NOT MATCH THE HASHES"
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
}

@test "config vars: none can set the buildpack's internals (BUILDPACK_DIR, test fault hooks, pip's allow-list)" {
	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	sleep 300 &
	local bystander=$!
	printf '%s' "${BATS_TEST_TMPDIR}/elsewhere" >"${ENV_DIR}/BUILDPACK_DIR"
	printf 'install' >"${ENV_DIR}/BUILDPACK_TEST_KILL_AT"
	printf '%s' "$bystander" >"${ENV_DIR}/BUILDPACK_COMPILE_PID"
	printf 'PIP_FIND_LINKS' >"${ENV_DIR}/BUILDPACK_PIP_CONFIG_VARS"
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app PIP_FIND_LINKS="${BATS_TEST_TMPDIR}/machine-links"
	assert_success
	refute_output_contains "Looking in links" "machine-links"
	kill -0 "$bystander" || fail "a config var killed an unrelated process"
	kill "$bystander"
	[[ ! -e "${BATS_TEST_TMPDIR}/elsewhere" ]]
}

@test "paths: a .heroku or .profile.d symlink out of the app is refused, and nothing outside is touched" {
	local victim="${BATS_TEST_TMPDIR}/victim" entry
	for entry in .heroku .profile.d; do
		rm -rf "$victim" && mkdir -p "${victim}/python" && echo keep >"${victim}/python/precious.txt"
		ln -sfn "$victim" "${BUILD_DIR}/${entry}"
		compile_app
		assert_failure 1
		assert_output_contains "The app has a ${entry} that is not a directory" "git rm ${entry}"
		assert_equal "$(cat "${victim}/python/precious.txt")" "keep"
		assert_equal "$(ls "$victim")" "python"
		rm "${BUILD_DIR}/${entry}"
	done
}

@test "paths: an empty CACHE_DIR, or one inside BUILD_DIR, is refused before anything is written" {
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "CACHE_DIR, is empty"
	[[ ! -e "${BUILD_DIR}/.heroku" ]]
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "${BUILD_DIR}/cache" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "CACHE_DIR is inside the build directory"
	[[ ! -e "${BUILD_DIR}/.heroku" ]]
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
	sleep 1
	! pgrep -f "sleep 37" >/dev/null || fail "the hook outlived the build" "$(pgrep -af 'sleep 37')"
	[[ ! -e "${BUILD_DIR}/hook-finished.txt" ]]
	run bash -c "'${BUILDPACK_DIR}/bin/report' '$BUILD_DIR' '$CACHE_DIR' | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[\"status\"], d[\"failed_step\"], d[\"failure_reason\"])'"
	assert_equal "$output" "failed setup build::signal"
}

@test "hooks: PATH, LD_PRELOAD and the like set as config vars don't reach bin/post_compile" {
	mkdir -p "${BUILD_DIR}/bin"
	printf 'python -c "import sys; print(\\"post_compile python:\\", sys.prefix)"\necho "preload=${LD_PRELOAD:-none}"\n' \
		>"${BUILD_DIR}/bin/post_compile"
	printf '/nowhere' >"${ENV_DIR}/PATH"
	printf '/nowhere/evil.so' >"${ENV_DIR}/LD_PRELOAD"
	compile_app
	assert_success
	assert_output_contains "post_compile python: ${BUILD_DIR}/.heroku/venv" "preload=none"
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
