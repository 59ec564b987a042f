#!/usr/bin/env bash
# Stopping a build: a platform cancels a build with SIGTERM (or SIGINT, SIGHUP) to bin/compile.
# bash runs a trap only once the foreground command ends, so the long steps run through
# signals::run (in the background, waited for: a signal is handled at once), and the trap ends
# every process the build started (signals::kill_descendants).

# signals::run COMMAND...: run COMMAND (a function or a program) and return its exit status, in a
# way that lets a signal trap run while it does.
signals::run() {
	"$@" &
	local child=$!
	wait "$child"
}

# signals::descendants PID: the process ids below PID (its children, theirs, ...), from /proc.
signals::descendants() {
	local stat line rest pid ppid
	local -A children=()
	for stat in /proc/[0-9]*/stat; do
		{ read -r line <"$stat"; } 2>/dev/null || continue
		pid="${line%% *}"
		rest="${line##*) }"
		read -r _ ppid _ <<<"$rest"
		children[$ppid]+=" $pid"
	done
	local -a queue=("$1") found=()
	while ((${#queue[@]})); do
		pid="${queue[0]}"
		queue=("${queue[@]:1}")
		for child in ${children[$pid]:-}; do
			found+=("$child")
			queue+=("$child")
		done
	done
	((${#found[@]} == 0)) || printf '%s\n' "${found[@]}"
}

# signals::running PID...: 0 when one of the processes still runs (an exited process that its
# parent has not reaped yet, a zombie, does not).
signals::running() {
	local pid line
	for pid in "$@"; do
		{ read -r line <"/proc/${pid}/stat"; } 2>/dev/null || continue
		line="${line##*) }"
		[[ "${line:0:1}" == Z ]] || return 0
	done
	return 1
}

# signals::terminate TARGET...: SIGTERM to each target (a process id, or -PGID for a whole process
# group), then SIGKILL to what still runs after 2 s.
signals::terminate() {
	kill -TERM -- "$@" 2>/dev/null || true
	local _ target alive
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		alive=0
		for target in "$@"; do
			if [[ "$target" == -* ]]; then
				kill -0 -- "$target" 2>/dev/null && alive=1
			else
				signals::running "$target" && alive=1
			fi
		done
		((alive)) || return 0
		sleep 0.2
	done
	kill -KILL -- "$@" 2>/dev/null || true
}

# signals::kill_descendants PID: every process below PID stopped (signals::terminate).
signals::kill_descendants() {
	local -a pids
	mapfile -t pids < <(signals::descendants "$1")
	((${#pids[@]})) || return 0
	signals::terminate "${pids[@]}"
}
