#!/usr/bin/env bash
# Shared by the build scripts (mirror.sh, runtimes/build-python.sh, runtimes/install-build-deps.sh,
# libraries/lib.sh): logging, logged steps, build dependencies, fetching and unpacking sources,
# relocatable pkg-config files.
#   BUILD_LOG_TAG  names the script at the start of every log line (default "build")
#   BUILD_WORK     the script's temporary directory: step logs, downloads and unpacked sources

# build::log MESSAGE...: one progress line on stderr.
build::log() { echo "${BUILD_LOG_TAG:-build}: $*" >&2; }

# build::die MESSAGE...: an error line on stderr, then exit 1.
build::die() {
	build::log "ERROR: $*"
	exit 1
}

# build::run_logged STEP CMD...: runs CMD with its output in $BUILD_WORK/STEP.log; on failure shows
# the end of the log and exits.
build::run_logged() {
	local step="$1"
	shift
	local logfile="${BUILD_WORK}/${step}.log"
	if ! "$@" >"$logfile" 2>&1; then
		tail -n 60 "$logfile" >&2
		build::die "$step failed (last lines above)"
	fi
}

# build::install_deps PKG...: installs (apt-get) the packages dpkg-query does not report installed;
# runs apt-get update only when something is missing. One at a time (mirror.sh runs recipes side by
# side, and apt-get takes no second install at once).
build::install_deps() {
	local lock status=0
	exec {lock}>>/tmp/pybuildpack-build-deps.lock
	flock "$lock"
	build::_install_deps "$@" || status=$?
	exec {lock}>&-
	return "$status"
}

build::_install_deps() {
	local pkg status missing=() sudo=()
	for pkg in "$@"; do
		status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
		if [[ "$status" != "install ok installed" ]]; then
			missing+=("$pkg")
		fi
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		build::log "all $# build dependencies are installed"
		return 0
	fi
	if [[ "$(id -u)" -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 ||
			build::die "missing ${missing[*]}; need root (or sudo) to install them"
		sudo=(sudo)
	fi
	build::log "installing ${missing[*]}"
	build::run_logged apt-get-update "${sudo[@]}" apt-get update -qq
	build::run_logged apt-get-install "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build::is_url SOURCE: whether SOURCE is an http(s):// or file:// URL rather than a path.
build::is_url() {
	case "$1" in
	http://* | https://* | file://*) return 0 ;;
	*) return 1 ;;
	esac
}

# build::unpack SOURCE: fetches SOURCE (a path, or a URL downloaded into $BUILD_WORK), unpacks it
# into $BUILD_WORK/src and prints its one top-level directory.
build::unpack() {
	local source_arg="$1" tarball topdirs
	if build::is_url "$source_arg"; then
		tarball="${BUILD_WORK}/${source_arg##*/}"
		build::log "downloading $source_arg"
		curl -fsSL --retry 3 -o "$tarball" "$source_arg" || build::die "could not download $source_arg"
	else
		[[ -f "$source_arg" ]] || build::die "source tarball not found: $source_arg"
		tarball="$source_arg"
	fi
	build::log "unpacking $(basename "$tarball")"
	mkdir "${BUILD_WORK}/src"
	tar -xf "$tarball" -C "${BUILD_WORK}/src" || build::die "could not unpack $tarball"
	shopt -s nullglob
	topdirs=("${BUILD_WORK}"/src/*/)
	shopt -u nullglob
	[[ ${#topdirs[@]} -eq 1 ]] ||
		build::die "expected one top-level directory in $tarball, found ${#topdirs[@]}"
	echo "${topdirs[0]%/}"
}

# build::relocate_pc ROOT PREFIX: prefix=${pcfiledir}/../.. in every .pc file of ROOT/lib/pkgconfig
# (a symlink to one is left as it is), and the absolute PREFIX elsewhere in them replaced by
# ${prefix}: pkg-config then gives paths inside wherever the tree is unpacked.
build::relocate_pc() {
	local root="$1" prefix="$2" pc
	shopt -s nullglob
	local pcs=("$root"/lib/pkgconfig/*.pc)
	shopt -u nullglob
	for pc in "${pcs[@]}"; do
		[[ -L "$pc" ]] && continue
		grep -q '^prefix=' "$pc" || build::die "$(basename "$pc") has no prefix= line"
		# shellcheck disable=SC2016 # ${pcfiledir} and ${prefix} are pkg-config variables
		sed -i -e 's|^prefix=.*$|prefix=${pcfiledir}/../..|' \
			-e "/^prefix=/!s|${prefix//./\\.}|\${prefix}|g" "$pc"
		if grep -n -F "$prefix" "$pc" >&2; then
			build::die "$(basename "$pc") still names $prefix (above)"
		fi
	done
}
