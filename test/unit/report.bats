#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib report core
	REAL_BUILDPACK_DIR="$BUILDPACK_DIR"
	# A buildpack directory of the test's own: the fallback reports are written under it.
	BUILDPACK_DIR="${BATS_TEST_TMPDIR}/buildpack"
	mkdir -p "$BUILDPACK_DIR"
	CACHE_DIR="${BATS_TEST_TMPDIR}/cache"
	mkdir -p "${CACHE_DIR}/python"
}

# sha16 TEXT: the first 16 hex digits of TEXT's SHA-256, computed by Python.
sha16() {
	python3 -c 'import hashlib, sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest()[:16])' "$1"
}

@test "report::fallback_path is BUILDPACK_DIR/reports/ and a hash of CACHE_DIR: stable for one, different for two" {
	run report::fallback_path "$CACHE_DIR"
	assert_success
	assert_equal "$output" "${BUILDPACK_DIR}/reports/$(sha16 "$CACHE_DIR").json"
	assert_equal "$(report::fallback_path "$CACHE_DIR")" "$output"
	local other
	other="$(report::fallback_path "${BATS_TEST_TMPDIR}/cache2")"
	[[ "$other" != "$output" ]] || fail "two CACHE_DIRs share ${output}"
	assert_equal "$other" "${BUILDPACK_DIR}/reports/$(sha16 "${BATS_TEST_TMPDIR}/cache2").json"
	# Nothing is made by asking.
	[[ ! -e "${BUILDPACK_DIR}/reports" ]]
}

@test "report::path with a working cache: CACHE_DIR/python/report.json, and a stale fallback goes" {
	local fallback
	fallback="$(report::fallback_path "$CACHE_DIR")"
	mkdir -p "${fallback%/*}"
	printf '{"status": "failed"}\n' >"$fallback"
	printf '{}\n' >"$(report::fallback_path "${BATS_TEST_TMPDIR}/other-cache")"
	run report::path "$CACHE_DIR" "${CACHE_DIR}/python"
	assert_success
	assert_equal "$output" "${CACHE_DIR}/python/report.json"
	[[ ! -e "$fallback" ]] || fail "the stale fallback is still there"
	# Another cache's report is not touched.
	[[ -f "$(report::fallback_path "${BATS_TEST_TMPDIR}/other-cache")" ]]
	# No fallback, no reports directory: fine, and none made.
	rm -rf -- "${BUILDPACK_DIR}/reports"
	run report::path "$CACHE_DIR" "${CACHE_DIR}/python"
	assert_success
	assert_equal "$output" "${CACHE_DIR}/python/report.json"
	[[ ! -e "${BUILDPACK_DIR}/reports" ]]
}

@test "report::path without a working cache: the fallback, its directory made" {
	run report::path "$CACHE_DIR" "${BATS_TEST_TMPDIR}/work/throwaway-cache"
	assert_success
	assert_equal "$output" "$(report::fallback_path "$CACHE_DIR")"
	[[ -d "${BUILDPACK_DIR}/reports" ]] || fail "no reports directory"
	# A state directory that only starts like CACHE_DIR/python is not it.
	run report::path "$CACHE_DIR" "${CACHE_DIR}/python2"
	assert_equal "$output" "$(report::fallback_path "$CACHE_DIR")"
	run report::path "$CACHE_DIR" "${CACHE_DIR}"
	assert_equal "$output" "$(report::fallback_path "$CACHE_DIR")"
}

@test "report::path prints a path even when the buildpack's directory can't be written" {
	local file="${BATS_TEST_TMPDIR}/file"
	: >"$file"
	BUILDPACK_DIR="$file" run report::path "$CACHE_DIR" "${BATS_TEST_TMPDIR}/throwaway"
	assert_success
	assert_equal "$output" "${file}/reports/$(sha16 "$CACHE_DIR").json"
	BUILDPACK_DIR="$file" run report::path "$CACHE_DIR" "${CACHE_DIR}/python"
	assert_success
	assert_equal "$output" "${CACHE_DIR}/python/report.json"
}

@test "report::timers: the finished steps as NAME=SECONDS,..." {
	run report::timers
	assert_success
	assert_equal "$output" ""

	TIMER_NAMES=(setup prepare dependencies)
	TIMER_SECONDS=(0.4 12.0 85.3)
	run report::timers
	assert_equal "$output" "setup=0.4,prepare=12.0,dependencies=85.3"
}

@test "report::timers reads what timer::start and timer::stop record, not the step still running" {
	timer::start setup
	sleep 0.3
	timer::start prepare
	timer::stop
	timer::start finish
	run report::timers
	assert_success
	[[ "$output" =~ ^setup=([0-9]+\.[0-9]),prepare=[0-9]+\.[0-9]$ ]] || fail "not NAME=SECONDS,...: ${output}"
	awk -v s="${BASH_REMATCH[1]}" 'BEGIN { exit !(s >= 0.2 && s < 30) }' || fail "setup took ${BASH_REMATCH[1]}s?"
}

@test "the timers and the path reach the report the core writes, and bin/report prints it" {
	# A copy of bin/report and its library: it reads the fallbacks of its own directory.
	mkdir -p "${BUILDPACK_DIR}/bin" "${BUILDPACK_DIR}/lib"
	cp -- "${REAL_BUILDPACK_DIR}/bin/report" "${BUILDPACK_DIR}/bin/"
	cp -- "${REAL_BUILDPACK_DIR}/lib/report.sh" "${BUILDPACK_DIR}/lib/"
	local core="${BATS_TEST_TMPDIR}/core" work="${BATS_TEST_TMPDIR}/work" report
	BUILDPACK_DIR="$REAL_BUILDPACK_DIR" core::unpack python3 "$core"
	mkdir -p "$work"
	printf 'hooks::pre-compile\nThe hook failed\n' >"${work}/failure"
	TIMER_NAMES=(setup prepare)
	TIMER_SECONDS=(1.5 20.0)

	# finish: a failed build, with and without a working cache.
	finish() {
		core::run python3 "$core" finish --work "$work" --build "${BATS_TEST_TMPDIR}/build" \
			--app "${BATS_TEST_TMPDIR}/build" --buildpack "$BUILDPACK_DIR" --status 1 \
			--timers "$(report::timers)" --report "$1"
	}
	report="$(report::path "$CACHE_DIR" "${work}/throwaway-cache")"
	finish "$report"
	[[ "$report" == "${BUILDPACK_DIR}/reports/"*.json && -f "$report" ]] || fail "no report at ${report}"
	run "${BUILDPACK_DIR}/bin/report" "${BATS_TEST_TMPDIR}/build" "$CACHE_DIR"
	assert_success
	run python3 -c 'import json, sys
data = json.loads(sys.stdin.read())
print(data["status"], data["failure_reason"], data["steps_seconds"], data["total_seconds"])' <<<"$output"
	assert_equal "$output" "failed hooks::pre-compile {'prepare': 20.0, 'setup': 1.5} 21.5"

	# The cache works again: the report goes there and the stale fallback is gone.
	TIMER_NAMES+=(dependencies)
	TIMER_SECONDS+=(3.0)
	report="$(report::path "$CACHE_DIR" "${CACHE_DIR}/python")"
	finish "$report"
	assert_equal "$report" "${CACHE_DIR}/python/report.json"
	[[ ! -e "$(report::fallback_path "$CACHE_DIR")" ]]
	run "${BUILDPACK_DIR}/bin/report" "${BATS_TEST_TMPDIR}/build" "$CACHE_DIR"
	assert_success
	assert_output_contains '"dependencies": 3.0'
}
