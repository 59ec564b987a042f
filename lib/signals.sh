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

# signals::mark: give every process this shell starts from now on the build's mark, an
# environment variable (PYBUILDPACK_RUN) that children inherit, whatever session or process
# group they put themselves in. signals::strays finds them by it.
signals::mark() {
	PYBUILDPACK_RUN="${PYBUILDPACK_RUN:-pybuildpack-$$-${RANDOM}${RANDOM}${RANDOM}}"
	export PYBUILDPACK_RUN
}

# signals::strays ROOT: the processes that carry the build's mark but are neither ROOT nor below
# nor above it: what escaped the process tree (a hook's `setsid cmd &`, a daemon that forked
# twice). Above: bin/test-compile marks bin/compile, which it runs, with its own mark.
signals::strays() {
	local root="$1" file pid line
	[[ -n "${PYBUILDPACK_RUN:-}" ]] || return 0
	local -a marked
	# (grep says 2 for the processes that ended while it read, 1 for none: neither is an error here)
	mapfile -t marked < <(grep -lsxz -- "PYBUILDPACK_RUN=${PYBUILDPACK_RUN}" /proc/[0-9]*/environ || true)
	((${#marked[@]})) || return 0
	local -A ours=(["$root"]=1 ["$$"]=1 ["$BASHPID"]=1)
	for pid in $(signals::descendants "$root"); do
		ours[$pid]=1
	done
	pid="$root"
	while [[ "$pid" != 0 && "$pid" != 1 ]] && { read -r line <"/proc/${pid}/stat"; } 2>/dev/null; do
		line="${line##*) }"
		read -r _ pid _ <<<"$line"
		ours[$pid]=1
	done
	for file in "${marked[@]}"; do
		pid="${file#/proc/}"
		pid="${pid%/environ}"
		# (grep itself matched, and is gone: only what still runs is a stray)
		[[ -n "${ours[$pid]:-}" ]] || ! signals::running "$pid" || echo "$pid"
	done
}

# signals::kill_descendants PID: every process below PID stopped (signals::terminate), and what
# escaped from below it (signals::strays).
signals::kill_descendants() {
	local -a pids strays
	mapfile -t pids < <(signals::descendants "$1")
	mapfile -t strays < <(signals::strays "$1")
	pids+=("${strays[@]}")
	((${#pids[@]})) || return 0
	signals::terminate "${pids[@]}"
}

# signals::watchdog WORK_DIR: a process that stops the build's processes when bin/compile is
# killed outright (SIGKILL, which no trap sees): the core, uv, pip and a hook would otherwise run
# on to their end, orphaned, installing into a build that is gone. It waits for bin/compile's
# process to end; when bin/compile ended through its EXIT trap, which removes WORK_DIR, it does
# nothing; else it stops every process that carries the build's mark (signals::mark must come
# first) and removes WORK_DIR. It holds none of the build's files open (its log, bats' fd 3).
signals::watchdog() {
	local work_dir="$1" build="$$"
	(
		trap - TERM INT HUP EXIT ERR
		set +o errexit +o errtrace
		local fd
		for fd in /proc/"$BASHPID"/fd/*; do
			fd="${fd##*/}"
			((fd > 2)) && eval "exec ${fd}>&-" 2>/dev/null
		done
		exec </dev/null >/dev/null 2>&1
		# (another build's dirs::work_dir leaves the work directory alone while this one watches)
		echo "$BASHPID" >"${work_dir}/watchdog"
		# tail polls the process twice a second; the loop is the fallback where tail can't
		tail --pid="$build" -s 0.5 -f /dev/null
		while kill -0 "$build"; do
			sleep 1
		done
		[[ -d "$work_dir" ]] || exit 0
		local -a strays
		mapfile -t strays < <(signals::strays "$build")
		((${#strays[@]} == 0)) || signals::terminate "${strays[@]}"
		rm -rf -- "$work_dir"
	) &
}
