#!/usr/bin/env bash
# Stack and architecture names, and the names of the mirror's archives:
#   python-X.Y.Z-STACK-ARCH.tar.zst, NAME-VERSION-STACK-ARCH.tar.zst
#
# Source it and call the functions (bin/compile and the recipes in builds/ share it):
#   source lib/platform.sh
#   platform::stack   # heroku-22 -> ubuntu-22.04, heroku-24 -> ubuntu-24.04, else ID-VERSION_ID
#   platform::arch    # amd64 / arm64 (Debian architecture names)
#   platform::heroku_stacks   # Heroku's stacks and the Ubuntu release of each
# or run it:  bash lib/platform.sh stack|arch|heroku-stacks
#
# Sourcing it defines functions only; it does not change the caller's shell options.

# platform::heroku_stacks prints Heroku's stacks, one a line with the Ubuntu release it runs:
# "heroku-24 ubuntu-24.04". The one list of them: the core's (archives/mirror.py's HEROKU_STACKS,
# where Heroku's archives are the default mirror) is held to it by test_archives_mirror.py.
platform::heroku_stacks() {
	printf '%s\n' "heroku-22 ubuntu-22.04" "heroku-24 ubuntu-24.04"
}

# platform::target_stack prints the stack a Cloud Native Buildpack build targets, from the run
# image's distribution (CNB_TARGET_DISTRO_NAME and _VERSION, which the lifecycle sets): a Heroku
# stack for the Ubuntu releases Heroku's runtime archives are built for, else ID-VERSION; nothing
# when the lifecycle names no distribution.
platform::target_stack() {
	local name="${CNB_TARGET_DISTRO_NAME:-}" version="${CNB_TARGET_DISTRO_VERSION:-}"
	[[ -n "$name" && -n "$version" ]] || return 0
	platform::_heroku_pair 2 "${name}-${version}" || echo "${name}-${version}"
}

# platform::_heroku_pair COLUMN VALUE: the other half of platform::heroku_stacks's line whose
# COLUMN (1: the Heroku stack, 2: its Ubuntu release) is VALUE; 1 when no line has it.
platform::_heroku_pair() {
	local heroku ubuntu
	while read -r heroku ubuntu; do
		if [[ "$1" == 1 && "$2" == "$heroku" ]]; then
			echo "$ubuntu"
			return 0
		elif [[ "$1" == 2 && "$2" == "$ubuntu" ]]; then
			echo "$heroku"
			return 0
		fi
	done <<<"$(platform::heroku_stacks)" # (read whole first: a return mid-list breaks no pipe)
	return 1
}

# platform::stack prints the stack name. $STACK wins when set (Heroku sets it; a Heroku stack is
# named by its Ubuntu release); otherwise it is derived from /etc/os-release (PLATFORM_OS_RELEASE
# overrides the file, for tests), e.g. debian-12.
platform::stack() {
	local stack="${STACK:-}"
	if [[ -n "$stack" ]]; then
		platform::_heroku_pair 1 "$stack" || echo "$stack"
		return 0
	fi
	local os_release="${PLATFORM_OS_RELEASE:-/etc/os-release}"
	if [[ ! -r "$os_release" ]]; then
		echo "platform::stack: STACK is not set and $os_release is not readable" >&2
		return 1
	fi
	# Read the file in a subshell so its variables (NAME, VERSION, ...) don't leak into the caller.
	stack="$(
		set +u
		# shellcheck disable=SC1090
		. "$os_release"
		version="${VERSION_ID:-${VERSION_CODENAME:-}}"
		if [[ -n "${ID:-}" && -n "$version" ]]; then
			printf '%s-%s\n' "$ID" "$version"
		fi
	)"
	if [[ -z "$stack" ]]; then
		echo "platform::stack: $os_release has no ID/VERSION_ID" >&2
		return 1
	fi
	echo "$stack"
}

# platform::arch prints the Debian architecture name of this machine (amd64, arm64, ...).
platform::arch() {
	if command -v dpkg >/dev/null 2>&1; then
		dpkg --print-architecture
		return 0
	fi
	local machine
	machine="$(uname -m)"
	case "$machine" in
	x86_64) echo "amd64" ;;
	aarch64 | arm64) echo "arm64" ;;
	*) echo "$machine" ;;
	esac
}

# platform::archive_name NAME VERSION [STACK ARCH]: the name of a mirror archive (a runtime, NAME
# python, or a native library), for this machine's stack and architecture unless given. The
# builds write these names; the core reads them (lib/pybuildpack/archives/names.py, which a test
# holds to this one).
platform::archive_name() {
	local stack="${3:-}" arch="${4:-}"
	[[ -n "$stack" ]] || stack="$(platform::stack)"
	[[ -n "$arch" ]] || arch="$(platform::arch)"
	echo "$1-$2-${stack}-${arch}.tar.zst"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	set -euo pipefail
	case "${1:-}" in
	stack) platform::stack ;;
	arch) platform::arch ;;
	heroku-stacks) platform::heroku_stacks ;;
	archive-name) platform::archive_name "${@:2}" ;;
	*)
		echo "usage: $0 stack|arch|heroku-stacks|archive-name NAME VERSION [STACK ARCH]" >&2
		exit 2
		;;
	esac
fi
