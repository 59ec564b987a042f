#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib platform
}

@test "Heroku stacks map to their Ubuntu release" {
	STACK=heroku-24 run platform::stack
	assert_equal "$output" "ubuntu-24.04"
	STACK=heroku-22 run platform::stack
	assert_equal "$output" "ubuntu-22.04"
}

@test "elsewhere the stack comes from os-release" {
	printf 'ID=debian\nVERSION_ID="12"\n' >"${BATS_TEST_TMPDIR}/os-release"
	STACK="" PLATFORM_OS_RELEASE="${BATS_TEST_TMPDIR}/os-release" run platform::stack
	assert_equal "$output" "debian-12"
}

@test "a CNB build's stack is its target's: a Heroku stack for Heroku's Ubuntu releases, else ID-VERSION" {
	CNB_TARGET_DISTRO_NAME=ubuntu CNB_TARGET_DISTRO_VERSION=24.04 run platform::target_stack
	assert_equal "$output" "heroku-24"
	CNB_TARGET_DISTRO_NAME=ubuntu CNB_TARGET_DISTRO_VERSION=22.04 run platform::target_stack
	assert_equal "$output" "heroku-22"
	CNB_TARGET_DISTRO_NAME=debian CNB_TARGET_DISTRO_VERSION=12 run platform::target_stack
	assert_equal "$output" "debian-12"
	# No distribution named (a lifecycle before targets): nothing, the build's os-release decides.
	CNB_TARGET_DISTRO_NAME="" run platform::target_stack
	assert_success
	assert_equal "$output" ""
}

@test "the architecture uses Debian's names" {
	run platform::arch
	[[ "$output" == amd64 || "$output" == arm64 ]]
}

@test "archive names are NAME-VERSION-STACK-ARCH.tar.zst, exactly as the core reads and writes them" {
	run platform::archive_name libmemcached 1.1.4 heroku-24 arm64
	assert_equal "$output" "libmemcached-1.1.4-heroku-24-arm64.tar.zst"
	run bash "${BUILDPACK_DIR}/lib/platform.sh" archive-name python 3.13.15
	assert_equal "$output" "python-3.13.15-$(platform::stack)-$(platform::arch).tar.zst"
	local name
	for name in "python 3.13.15 debian-12 amd64" "lzo2 2.10 ubuntu-24.04 arm64"; do
		# shellcheck disable=SC2086 # four words on purpose
		run env PYTHONPATH="${BUILDPACK_DIR}/lib" python3 -c 'import sys
from pybuildpack.archives.names import archive_name, parse_archive_name
name = archive_name(*sys.argv[1:])
assert parse_archive_name(name) == tuple(sys.argv[1:]), name
print(name)' $name
		assert_success
		# shellcheck disable=SC2086
		assert_equal "$output" "$(platform::archive_name $name)"
	done
}

@test "buildpack.toml's targets are every Heroku stack's Ubuntu release and Debian 12 (a mirror's), on amd64 and arm64" {
	local expected=() arch heroku ubuntu
	for arch in amd64 arm64; do
		while read -r heroku ubuntu; do
			expected+=("linux ${arch} ${ubuntu/-/ }")
		done < <(platform::heroku_stacks)
		expected+=("linux ${arch} debian 12")
	done
	run python3 -c 'import sys, tomllib
with open(sys.argv[1], "rb") as f:
    for t in tomllib.load(f)["targets"]:
        for d in t["distros"]:
            print(t["os"], t["arch"], d["name"], d["version"])' "${BUILDPACK_DIR}/buildpack.toml"
	assert_success
	assert_equal "$output" "$(printf '%s\n' "${expected[@]}")"
}
