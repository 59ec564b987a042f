#!/usr/bin/env bash
# Builds libmemcached (libmemcached-awesome, the CMake project; what pylibmc compiles against) into
# the relocatable archive libmemcached-VERSION-STACK-ARCH.tar.zst for /app/.heroku/vendor/libmemcached.
#
#   build.sh SOURCE OUTDIR
#
# SOURCE: upstream libmemcached-awesome 1.1.x tarball (path or URL; Debian's
#         libmemcached_1.1.x.orig.tar.gz is the same).
# Minimal features: no SASL, no OpenSSL (bundled AES), no dtrace, no tests, no docs, no memaslap
# and no mem* client tools (only the library targets are built), so the shared objects need only
# libc, libm, libstdc++ and libgcc_s (and libevent is not needed). Ships libmemcached,
# libmemcachedutil, libhashkit and libmemcachedprotocol.
# See builds/libraries/lib.sh for the archive layout and the checks.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=builds/libraries/lib.sh
source "$here/../lib.sh"

LIB_DEPS=(cmake bison flex)
LIB_PKGCONFIG=libmemcached
LIB_CHECK_LIBS=(-lmemcached)

lib_version() {
	[[ -f "$1/CMakeVersions.txt" ]] || return 1
	grep -q 'project(libmemcached-awesome' "$1/CMakeLists.txt" || return 1
	sed -n 's/^set(LIBMEMCACHED_VERSION[[:space:]]\{1,\}\([0-9][0-9.]*\))$/\1/p' "$1/CMakeVersions.txt"
}

lib_build() {
	local srcdir="$1" prefix="$2" destdir="$3" build="$BUILD_WORK/build"
	# The options also read environment variables of the same names: clear them.
	build::run_logged cmake-configure env -u ENABLE_SASL -u ENABLE_DTRACE -u BUILD_TESTING \
		-u ENABLE_MEMASLAP -u ENABLE_OPENSSL_CRYPTO -u BUILD_DOCS -u BUILD_DOCSONLY -u CMAKE_BUILD_TYPE \
		cmake -S "$srcdir" -B "$build" \
		-DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_INSTALL_PREFIX="$prefix" \
		-DCMAKE_INSTALL_LIBDIR=lib \
		-DCMAKE_INSTALL_INCLUDEDIR=include \
		-DBUILD_SHARED_LIBS=ON \
		-DBUILD_TESTING=OFF \
		-DBUILD_DOCS=OFF -DBUILD_DOCS_HTML=OFF -DBUILD_DOCS_MAN=OFF -DBUILD_DOCS_MANGZ=OFF \
		-DENABLE_SASL=OFF \
		-DENABLE_DTRACE=OFF \
		-DENABLE_OPENSSL_CRYPTO=OFF \
		-DENABLE_MEMASLAP=OFF \
		-DENABLE_SANITIZERS=
	# Only the libraries: the mem* client tools are always part of the default target.
	build::run_logged cmake-build cmake --build "$build" -j"$(nproc)" \
		--target libmemcached libmemcachedutil libhashkit libmemcachedprotocol
	local component
	for component in lib dev; do
		build::run_logged "cmake-install-$component" env DESTDIR="$destdir" \
			cmake --install "$build" --component "$component"
	done
	if grep -E 'HAVE_(LIBSASL|DTRACE|OPENSSL_CRYPTO)[[:space:]]+1' "$build/mem_config.h" >&2; then
		build::die "a feature that must be off is on (above)"
	fi
}

lib_check_program() {
	cat <<'C'
#include <stdio.h>
#include <string.h>
#include <libmemcached/memcached.h>

int main(void) {
    /* The configuration string goes through the bison/flex parser; no server is contacted. */
    const char *config = "--SERVER=127.0.0.1:11211 --SERVER=127.0.0.2:11212";
    memcached_st *memc;
    printf("%s\n", memcached_lib_version());
    memc = memcached(config, strlen(config));
    if (memc == NULL) {
        fprintf(stderr, "memcached(\"%s\") failed\n", config);
        return 1;
    }
    if (memcached_server_count(memc) != 2) {
        fprintf(stderr, "expected 2 servers, got %u\n", memcached_server_count(memc));
        memcached_free(memc);
        return 1;
    }
    printf("configured %u servers\n", memcached_server_count(memc));
    memcached_free(memc);
    return 0;
}
C
}

# Sourced (by the tests, for lib_check_program) it only defines; run, it builds.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	library::main "$@"
fi
