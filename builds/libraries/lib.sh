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
#                         build::run_logged STEP CMD... (builds/common.sh) so a failure shows the end of the log.
#   lib_check_program     prints the C source of the check program

_library_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/platform.sh
source "$_library_here/../../lib/platform.sh"
# shellcheck source=lib/slug.sh
source "$_library_here/../../lib/slug.sh"
readonly LIB_VENDOR_ROOT="${SLUG_HOME}/${SLUG_NATIVES}"
# shellcheck source=builds/common.sh
source "$_library_here/../common.sh"

LIB_NAME=""

# library::prune ROOT: keeps include/, the shared objects of lib/ (and their symlinks) and
# lib/pkgconfig/*.pc; removes everything else.
library::prune() {
	local root="$1" f
	[[ -d "$root/lib" ]] || build::die "the install put no lib/ directory in the prefix"
	[[ -d "$root/include" ]] || build::die "the install put no include/ directory in the prefix"
	find "$root" -mindepth 1 -maxdepth 1 ! -name include ! -name lib -exec rm -rf {} +
	find "$root/lib" -mindepth 1 -maxdepth 1 ! -name '*.so' ! -name '*.so.*' ! -name pkgconfig \
		-exec rm -rf {} +
	if [[ -d "$root/lib/pkgconfig" ]]; then
		find "$root/lib/pkgconfig" -mindepth 1 ! -name '*.pc' -exec rm -rf {} +
	fi
	# Empty directories (e.g. include/ subdirectories of disabled features).
	find "$root" -mindepth 1 -type d -empty -delete
	for f in "$root"/lib/*.so "$root"/lib/*.so.*; do
		[[ -e "$f" ]] || build::die "dangling or missing shared object $(basename "$f") in lib/"
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
		dyn="$(readelf -d "$so")" || build::die "readelf -d failed on $so"
		needed="$(sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' <<<"$dyn" | tr '\n' ' ')"
		build::log "NEEDED $(basename "$so"): ${needed% }"
		for lib in $needed; do
			if [[ ! "$lib" =~ $base && "$own" != *" $lib "* ]]; then
				build::log "ERROR: $(basename "$so") needs $lib (only libc/libm/libpthread/libstdc++/libgcc_s/ld-linux allowed)"
				bad=1
			fi
		done
		# shellcheck disable=SC2016 # a literal $ORIGIN
		while IFS= read -r lib; do
			if [[ -n "$lib" && "$lib" != '$ORIGIN' && "$lib" != '$ORIGIN/'* ]]; then
				build::log "ERROR: $(basename "$so") has RPATH/RUNPATH $lib"
				bad=1
			fi
		done < <(sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]$/\2/p' <<<"$dyn" | tr ':' '\n')
	done < <(find "$root/lib" -maxdepth 1 -type f -name '*.so*' | LC_ALL=C sort)
	[[ $bad -eq 0 ]] || build::die "shared objects have unexpected dependencies (above)"
}

# library::check_pkgconfig ROOT VERSION: pkg-config finds LIB_PKGCONFIG under ROOT/lib/pkgconfig,
# with that version and with -I/-L paths inside ROOT.
library::check_pkgconfig() {
	local root="$1" version="$2" out modversion tok path real rroot
	rroot="$(realpath "$root")"
	modversion="$(PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_LIBDIR="$root/lib/pkgconfig" \
		pkg-config --modversion "$LIB_PKGCONFIG")" || build::die "pkg-config does not find $LIB_PKGCONFIG"
	[[ "$modversion" == "$version" ]] ||
		build::die "pkg-config --modversion $LIB_PKGCONFIG says $modversion, expected $version"
	out="$(PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_LIBDIR="$root/lib/pkgconfig" \
		pkg-config --cflags --libs "$LIB_PKGCONFIG")" || build::die "pkg-config --cflags --libs $LIB_PKGCONFIG failed"
	build::log "pkg-config --cflags --libs $LIB_PKGCONFIG: $out"
	local saw_i=0 saw_l=0
	# xargs undoes pkg-config's quoting of the space in the path.
	while IFS= read -r tok; do
		case "$tok" in
		-I* | -L*)
			path="${tok:2}"
			real="$(realpath -m "$path")"
			[[ "$real" == "$rroot"/* ]] || build::die "pkg-config gives $tok, outside $root"
			[[ -d "$real" ]] || build::die "pkg-config gives $tok, which is no directory"
			if [[ "$tok" == -I* ]]; then saw_i=1; else saw_l=1; fi
			;;
		esac
	done < <(printf '%s' "$out" | xargs printf '%s\n')
	[[ $saw_i -eq 1 && $saw_l -eq 1 ]] || build::die "pkg-config output lacks -I or -L: $out"
}

# library::check_archive ARCHIVE VERSION: unpacks ARCHIVE into a path with a space and checks it.
library::check_archive() {
	local archive="$1" version="$2" root out first
	root="$BUILD_WORK/check dir/$LIB_NAME root"
	mkdir -p "$root"
	tar --zstd -xf "$archive" -C "$root" || build::die "could not unpack $archive"
	if tar --zstd -tf "$archive" | grep -Ev '^(include|lib)(/|$)' >&2; then
		build::die "archive has members outside include/ and lib/ (above)"
	fi
	[[ -f "$root/lib/pkgconfig/$LIB_PKGCONFIG.pc" ]] || build::die "archive has no lib/pkgconfig/$LIB_PKGCONFIG.pc"
	if find "$root/lib" -name '*.a' -o -name '*.la' | grep . >&2; then
		build::die "archive has static or libtool libraries (above)"
	fi
	if grep -rl -F "$LIB_VENDOR_ROOT" "$root/include" "$root/lib/pkgconfig" >&2; then
		build::die "headers or .pc files name $LIB_VENDOR_ROOT (above): not relocatable"
	fi

	library::check_needed "$root"

	lib_check_program >"$BUILD_WORK/check dir/check.c"
	build::run_logged check-compile cc -Wall -Werror -o "$BUILD_WORK/check dir/check" \
		"$BUILD_WORK/check dir/check.c" -I"$root/include" -L"$root/lib" "${LIB_CHECK_LIBS[@]}"
	if ! out="$(cd / && LD_LIBRARY_PATH="$root/lib" "$BUILD_WORK/check dir/check" 2>&1)"; then
		echo "$out" >&2
		build::die "the check program failed against the archive"
	fi
	first="${out%%$'\n'*}"
	[[ "$first" == "$version" ]] || {
		echo "$out" >&2
		build::die "the check program reports version '$first', expected $version"
	}
	# It must have used the archive's library, not one of the system.
	local libfile="lib${LIB_CHECK_LIBS[0]#-l}.so" resolved
	resolved="$(LD_LIBRARY_PATH="$root/lib" ldd "$BUILD_WORK/check dir/check" | grep -F "$libfile" || true)"
	if [[ "$resolved" != *"=> $root/lib/$libfile"* ]]; then
		echo "$resolved" >&2
		build::die "the check program does not load $libfile from the archive"
	fi
	library::check_pkgconfig "$root" "$version"
	build::log "ok: ${out//$'\n'/; }"
}

library::main() {
	LIB_NAME="$(basename "$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)")"
	BUILD_LOG_TAG="build-$LIB_NAME"
	if [[ $# -ne 2 ]]; then
		echo "usage: $0 SOURCE OUTDIR" >&2
		exit 2
	fi
	local source_arg="$1" outdir="$2"
	local started=$SECONDS step prefix="$LIB_VENDOR_ROOT/$LIB_NAME"
	[[ -n "${LIB_PKGCONFIG:-}" && ${#LIB_CHECK_LIBS[@]} -gt 0 ]] ||
		build::die "the recipe must set LIB_PKGCONFIG and LIB_CHECK_LIBS"

	BUILD_WORK="$(mktemp -d "${TMPDIR:-/tmp}/build-$LIB_NAME.XXXXXX")"
	trap library::_cleanup EXIT

	local deps=(build-essential pkg-config zstd binutils ${LIB_DEPS[@]+"${LIB_DEPS[@]}"})
	build::is_url "$source_arg" && deps+=(curl ca-certificates)
	build::install_deps "${deps[@]}"

	local srcdir version
	srcdir="$(build::unpack "$source_arg")"
	version="$(lib_version "$srcdir")" || build::die "$source_arg does not look like the $LIB_NAME source"
	[[ "$version" =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || build::die "bad version '$version' from $source_arg"

	local name
	name="$(platform::archive_name "$LIB_NAME" "$version")"
	build::log "building $LIB_NAME $version -> $name"

	step=$SECONDS
	local destdir="$BUILD_WORK/dest"
	# No temp build paths in the binaries (__FILE__ in error messages and assertions).
	export CFLAGS="${CFLAGS:--O2} -ffile-prefix-map=$BUILD_WORK/="
	export CXXFLAGS="${CXXFLAGS:--O2} -ffile-prefix-map=$BUILD_WORK/="
	(cd "$srcdir" && lib_build "$srcdir" "$prefix" "$destdir")
	if grep -rl -F "$BUILD_WORK" "$destdir" >&2; then
		build::die "installed files name the temp build dir $BUILD_WORK (above)"
	fi
	local root="$destdir$prefix"
	[[ -d "$root" ]] || build::die "the install put nothing in $prefix"
	build::log "build and install done ($((SECONDS - step))s)"

	library::prune "$root"
	build::relocate_pc "$root" "$prefix"
	find "$root/lib" -maxdepth 1 -type f -name '*.so*' -exec strip --strip-debug {} +

	local members=() member
	while IFS= read -r member; do
		members+=("$member")
	done < <(find "$root" -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
	tar -C "$root" --sort=name --owner=0 --group=0 --numeric-owner -cf - -- "${members[@]}" |
		zstd -q -T0 -"${ZSTD_LEVEL:-19}" -o "$BUILD_WORK/$name"

	build::log "checking $name"
	library::check_archive "$BUILD_WORK/$name" "$version"

	mkdir -p "$outdir"
	outdir="$(cd "$outdir" && pwd)"
	_LIB_TMP_FILES=("$outdir/.$name.tmp.$$" "$outdir/.$name.sha256.tmp.$$")
	rm -f "$outdir/$name.sha256"
	cp "$BUILD_WORK/$name" "$outdir/.$name.tmp.$$"
	mv -f "$outdir/.$name.tmp.$$" "$outdir/$name"
	(cd "$outdir" && sha256sum "$name") >"$outdir/.$name.sha256.tmp.$$"
	mv -f "$outdir/.$name.sha256.tmp.$$" "$outdir/$name.sha256"
	build::log "wrote $outdir/$name ($(du -h "$outdir/$name" | cut -f1), total $((SECONDS - started))s)"
	echo "$outdir/$name"
}

_LIB_TMP_FILES=()
library::_cleanup() {
	if [[ ${#_LIB_TMP_FILES[@]} -gt 0 ]]; then
		rm -f "${_LIB_TMP_FILES[@]}"
	fi
	if [[ -n "${BUILD_WORK:-}" ]]; then
		if [[ "${KEEP_BUILD_DIR:-}" == 1 ]]; then
			build::log "build dir kept: $BUILD_WORK"
		else
			rm -rf "$BUILD_WORK"
		fi
	fi
}
