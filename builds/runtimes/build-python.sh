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
# libpython is static (no --enable-shared; one libpython3.X.a), so the interpreter finds its prefix
# from the location of its executable and the tree works wherever it is unpacked; sysconfig's
# build-time paths and pkg-config's files follow it there too. Trimmed as Heroku's runtimes are: no
# test suites, no scripts that only run at the prefix, binaries stripped, the standard library's
# bytecode compiled once in unchecked-hash mode.
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

# --- trim the tree, as Heroku's runtimes are -----------------------------------------------------
stdlib="$prefix/lib/python$major_minor"
# The test suites (--disable-test-modules leaves out most of them). idlelib, turtledemo, tkinter
# and pydoc_data stay, as in Heroku's runtimes.
find "$stdlib" -depth -type d \( -name test -o -name tests -o -name idle_test \) -exec rm -rf {} +
# Scripts whose shebang names the prefix: they run only there (python -m pydoc, idlelib, lib2to3
# do the same anywhere). python3-config finds its prefix from where it is and stays.
rm -f "$prefix"/bin/{idle,pydoc,2to3}*
if [[ ! -e "$prefix/bin/python" ]]; then
	ln -s python3 "$prefix/bin/python"
fi
# One static libpython: make install copies it to LIBDIR and to LIBPL (config-X.Y-*/), where
# packages that embed Python (uWSGI) and python3-config look for it; LIBPL's is made a link.
config_dir=("$stdlib"/config-"$major_minor"*/)
[[ ${#config_dir[@]} -eq 1 && -f "${config_dir[0]}libpython$major_minor.a" ]] ||
	build::die "no config-$major_minor*/libpython$major_minor.a in $stdlib"
cmp -s "$prefix/lib/libpython$major_minor.a" "${config_dir[0]}libpython$major_minor.a" ||
	build::die "the two copies of libpython$major_minor.a differ"
ln -sf "../../libpython$major_minor.a" "${config_dir[0]}libpython$major_minor.a"
# Symbols: all of them off the interpreter and the extension modules (what extensions link
# against is the interpreter's dynamic symbol table, which stays); the debug info off the static
# library, whose symbols are what links against it.
find "$prefix/bin" "$stdlib/lib-dynload" -type f \( -name "python$major_minor" -o -name '*.so' \) \
	-exec strip --strip-all {} +
strip --strip-debug "$prefix/lib/libpython$major_minor.a"

# --- the build-time configuration follows where the runtime is ----------------------------------
# sysconfig's build-time variables (INCLUDEPY, LIBPL, LIBDIR, ...) name the prefix; setuptools
# compiles against INCLUDEPY whenever that directory exists, so a build on a machine whose
# $PREFIX holds another runtime would use its headers. They name where the runtime really is
# instead, read from the module's own location when it is loaded; pkg-config's files likewise.
sysconfigdata=("$stdlib"/_sysconfigdata_*.py)
[[ ${#sysconfigdata[@]} -eq 1 ]] || build::die "expected one _sysconfigdata_*.py in $stdlib"
cat >>"${sysconfigdata[0]}" <<EOF


# builds/runtimes/build-python.sh: the paths above name the prefix the runtime was built for; when
# it is elsewhere (unpacked into a build directory, a layer), they name where it is.
def _follow(built="$PREFIX"):
    import os

    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if here != built:
        for key, value in build_time_vars.items():
            if isinstance(value, str) and built in value:
                build_time_vars[key] = value.replace(built, here)


_follow()
del _follow
EOF
build::relocate_pc "$prefix" "$PREFIX"

# --- bytecode: the standard library's, once, hash-based ------------------------------------------
# make install compiled it three times (no optimization, -O and -OO) with timestamp headers. One
# level (what a dyno runs), in unchecked-hash mode: valid whatever the files' times (a CNB
# exporter sets them all to one date) and not checked against the source at each import.
find "$prefix" -name '*.pyc' -delete
build::run_logged compileall env -u PYTHONHOME -u PYTHONPATH "$prefix/bin/python3" -I -m compileall \
	-q -f -j 0 --invalidation-mode unchecked-hash -s "$destdir" -x 'bad_coding|badsyntax|site-packages' "$stdlib"

# --- check the result ----------------------------------------------------------------------------
build::log "checking the built runtime"
check_py='
import sys, ssl, sqlite3, ctypes, lzma, bz2, zlib, _uuid, readline, decimal, hashlib, sysconfig
import importlib.util, os
assert hashlib.sha256(b"abc").hexdigest().startswith("ba7816bf"), "sha256 broken"
assert sys.prefix == sys.argv[1], "prefix %r is not %r: tree is not relocatable" % (sys.prefix, sys.argv[1])
for var in ("INCLUDEPY", "CONFINCLUDEPY", "LIBPL", "LIBDIR"):
    assert sysconfig.get_config_var(var).startswith(sys.argv[1] + "/"), "%s is %r" % (var, sysconfig.get_config_var(var))
    assert os.path.isdir(sysconfig.get_config_var(var)), "%s is not a directory" % var
with open(importlib.util.cache_from_source(os.__file__), "rb") as pyc:
    assert pyc.read(8)[4:] == b"\1\0\0\0", "the standard library bytecode is not unchecked-hash"
print("%s, %s, sqlite %s" % (sys.version.split()[0], ssl.OPENSSL_VERSION, sqlite3.sqlite_version))
'
if ! checked="$(env -u PYTHONHOME -u PYTHONPATH "$prefix/bin/python3" -I -B -c "$check_py" "$prefix" 2>&1)"; then
	echo "$checked" >&2
	build::die "the built runtime is missing required modules or is not relocatable"
fi
build::log "ok: $checked"
[[ -d "$stdlib/test" ]] && build::die "$stdlib/test still present"
if find "$prefix" -name '*.opt-*.pyc' | grep -m 3 . >&2; then
	build::die "optimized bytecode (above) is still there"
fi
includes="$(PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" pkg-config --cflags-only-I "python-$major_minor" | xargs printf '%s\n')"
[[ "$(realpath -m "${includes#-I}")" == "$prefix/include/python$major_minor" ]] ||
	build::die "pkg-config gives '$includes' for python-$major_minor, not the tree's include directory"

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
