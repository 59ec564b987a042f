#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib signals
}

@test "signals::run returns the command's status" {
	run signals::run bash -c 'exit 7'
	assert_failure 7
	run signals::run true
	assert_success
}

@test "a TERM trap runs at once while signals::run waits, not when the command ends" {
	local started="$SECONDS"
	run bash -c "source '${BUILDPACK_DIR}/lib/signals.sh'
		trap 'echo stopped; signals::kill_descendants \$\$; exit 143' TERM
		( sleep 1; kill -TERM \$\$ ) &
		signals::run sleep 30"
	assert_failure 143
	assert_output_contains "stopped"
	((SECONDS - started < 15)) || fail "the trap waited for the command"
}

@test "signals::descendants lists children and grandchildren; kill_descendants ends them all" {
	bash -c 'sleep 60 & bash -c "sleep 60 & wait" & wait' &
	local top=$!
	sleep 0.5
	run signals::descendants "$top"
	assert_success
	[[ "$(wc -l <<<"$output")" -ge 3 ]] || fail "expected at least 3 descendants" "$output"
	local pids="$output"
	signals::kill_descendants "$top"
	local pid
	for pid in $pids; do
		! signals::running "$pid" || fail "process ${pid} outlived kill_descendants"
	done
	wait "$top" 2>/dev/null || true
	run signals::descendants "$top"
	assert_equal "$output" ""
}

@test "signals::running: a running process runs, an exited or reaped one does not" {
	sleep 30 &
	local live=$!
	bash -c 'exit 0' &
	local gone=$!
	sleep 0.3
	signals::running "$live"
	! signals::running "$gone" || fail "an exited, unreaped process counts as running"
	wait "$gone"
	! signals::running "$gone" || fail "a reaped process counts as running"
	kill "$live"
	wait "$live" 2>/dev/null || true
}

@test "signals::terminate stops a whole process group, and a process that ignores SIGTERM" {
	set -m
	bash -c 'trap "" TERM; sleep 61 & sleep 61 & wait' &
	local group=$!
	set +m
	sleep 0.3
	local started="$SECONDS"
	signals::terminate "-${group}"
	wait "$group" 2>/dev/null || true
	! pgrep -f "sleep 61" >/dev/null || fail "the process group outlived signals::terminate"
	((SECONDS - started < 10)) || fail "signals::terminate waited for the SIGTERM it was ignored"
}

@test "signals::kill_descendants also stops what escaped the tree (setsid) but carries the build's mark" {
	signals::mark
	bash -c 'setsid sleep 62 >/dev/null 2>&1 </dev/null &' # its parent exits: it is no descendant
	env -u PYBUILDPACK_RUN bash -c 'setsid sleep 63 >/dev/null 2>&1 </dev/null &' # not the build's
	sleep 0.3
	pgrep -f "sleep 62" >/dev/null || fail "the escaped process did not start"
	signals::kill_descendants "$$"
	sleep 0.3
	! pgrep -f "sleep 62" >/dev/null || fail "the escaped process outlived the build"
	pgrep -f "sleep 63" >/dev/null || fail "a process that is not the build's was stopped"
	pkill -f "sleep 63"
}
