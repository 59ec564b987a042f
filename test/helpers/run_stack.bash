#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2154 # variables shared with the bats files that load this
# A bare run stack, as a chroot: what a platform runs slugs on, with none of the build machine's
# tools. Debian's minimal base system (debootstrap --variant=minbase) of this machine's release,
# plus only the shared libraries the Python runtime links against: no compiler, no headers, no
# Python, no libmemcached.

RUN_STACK_LIBRARIES=ca-certificates,libssl3,libsqlite3-0,libffi8,libgdbm6,libgdbm-compat4,libreadline8,libncursesw6,liblzma5,libbz2-1.0,libexpat1,libuuid1,zlib1g

# run_stack: make the chroot once (about 40 s, kept in the build cache outside the checkout, as the
# mirror's builds are) and set RUN_STACK to it. Returns 1, with the reason in RUN_STACK_UNAVAILABLE,
# where it can't be made here (not Debian, not root); fails when debootstrap is missing or fails.
run_stack() {
	local codename arch cache partial uri
	# shellcheck disable=SC1091
	codename="$(. /etc/os-release && [[ "${ID:-}" == debian ]] && printf '%s' "${VERSION_CODENAME:-}")" || true
	if [[ -z "$codename" ]]; then
		RUN_STACK_UNAVAILABLE="the run-stack chroot is made with Debian's debootstrap; this machine is not Debian"
		return 1
	fi
	if [[ "$(id -u)" != 0 ]]; then
		RUN_STACK_UNAVAILABLE="making and entering a chroot needs root"
		return 1
	fi
	command -v debootstrap >/dev/null ||
		fail "debootstrap is not installed (apt-get install debootstrap; .ci/run installs it)"
	arch="$(dpkg --print-architecture)"
	cache="${PYBUILDPACK_BUILD_CACHE:-${HOME}/.cache/pybuildpack}/run-stack"
	RUN_STACK="${cache}/${codename}-${arch}"
	mkdir -p -- "$cache"
	exec {RUN_STACK_LOCK}>"${cache}/.lock"
	flock "$RUN_STACK_LOCK"
	if [[ ! -x "${RUN_STACK}/bin/bash" ]]; then
		partial="${RUN_STACK}.partial"
		uri="$(bash "${BUILDPACK_DIR}/builds/debian-sources.sh" --uri)"
		# Two tries: a download can fail for a moment.
		if ! run_stack_debootstrap "$codename" "$partial" "$uri" "${cache}/debootstrap.log" &&
			! run_stack_debootstrap "$codename" "$partial" "$uri" "${cache}/debootstrap.log"; then
			rm -rf -- "$partial"
			exec {RUN_STACK_LOCK}>&-
			fail "debootstrap failed; its log: ${cache}/debootstrap.log" "$(tail -n 20 "${cache}/debootstrap.log")"
		fi
		mkdir -p -- "${partial}/app"
		mv -- "$partial" "$RUN_STACK"
	fi
	exec {RUN_STACK_LOCK}>&-
}

# run_stack_debootstrap CODENAME DIR URI LOG: one try at making the chroot in DIR (emptied first).
run_stack_debootstrap() {
	rm -rf -- "$2"
	debootstrap --variant=minbase --include="$RUN_STACK_LIBRARIES" "$1" "$2" "$3" >"$4" 2>&1
}

# in_run_stack COMMAND [ENV=VALUE...]: run COMMAND with bash in the run stack, as a dyno does: the
# slug at /app (bind-mounted, in a mount namespace of its own), HOME=/app, a clean environment
# plus the ENV=VALUE pairs, .profile.d sourced first. `run` it.
in_run_stack() {
	run_stack_command "$@"
	"${RUN_STACK_COMMAND[@]}"
}

# start_in_run_stack LOG COMMAND [ENV=VALUE...]: the same in the background, its output in LOG;
# COMMAND should `exec` the process, whose PID is then in WEB_PID (each step execs the next).
start_in_run_stack() {
	local log="$1"
	shift
	run_stack_command "$@"
	"${RUN_STACK_COMMAND[@]}" >"$log" 2>&1 3>&- &
	WEB_PID=$!
}

run_stack_command() {
	local command="$1"
	shift
	# shellcheck disable=SC2016 # expanded by the shells inside
	RUN_STACK_COMMAND=(unshare -m --propagation private sh -c '
		root="$1"; shift
		mount -t proc proc "$root/proc" && mount --bind /app "$root/app" && exec chroot "$root" "$@"'
		_ "$RUN_STACK" env -i HOME=/app PATH=/usr/local/bin:/usr/bin:/bin "$@" bash -c "$DYNO_SHELL" _ "$command")
}
