#!/usr/bin/env bash
# Builds a relocatable CPython runtime from an upstream source tarball.
#
#   build-python.sh SOURCE OUTDIR
#
# SOURCE: path, or http(s):// / file:// URL, of an upstream CPython release tarball (.tar.xz, .tgz,
#         .tar.gz; Debian's *.orig.tar.xz is the same tarball).
# OUTDIR: gets python-X.Y.Z-STACK-ARCH.tar.zst and python-X.Y.Z-STACK-ARCH.tar.zst.sha256.
#
# The archive holds the contents of the prefix /app/.heroku/python at its root (bin/python3,
# lib/pythonX.Y/, include/, ...): unpack it with `tar --zstd -xf ARCHIVE -C .heroku/python`.
# libpython is static (no --enable-shared), so the interpreter finds its prefix from the location
# of its executable and the tree works wherever it is unpacked.
#
# Prints the archive path on stdout; progress goes to stderr.
# Environment: ZSTD_LEVEL (default 19), KEEP_BUILD_DIR=1 keeps the temp build dir for debugging.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/platform.sh
source "$here/../../lib/platform.sh"
# shellcheck source=lib/slug.sh
source "$here/../../lib/slug.sh"
readonly PREFIX="${SLUG_HOME}/${SLUG_RUNTIME}"

# shellcheck source=builds/common.sh
source "$here/../common.sh"
BUILD_LOG_TAG=build-python

if [[ $# -ne 2 ]]; then
	echo "usage: $0 SOURCE OUTDIR" >&2
	exit 2
fi
source_arg="$1"
outdir="$2"
started=$SECONDS

BUILD_WORK="$(mktemp -d "${TMPDIR:-/tmp}/build-python.XXXXXX")"
work="$BUILD_WORK"
cleanup() {
	if [[ "${KEEP_BUILD_DIR:-}" == 1 ]]; then
		build::log "build dir kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# --- build dependencies --------------------------------------------------------------------------
bash "$here/install-build-deps.sh"

# --- source tarball ------------------------------------------------------------------------------
srcdir="$(build::unpack "$source_arg")"
[[ -f "$srcdir/Include/patchlevel.h" && -x "$srcdir/configure" ]] ||
	build::die "$source_arg does not look like a CPython source tarball"

# --- version -------------------------------------------------------------------------------------
version="$(sed -n 's/^#define[[:space:]]*PY_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' "$srcdir/Include/patchlevel.h")"
topname="$(basename "$srcdir")"
if [[ -z "$version" && "$topname" == Python-* ]]; then
	version="${topname#Python-}"
fi
[[ "$version" =~ ^([0-9]+)\.([0-9]+)\.[0-9]+((a|b|rc)[0-9]+)?$ ]] ||
	build::die "unsupported or unreleased CPython version '$version' in $source_arg"
major_minor="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
if [[ "$topname" == Python-* && "$topname" != "Python-$version" ]]; then
	build::die "top directory $topname does not match patchlevel.h version $version"
fi

stack="$(platform::stack)"
arch="$(platform::arch)"
name="$(platform::archive_name python "$version" "$stack" "$arch")"
build::log "building CPython $version for $stack/$arch -> $name"

# --- configure / make / install ------------------------------------------------------------------
cd "$srcdir"
step=$SECONDS
build::run_logged configure ./configure \
	--prefix="$PREFIX" \
	--with-ensurepip=no \
	--disable-test-modules \
	--without-lto \
	--disable-optimizations
build::log "configure done ($((SECONDS - step))s)"

step=$SECONDS
build::run_logged make make -j"$(nproc)"
# The build of the extension modules does not fail make when a module fails to build or to
# import; those messages must not be ignored.
if grep -E -A 8 'Failed to build these modules|built successfully but were removed|Could not build the ssl module' \
	"$work/make.log" >&2; then
	build::die "some extension modules failed to build (see above)"
fi
build::log "make done ($((SECONDS - step))s)"

step=$SECONDS
destdir="$work/dest"
build::run_logged install make install DESTDIR="$destdir"
prefix="$destdir$PREFIX"
[[ -x "$prefix/bin/python$major_minor" ]] || build::die "make install did not produce bin/python$major_minor"
build::log "make install done ($((SECONDS - step))s)"

# --- trim the tree -------------------------------------------------------------------------------
stdlib="$prefix/lib/python$major_minor"
for dir in test idlelib/idle_test tkinter/test lib2to3/tests ctypes/test sqlite3/test \
	unittest/test distutils/tests; do
	rm -rf "${stdlib:?}/$dir"
done
# Debug info is most of the size of the interpreter, the static libpython and the extensions.
find "$prefix/bin" "$prefix/lib" -type f \( -name "python$major_minor" -o -name '*.so' -o -name 'libpython*.a' \) \
	-exec strip --strip-debug {} +
if [[ ! -e "$prefix/bin/python" ]]; then
	ln -s python3 "$prefix/bin/python"
fi

# --- check the result ----------------------------------------------------------------------------
build::log "checking the built runtime"
check_py='
import sys, ssl, sqlite3, ctypes, lzma, bz2, zlib, _uuid, readline, decimal, hashlib
assert hashlib.sha256(b"abc").hexdigest().startswith("ba7816bf"), "sha256 broken"
assert sys.prefix == sys.argv[1], "prefix %r is not %r: tree is not relocatable" % (sys.prefix, sys.argv[1])
print("%s, %s, sqlite %s" % (sys.version.split()[0], ssl.OPENSSL_VERSION, sqlite3.sqlite_version))
'
if ! checked="$(env -u PYTHONHOME -u PYTHONPATH "$prefix/bin/python3" -I -c "$check_py" "$prefix" 2>&1)"; then
	echo "$checked" >&2
	build::die "the built runtime is missing required modules or is not relocatable"
fi
build::log "ok: $checked"
[[ -d "$stdlib/test" ]] && build::die "$stdlib/test still present"

# --- archive -------------------------------------------------------------------------------------
step=$SECONDS
mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"
members=()
while IFS= read -r member; do
	members+=("$member")
done < <(find "$prefix" -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
tmp_archive="$outdir/.$name.tmp.$$"
tmp_sum="$outdir/.$name.sha256.tmp.$$"
trap 'rm -f "$tmp_archive" "$tmp_sum"; cleanup' EXIT
tar -C "$prefix" --sort=name --owner=0 --group=0 --numeric-owner -cf - -- "${members[@]}" |
	zstd -q -T0 -"${ZSTD_LEVEL:-19}" -o "$tmp_archive"
mv -f "$tmp_archive" "$outdir/$name"
(cd "$outdir" && sha256sum "$name") >"$tmp_sum"
mv -f "$tmp_sum" "$outdir/$name.sha256"
build::log "wrote $outdir/$name ($(du -h "$outdir/$name" | cut -f1), archive $((SECONDS - step))s, total $((SECONDS - started))s)"
echo "$outdir/$name"
