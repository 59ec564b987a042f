#!/usr/bin/env bash
# The stack and architecture that archive names carry (python-3.13.5-ubuntu-24.04-amd64.tar.zst).

# platform::stack: ubuntu-24.04 on heroku-24, ubuntu-22.04 on heroku-22, else ID-VERSION_ID from
# /etc/os-release (debian-12 ...).
platform::stack() {
	case "${STACK:-}" in
	heroku-22) echo "ubuntu-22.04" ;;
	heroku-24) echo "ubuntu-24.04" ;;
	*)
		local os_release="${PLATFORM_OS_RELEASE:-/etc/os-release}" id="" version_id=""
		if [[ -r "$os_release" ]]; then
			# shellcheck disable=SC1090
			id="$(. "$os_release" && echo "${ID:-}")"
			# shellcheck disable=SC1090
			version_id="$(. "$os_release" && echo "${VERSION_ID:-}")"
		fi
		echo "${id:-linux}-${version_id:-unknown}"
		;;
	esac
}

# platform::arch: amd64 or arm64 (Debian's names, as in the archives).
platform::arch() {
	local machine
	machine="$(uname -m)"
	case "$machine" in
	x86_64 | amd64) echo "amd64" ;;
	aarch64 | arm64) echo "arm64" ;;
	*) echo "$machine" ;;
	esac
}
