#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib
}

@test "a step starts with an arrow, details are indented 7 spaces" {
	run output::step "Installing python-3.13.5"
	assert_equal "$output" "-----> Installing python-3.13.5"
	run output::info "first" "second"
	assert_equal "$output" "       first
       second"
	run bash -c "printf 'a\nb\n' | { source '${BUILDPACK_DIR}/lib/output.sh'; output::use_redactor python3 '${BUILDPACK_DIR}/lib'; output::indent; }"
	assert_equal "$output" "       a
       b"
}

@test "errors are ' !     ' blocks on stderr and output::fail exits 1" {
	run bash -c "source '${BUILDPACK_DIR}/lib/output.sh'; output::fail 'It broke' 'Where: x:1' '' 'Fix it.' 2>&1 >/dev/null"
	assert_failure 1
	assert_output_contains " !     Error: It broke" " !     Where: x:1" " !     Fix it."
	run bash -c "source '${BUILDPACK_DIR}/lib/output.sh'; output::warning 'Careful' 2>/dev/null"
	assert_equal "$output" ""
}

@test "the timer summary names every step" {
	timer::start "one"
	timer::start "two"
	run timer::summary
	assert_output_contains "-----> Done in" "one " "two "
}

@test "the timers count whole tenths of a second, rounded, and the total is their sum" {
	timer::_now
	[[ "$TIMER_NOW" =~ ^[0-9]{16}$ ]] || fail "not microseconds: ${TIMER_NOW}"
	local shell="$TIMER_NOW" by_date
	by_date="$(unset EPOCHREALTIME && timer::_now && echo "$TIMER_NOW")" # (a shell without it: date's)
	[[ "$by_date" =~ ^[0-9]{16}$ ]] && ((by_date - shell >= 0 && by_date - shell < 30000000)) ||
		fail "date's microseconds ${by_date} against the shell's ${shell}"
	TIMER_CURRENT=one
	TIMER_STARTED_US=$((TIMER_NOW - 1260000))
	timer::stop
	[[ "${TIMER_SECONDS[0]}" =~ ^1\.[3-9]$ ]] || fail "1.26 s and a little more was ${TIMER_SECONDS[0]}"
	TIMER_NAMES=(setup dependencies cache)
	TIMER_SECONDS=(0.4 12.0 85.3)
	run timer::summary
	assert_equal "$output" "-----> Done in 97.7s (setup 0.4s, dependencies 12.0s, cache 85.3s)"
	timer::start two
	[[ "$TIMER_STARTED" =~ ^[0-9]{10}\.[0-9]{6}$ ]] || fail "the core's start time: ${TIMER_STARTED}"
}

@test "an internal error prints a stack trace" {
	run bash -c "source '${BUILDPACK_DIR}/lib/output.sh'; f() { output::internal_error 3 'false'; }; f 2>&1"
	assert_output_contains "Internal error in the Python buildpack (exit status 3)" "Command: false" "at f ("
}

@test "indented tool output hides credentials in URLs, with the core's one redactor" {
	run bash -c "source '${BUILDPACK_DIR}/lib/output.sh'; output::use_redactor python3 '${BUILDPACK_DIR}/lib'; printf '%s\n' \
		'db postgres://app:s3cret@db.internal:5432/x' 'git+https://ghp_0123456789abcdefXYZ@example.test/r.git' \
		'plain https://example.test/a@b and user@host' 'https://:patT0ken@example.test/simple' \
		'https://me:p@ss@example.test/simple' | output::indent"
	assert_success
	assert_equal "$output" "       db postgres://app:****@db.internal:5432/x
       git+https://****@example.test/r.git
       plain https://example.test/a@b and user@host
       https://:****@example.test/simple
       https://me:****@example.test/simple"
}

@test "without the core nothing is indented unredacted: output::indent refuses" {
	run bash -c "source '${BUILDPACK_DIR}/lib/output.sh'; echo 'https://u:secret@h/' | output::indent"
	assert_failure 70
	refute_output_contains "secret"
}

@test "output::fail REASON records the build's first failure reason" {
	OUTPUT_FAILURE_FILE="${BATS_TEST_TMPDIR}/failure"
	run output::fail "hooks::pre-compile" "The hook failed" "details"
	assert_failure 1
	assert_output_contains " !     Error: The hook failed" " !     details"
	refute_output_contains "hooks::pre-compile"
	run output::fail "internal-error::bash" "A later failure"
	assert_equal "$(cat "$OUTPUT_FAILURE_FILE")" "hooks::pre-compile
The hook failed"
}
