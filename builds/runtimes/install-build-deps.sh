#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages needed to build CPython with build-python.sh.
# Only installs what is missing; runs apt-get update only when something is missing.
# tk-dev is left out on purpose: the runtimes ship without _tkinter.
set -euo pipefail

packages=(
	build-essential
	pkg-config
	xz-utils
	zstd
	libssl-dev
	libsqlite3-dev
	libffi-dev
	liblzma-dev
	libbz2-dev
	zlib1g-dev
	libreadline-dev
	libncurses-dev
	uuid-dev
	libgdbm-dev
	libgdbm-compat-dev
)

missing=()
for pkg in "${packages[@]}"; do
	status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
	if [[ "$status" != "install ok installed" ]]; then
		missing+=("$pkg")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "install-build-deps: all ${#packages[@]} build dependencies are installed" >&2
	exit 0
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "install-build-deps: missing ${missing[*]}; need root (or sudo) to install them" >&2
		exit 1
	fi
fi

echo "install-build-deps: installing ${missing[*]}" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! { "${sudo[@]}" apt-get update -qq &&
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-build-deps: apt-get failed installing ${missing[*]}" >&2
	exit 1
fi
