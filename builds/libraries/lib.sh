#!/usr/bin/env bash
# Shared logic of the native library recipes builds/libraries/NAME/build.sh: the libraries the
# buildpack unpacks into /app/.heroku/vendor/NAME for Python packages that compile against them.
#
# A recipe is run as   builds/libraries/NAME/build.sh SOURCE OUTDIR
#
# SOURCE: path, or http(s):// / file:// URL, of the upstream source tarball (Debian's
#         NAME_VERSION.orig.tar.* is the same tarball).
# OUTDIR: gets NAME-VERSION-STACK-ARCH.tar.zst and NAME-VERSION-STACK-ARCH.tar.zst.sha256.
# NAME is the name of the recipe's directory, which is the Debian source package name (mirror.sh
# maps a spec NAME=DEBVERSION of builds/mirror-versions.txt to that directory).
#
# The archive holds the contents of the prefix /app/.heroku/vendor/NAME at its root: include/...,
# lib/*.so*, lib/pkgconfig/*.pc, nothing else (no docs, man pages, tools, static libraries, CMake
# or libtool files). The .pc files say prefix=${pcfiledir}/../.., so they are right wherever the
# archive is unpacked. Debug info is stripped.
#
# Before the archive is written, the packed archive itself is unpacked into a directory whose path
# has a space in it and checked there: the recipe's C program compiles and links against it and
# runs (printing the library version on its first line), every shared object needs only libc,
# libm, libpthread, libstdc++, libgcc_s, the dynamic loader and libraries of the archive itself, has
# no RPATH/RUNPATH other than $ORIGIN, and pkg-config gives -I/-L paths inside the directory.
#
# Prints the archive path on stdout; progress goes to stderr.
# Environment: ZSTD_LEVEL (default 19), KEEP_BUILD_DIR=1 keeps the temp build dir for debugging.
#
# A recipe sources this file, defines the following, then calls  library::main "$@":
#   LIB_DEPS=(...)        Debian packages it builds with, besides build-essential, pkg-config,
#                         zstd and binutils (installed with apt-get when dpkg-query says missing)
#   LIB_PKGCONFIG=NAME    its pkg-config module (lib/pkgconfig/NAME.pc must be in the archive)
#   LIB_CHECK_LIBS=(...)  link flags of the check program, e.g. (-lmemcached)
#   lib_version SRCDIR    prints the upstream version of the unpacked source; fails when SRCDIR
#                         is not the source of this library
#   lib_build SRCDIR PREFIX DESTDIR
#                         configures, builds and installs into DESTDIR/PREFIX (shared libraries;
#                         extra files are removed afterwards). Runs in SRCDIR; use
#                         library::run_logged STEP CMD... so a failure shows the end of the log.
#   lib_check_program     prints the C source of the check program

readonly LIB_VENDOR_ROOT=/app/.heroku/vendor
_library_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/platform.sh
source "$_library_here/../../lib/platform.sh"

LIB_NAME=""
LIB_WORK=""

library::log() { echo "build-${LIB_NAME:-library}: $*" >&2; }
library::die() {
	library::log "ERROR: $*"
	exit 1
}

# library::run_logged STEP CMD...: runs CMD with its output in $LIB_WORK/STEP.log; on failure shows
# the end of the log and exits.
library::run_logged() {
	local step="$1"
	shift
	local logfile="$LIB_WORK/$step.log"
	if ! "$@" >"$logfile" 2>&1; then
		tail -n 60 "$logfile" >&2
		library::die "$step failed (last lines above)"
	fi
}

# library::install_deps PKG...: installs the packages that dpkg-query does not report installed.
library::install_deps() {
	local pkg status missing=()
	for pkg in "$@"; do
		status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
		if [[ "$status" != "install ok installed" ]]; then
			missing+=("$pkg")
		fi
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		library::log "all $# build dependencies are installed"
		return 0
	fi
	local sudo=()
	if [[ "$(id -u)" -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 ||
			library::die "missing ${missing[*]}; need root (or sudo) to install them"
		sudo=(sudo)
	fi
	library::log "installing ${missing[*]}"
	library::run_logged apt-get-update "${sudo[@]}" apt-get update -qq
	library::run_logged apt-get-install "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# library::fetch SOURCE: prints the path of the source tarball (downloaded into $LIB_WORK for URLs).
library::fetch() {
	local source_arg="$1" tarball
	case "$source_arg" in
	http://* | https://* | file://*)
		tarball="$LIB_WORK/${source_arg##*/}"
		library::log "downloading $source_arg"
		curl -fsSL --retry 3 -o "$tarball" "$source_arg" || library::die "could not download $source_arg"
		;;
	*)
		[[ -f "$source_arg" ]] || library::die "source tarball not found: $source_arg"
		tarball="$source_arg"
		;;
	esac
	echo "$tarball"
}

# library::prune ROOT: keeps include/, the shared objects of lib/ (and their symlinks) and
# lib/pkgconfig/*.pc; removes everything else.
library::prune() {
	local root="$1" f
	[[ -d "$root/lib" ]] || library::die "the install put no lib/ directory in the prefix"
	[[ -d "$root/include" ]] || library::die "the install put no include/ directory in the prefix"
	find "$root" -mindepth 1 -maxdepth 1 ! -name include ! -name lib -exec rm -rf {} +
	find "$root/lib" -mindepth 1 -maxdepth 1 ! -name '*.so' ! -name '*.so.*' ! -name pkgconfig \
		-exec rm -rf {} +
	if [[ -d "$root/lib/pkgconfig" ]]; then
		find "$root/lib/pkgconfig" -mindepth 1 ! -name '*.pc' -exec rm -rf {} +
	fi
	# Empty directories (e.g. include/ subdirectories of disabled features).
	find "$root" -mindepth 1 -type d -empty -delete
	for f in "$root"/lib/*.so "$root"/lib/*.so.*; do
		[[ -e "$f" ]] || library::die "dangling or missing shared object $(basename "$f") in lib/"
	done
}

# library::relocate_pc ROOT PREFIX: prefix=${pcfiledir}/../.. in every .pc file, and the absolute
# PREFIX elsewhere in them replaced by ${prefix}.
library::relocate_pc() {
	local root="$1" prefix="$2" pc
	shopt -s nullglob
	local pcs=("$root"/lib/pkgconfig/*.pc)
	shopt -u nullglob
	for pc in "${pcs[@]}"; do
		grep -q '^prefix=' "$pc" || library::die "$(basename "$pc") has no prefix= line"
		# shellcheck disable=SC2016 # ${pcfiledir} and ${prefix} are pkg-config variables
		sed -i -e 's|^prefix=.*$|prefix=${pcfiledir}/../..|' \
			-e "/^prefix=/!s|${prefix//./\\.}|\${prefix}|g" "$pc"
		if grep -n -F "$prefix" "$pc" >&2; then
			library::die "$(basename "$pc") still names $prefix (above)"
		fi
	done
}

# library::check_needed ROOT: every shared object of ROOT/lib needs only system base libraries and
# libraries of ROOT/lib, and has no RPATH/RUNPATH other than $ORIGIN. Logs the NEEDED lists.
library::check_needed() {
	local root="$1" so dyn needed own=" " bad=0 lib
	local base='^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1|ld-linux[-a-z0-9_.]*\.so\.[0-9]+)$'
	while IFS= read -r so; do
		lib="$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')"
		[[ -n "$lib" ]] && own+="$lib "
	done < <(find "$root/lib" -maxdepth 1 -type f -name '*.so*')
	while IFS= read -r so; do
		dyn="$(readelf -d "$so")" || library::die "readelf -d failed on $so"
		needed="$(sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' <<<"$dyn" | tr '\n' ' ')"
		library::log "NEEDED $(basename "$so"): ${needed% }"
		for lib in $needed; do
			if [[ ! "$lib" =~ $base && "$own" != *" $lib "* ]]; then
				library::log "ERROR: $(basename "$so") needs $lib (only libc/libm/libpthread/libstdc++/libgcc_s/ld-linux allowed)"
				bad=1
			fi
		done
		# shellcheck disable=SC2016 # a literal $ORIGIN
		while IFS= read -r lib; do
			if [[ -n "$lib" && "$lib" != '$ORIGIN' && "$lib" != '$ORIGIN/'* ]]; then
				library::log "ERROR: $(basename "$so") has RPATH/RUNPATH $lib"
				bad=1
			fi
		done < <(sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]$/\2/p' <<<"$dyn" | tr ':' '\n')
	done < <(find "$root/lib" -maxdepth 1 -type f -name '*.so*' | LC_ALL=C sort)
	[[ $bad -eq 0 ]] || library::die "shared objects have unexpected dependencies (above)"
}

# library::check_pkgconfig ROOT VERSION: pkg-config finds LIB_PKGCONFIG under ROOT/lib/pkgconfig,
# with that version and with -I/-L paths inside ROOT.
library::check_pkgconfig() {
	local root="$1" version="$2" out modversion tok path real rroot
	rroot="$(realpath "$root")"
	modversion="$(PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_LIBDIR="$root/lib/pkgconfig" \
		pkg-config --modversion "$LIB_PKGCONFIG")" || library::die "pkg-config does not find $LIB_PKGCONFIG"
	[[ "$modversion" == "$version" ]] ||
		library::die "pkg-config --modversion $LIB_PKGCONFIG says $modversion, expected $version"
	out="$(PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_LIBDIR="$root/lib/pkgconfig" \
		pkg-config --cflags --libs "$LIB_PKGCONFIG")" || library::die "pkg-config --cflags --libs $LIB_PKGCONFIG failed"
	library::log "pkg-config --cflags --libs $LIB_PKGCONFIG: $out"
	local saw_i=0 saw_l=0
	# xargs undoes pkg-config's quoting of the space in the path.
	while IFS= read -r tok; do
		case "$tok" in
		-I* | -L*)
			path="${tok:2}"
			real="$(realpath -m "$path")"
			[[ "$real" == "$rroot"/* ]] || library::die "pkg-config gives $tok, outside $root"
			[[ -d "$real" ]] || library::die "pkg-config gives $tok, which is no directory"
			if [[ "$tok" == -I* ]]; then saw_i=1; else saw_l=1; fi
			;;
		esac
	done < <(printf '%s' "$out" | xargs printf '%s\n')
	[[ $saw_i -eq 1 && $saw_l -eq 1 ]] || library::die "pkg-config output lacks -I or -L: $out"
}

# library::check_archive ARCHIVE VERSION: unpacks ARCHIVE into a path with a space and checks it.
library::check_archive() {
	local archive="$1" version="$2" root out first
	root="$LIB_WORK/check dir/$LIB_NAME root"
	mkdir -p "$root"
	tar --zstd -xf "$archive" -C "$root" || library::die "could not unpack $archive"
	if tar --zstd -tf "$archive" | grep -Ev '^(include|lib)(/|$)' >&2; then
		library::die "archive has members outside include/ and lib/ (above)"
	fi
	[[ -f "$root/lib/pkgconfig/$LIB_PKGCONFIG.pc" ]] || library::die "archive has no lib/pkgconfig/$LIB_PKGCONFIG.pc"
	if find "$root/lib" -name '*.a' -o -name '*.la' | grep . >&2; then
		library::die "archive has static or libtool libraries (above)"
	fi
	if grep -rl -F "$LIB_VENDOR_ROOT" "$root/include" "$root/lib/pkgconfig" >&2; then
		library::die "headers or .pc files name $LIB_VENDOR_ROOT (above): not relocatable"
	fi

	library::check_needed "$root"

	lib_check_program >"$LIB_WORK/check dir/check.c"
	library::run_logged check-compile cc -Wall -Werror -o "$LIB_WORK/check dir/check" \
		"$LIB_WORK/check dir/check.c" -I"$root/include" -L"$root/lib" "${LIB_CHECK_LIBS[@]}"
	if ! out="$(cd / && LD_LIBRARY_PATH="$root/lib" "$LIB_WORK/check dir/check" 2>&1)"; then
		echo "$out" >&2
		library::die "the check program failed against the archive"
	fi
	first="${out%%$'\n'*}"
	[[ "$first" == "$version" ]] || {
		echo "$out" >&2
		library::die "the check program reports version '$first', expected $version"
	}
	# It must have used the archive's library, not one of the system.
	local libfile="lib${LIB_CHECK_LIBS[0]#-l}.so" resolved
	resolved="$(LD_LIBRARY_PATH="$root/lib" ldd "$LIB_WORK/check dir/check" | grep -F "$libfile" || true)"
	if [[ "$resolved" != *"=> $root/lib/$libfile"* ]]; then
		echo "$resolved" >&2
		library::die "the check program does not load $libfile from the archive"
	fi
	library::check_pkgconfig "$root" "$version"
	library::log "ok: ${out//$'\n'/; }"
}

library::main() {
	LIB_NAME="$(basename "$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)")"
	if [[ $# -ne 2 ]]; then
		echo "usage: $0 SOURCE OUTDIR" >&2
		exit 2
	fi
	local source_arg="$1" outdir="$2"
	local started=$SECONDS step prefix="$LIB_VENDOR_ROOT/$LIB_NAME"
	[[ -n "${LIB_PKGCONFIG:-}" && ${#LIB_CHECK_LIBS[@]} -gt 0 ]] ||
		library::die "the recipe must set LIB_PKGCONFIG and LIB_CHECK_LIBS"

	LIB_WORK="$(mktemp -d "${TMPDIR:-/tmp}/build-$LIB_NAME.XXXXXX")"
	trap library::_cleanup EXIT

	local deps=(build-essential pkg-config zstd binutils ${LIB_DEPS[@]+"${LIB_DEPS[@]}"})
	case "$source_arg" in http://* | https://* | file://*) deps+=(curl ca-certificates) ;; esac
	library::install_deps "${deps[@]}"

	local tarball srcdir version
	tarball="$(library::fetch "$source_arg")"
	library::log "unpacking $(basename "$tarball")"
	mkdir "$LIB_WORK/src"
	tar -xf "$tarball" -C "$LIB_WORK/src" || library::die "could not unpack $tarball"
	shopt -s nullglob
	local topdirs=("$LIB_WORK"/src/*/)
	shopt -u nullglob
	[[ ${#topdirs[@]} -eq 1 ]] ||
		library::die "expected one top-level directory in $tarball, found ${#topdirs[@]}"
	srcdir="${topdirs[0]%/}"
	version="$(lib_version "$srcdir")" || library::die "$tarball does not look like the $LIB_NAME source"
	[[ "$version" =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || library::die "bad version '$version' from $tarball"

	local name
	name="$LIB_NAME-$version-$(platform::stack)-$(platform::arch).tar.zst"
	library::log "building $LIB_NAME $version -> $name"

	step=$SECONDS
	local destdir="$LIB_WORK/dest"
	# No temp build paths in the binaries (__FILE__ in error messages and assertions).
	export CFLAGS="${CFLAGS:--O2} -ffile-prefix-map=$LIB_WORK/="
	export CXXFLAGS="${CXXFLAGS:--O2} -ffile-prefix-map=$LIB_WORK/="
	(cd "$srcdir" && lib_build "$srcdir" "$prefix" "$destdir")
	if grep -rl -F "$LIB_WORK" "$destdir" >&2; then
		library::die "installed files name the temp build dir $LIB_WORK (above)"
	fi
	local root="$destdir$prefix"
	[[ -d "$root" ]] || library::die "the install put nothing in $prefix"
	library::log "build and install done ($((SECONDS - step))s)"

	library::prune "$root"
	library::relocate_pc "$root" "$prefix"
	find "$root/lib" -maxdepth 1 -type f -name '*.so*' -exec strip --strip-debug {} +

	local members=() member
	while IFS= read -r member; do
		members+=("$member")
	done < <(find "$root" -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
	tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner -cf - -- "${members[@]}" |
		zstd -q -T0 -"${ZSTD_LEVEL:-19}" -o "$LIB_WORK/$name"

	library::log "checking $name"
	library::check_archive "$LIB_WORK/$name" "$version"

	mkdir -p "$outdir"
	outdir="$(cd "$outdir" && pwd)"
	_LIB_TMP_FILES=("$outdir/.$name.tmp.$$" "$outdir/.$name.sha256.tmp.$$")
	rm -f "$outdir/$name.sha256"
	cp "$LIB_WORK/$name" "$outdir/.$name.tmp.$$"
	mv -f "$outdir/.$name.tmp.$$" "$outdir/$name"
	(cd "$outdir" && sha256sum "$name") >"$outdir/.$name.sha256.tmp.$$"
	mv -f "$outdir/.$name.sha256.tmp.$$" "$outdir/$name.sha256"
	library::log "wrote $outdir/$name ($(du -h "$outdir/$name" | cut -f1), total $((SECONDS - started))s)"
	echo "$outdir/$name"
}

_LIB_TMP_FILES=()
library::_cleanup() {
	if [[ ${#_LIB_TMP_FILES[@]} -gt 0 ]]; then
		rm -f "${_LIB_TMP_FILES[@]}"
	fi
	if [[ -n "$LIB_WORK" ]]; then
		if [[ "${KEEP_BUILD_DIR:-}" == 1 ]]; then
			library::log "build dir kept: $LIB_WORK"
		else
			rm -rf "$LIB_WORK"
		fi
	fi
}
