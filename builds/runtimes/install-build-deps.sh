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

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=builds/common.sh
source "$here/../common.sh"
BUILD_LOG_TAG=install-build-deps
BUILD_WORK="$(mktemp -d "${TMPDIR:-/tmp}/install-build-deps.XXXXXX")"
trap 'rm -rf -- "$BUILD_WORK"' EXIT
build::install_deps "${packages[@]}"
