#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	FAULTS="${BUILDPACK_DIR}/lib/faults.sh"
}

# in_child POINT [KILL_AT]: run faults::checkpoint POINT in a child bash (BUILDPACK_TEST_KILL_AT
# set to KILL_AT when given), which then prints "survived".
in_child() {
	if (($# > 1)); then
		run env BUILDPACK_TEST_KILL_AT="$2" bash -c "source '${FAULTS}'; faults::checkpoint '$1'; echo survived"
	else
		run env -u BUILDPACK_TEST_KILL_AT bash -c "source '${FAULTS}'; faults::checkpoint '$1'; echo survived"
	fi
}

@test "the checkpoint named by BUILDPACK_TEST_KILL_AT kills the shell with SIGKILL" {
	in_child libraries libraries
	assert_failure 137
	refute_output_contains "survived"
	in_child dependencies dependencies
	assert_failure 137
}

@test "any other checkpoint, or no BUILDPACK_TEST_KILL_AT, lets the shell go on" {
	in_child dependencies libraries
	assert_success
	assert_equal "$output" "survived"
	in_child libraries
	assert_success
	assert_equal "$output" "survived"
	in_child libraries ""
	assert_success
	assert_equal "$output" "survived"
}

@test "the point must match exactly: no prefixes, no patterns" {
	local kill_at
	for kill_at in librar libraries2 'lib*' 'librar?es' ' libraries' 'LIBRARIES'; do
		in_child libraries "$kill_at"
		assert_success
		assert_equal "$output" "survived"
	done
	# Nor is the point a pattern.
	in_child 'lib*' libraries
	assert_success
	assert_equal "$output" "survived"
}

@test "a checkpoint in a subshell kills the whole script, and no EXIT trap runs" {
	run env BUILDPACK_TEST_KILL_AT=libraries bash -c "source '${FAULTS}'
trap 'echo cleanup ran' EXIT
( faults::checkpoint libraries; sleep 0.2 )
echo 'script survived'"
	assert_failure 137
	refute_output_contains "script survived" "cleanup ran"
	# The same script with another point: it goes on, and the trap runs.
	run env BUILDPACK_TEST_KILL_AT=dependencies bash -c "source '${FAULTS}'
trap 'echo cleanup ran' EXIT
( faults::checkpoint libraries; sleep 0.2 )
echo 'script survived'"
	assert_success
	assert_output_contains "script survived" "cleanup ran"
}

@test "nothing after a checkpoint runs, in a subshell either" {

	local marker="${BATS_TEST_TMPDIR}/after-checkpoint"
	run env BUILDPACK_TEST_KILL_AT=libraries bash -c "source '${FAULTS}'
( faults::checkpoint libraries; : >'${marker}' )"
	assert_failure 137
	sleep 0.2
	[[ ! -e "$marker" ]] || fail "the subshell ran on after the checkpoint"
}

@test "the process that started the script is not killed" {
	local marker="${BATS_TEST_TMPDIR}/parent-survived"
	run env BUILDPACK_TEST_KILL_AT=libraries bash -c "bash -c \"source '${FAULTS}'; faults::checkpoint libraries\"; echo \"child status \$?\"; : >'${marker}'"
	assert_success
	# (bash may also report the child as Killed.)
	assert_equal "$(tail -n 1 <<<"$output")" "child status 137"
	[[ -f "$marker" ]]
}
