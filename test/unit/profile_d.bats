#!/usr/bin/env bats

# lib/profile.d: the scripts copied into the slug's .profile.d as they are (the core's finish copies
# them, and writes .profile.d/python.sh: test/python/test_profile.py).

setup() {
	load ../helpers/test_helper
	BUILD_DIR="${BATS_TEST_TMPDIR}/build dir"
	mkdir -p "$BUILD_DIR"
}

# write_profile_d: .profile.d as the build leaves it, for these scripts.
write_profile_d() {
	mkdir -p "${BUILD_DIR}/.profile.d"
	cp -- "${BUILDPACK_DIR}"/lib/profile.d/*.sh "${BUILD_DIR}/.profile.d/"
}

# in_cgroup CGROUP ENV... : source .profile.d in a shell that runs inside CGROUP, with ENV, and
# print "WEB_CONCURRENCY DYNO_RAM" (or "-" for unset) and what the script said.
in_cgroup() {
	local cgroup="$1"
	shift
	write_profile_d
	run env -i PATH=/usr/bin:/bin "$@" bash -c \
		'echo "$$" >"$1/cgroup.procs" && for f in "$2"/.profile.d/*.sh; do . "$f"; done && echo "${WEB_CONCURRENCY:--} ${DYNO_RAM:--}"' \
		_ "$cgroup" "$BUILD_DIR"
}

teardown() {
	remove_cgroups
}

@test "WEB_CONCURRENCY from the memory limit of the dyno's cgroup: 256 MB per process, at least 1" {
	memory_cgroup a $((512 * 1048576)) || skip "$CGROUP_UNAVAILABLE"
	in_cgroup "$CGROUP" DYNO=web.1
	assert_success
	assert_equal "$output" "$(printf '%s\n' "Python buildpack: 512 MB of memory and $(nproc) CPU cores: WEB_CONCURRENCY=2." "2 512")"
	memory_cgroup b $((1024 * 1048576)) || skip "$CGROUP_UNAVAILABLE"
	in_cgroup "$CGROUP" DYNO=run.1
	assert_equal "$output" "$(($(nproc) * 2 + 1 < 4 ? $(nproc) * 2 + 1 : 4)) 1024"
	memory_cgroup c $((100 * 1048576)) || skip "$CGROUP_UNAVAILABLE"
	in_cgroup "$CGROUP"
	assert_equal "$output" "1 100"
}

@test "WEB_CONCURRENCY: at most CPU cores * 2 + 1; a parent group's limit counts; the user's value wins" {
	memory_cgroup big $((8 * 1024 * 1048576)) || skip "$CGROUP_UNAVAILABLE"
	in_cgroup "$CGROUP"
	assert_equal "$output" "$(($(nproc) * 2 + 1)) 8192"
	# one core: 3 processes, whatever the memory
	write_profile_d
	run taskset -c 0 env -i PATH=/usr/bin:/bin bash -c \
		'echo "$$" >"$1/cgroup.procs" && . "$2/.profile.d/WEB_CONCURRENCY.sh" && echo "$WEB_CONCURRENCY"' _ "$CGROUP" "$BUILD_DIR"
	assert_equal "$output" "3"
	# the group itself has no limit; its parent has 768 MB
	memory_cgroup parent $((768 * 1048576)) || skip "$CGROUP_UNAVAILABLE"
	memory_cgroup parent/child -1 || skip "$CGROUP_UNAVAILABLE"
	in_cgroup "$CGROUP"
	assert_equal "$output" "$(($(nproc) * 2 + 1 < 3 ? $(nproc) * 2 + 1 : 3)) 768"
	in_cgroup "$CGROUP" WEB_CONCURRENCY=7 DYNO_RAM=300 DYNO=web.2
	assert_equal "$output" "$(printf '%s\n' "Python buildpack: WEB_CONCURRENCY=7 is set; keeping it." "7 300")"
}

@test "WEB_CONCURRENCY is left unset when there is no memory limit" {
	memory_cgroup none -1 || skip "$CGROUP_UNAVAILABLE"
	in_cgroup "$CGROUP" DYNO=web.1
	assert_success
	assert_equal "$output" "$(printf '%s\n' "Python buildpack: No memory limit found: WEB_CONCURRENCY is left to the web server." "- -")"
}

@test "WEB_CONCURRENCY from cgroup v2's memory.max (the hierarchy is simulated in a private mount namespace)" {
	write_profile_d
	run unshare -m bash -c '
		mount -t tmpfs none /sys/fs/cgroup && echo $((512 * 1048576)) >/sys/fs/cgroup/memory.max &&
		env -i PATH=/usr/bin:/bin bash -c ". \"\$1/.profile.d/WEB_CONCURRENCY.sh\"; echo \"\$WEB_CONCURRENCY \$DYNO_RAM\"" _ "$1"' _ "$BUILD_DIR"
	assert_success
	assert_equal "$output" "2 512"
}
