#!/usr/bin/env bash
# Builds LZO 2 (liblzo2, the library python-lzo compiles against) into the relocatable archive
# lzo2-VERSION-STACK-ARCH.tar.zst for /app/.heroku/vendor/lzo2.
#
#   build.sh SOURCE OUTDIR
#
# SOURCE: upstream lzo-2.x tarball (path or URL; Debian's lzo2_2.x.orig.tar.gz is the same).
# See builds/libraries/lib.sh for the archive layout and the checks.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=builds/libraries/lib.sh
source "$here/../lib.sh"

LIB_DEPS=()
LIB_PKGCONFIG=lzo2
LIB_CHECK_LIBS=(-llzo2)

lib_version() {
	[[ -f "$1/include/lzo/lzo1x.h" && -f "$1/lzo2.pc.in" ]] || return 1
	sed -n 's/^#define[[:space:]]*LZO_VERSION_STRING[[:space:]]*"\([^"]*\)".*/\1/p' "$1/include/lzo/lzoconf.h"
}

lib_build() {
	local prefix="$2" destdir="$3"
	build::run_logged configure ./configure --prefix="$prefix" --libdir="$prefix/lib" \
		--enable-shared --disable-static
	build::run_logged make make -j"$(nproc)"
	build::run_logged install make install DESTDIR="$destdir"
	# Upstream's Cflags only has include/lzo (for #include <lzo1x.h>); most code says
	# #include <lzo/lzo1x.h>, which system packages find in /usr/include: add include/ too.
	local pc="$destdir$prefix/lib/pkgconfig/lzo2.pc"
	# shellcheck disable=SC2016 # ${includedir} is a pkg-config variable
	grep -qx 'Cflags: -I${includedir}/lzo' "$pc" || build::die "unexpected Cflags line in lzo2.pc"
	# shellcheck disable=SC2016
	sed -i 's|^Cflags: -I${includedir}/lzo$|Cflags: -I${includedir}/lzo -I${includedir}|' "$pc"
}

lib_check_program() {
	cat <<'C'
#include <stdio.h>
#include <string.h>
#include <lzo/lzo1x.h>

int main(void) {
    static unsigned char in[4096], out[4096 + 4096 / 16 + 64 + 3], back[4096];
    static lzo_align_t wrk[(LZO1X_1_MEM_COMPRESS + sizeof(lzo_align_t) - 1) / sizeof(lzo_align_t)];
    lzo_uint out_len = 0, back_len = sizeof(back);
    if (lzo_init() != LZO_E_OK) {
        fprintf(stderr, "lzo_init failed\n");
        return 1;
    }
    printf("%s\n", lzo_version_string());
    for (size_t i = 0; i < sizeof(in); i++) in[i] = (unsigned char)("lzo2 "[i % 5]);
    if (lzo1x_1_compress(in, sizeof(in), out, &out_len, wrk) != LZO_E_OK ||
        lzo1x_decompress_safe(out, out_len, back, &back_len, NULL) != LZO_E_OK ||
        back_len != sizeof(in) || memcmp(in, back, sizeof(in)) != 0) {
        fprintf(stderr, "lzo1x round trip failed\n");
        return 1;
    }
    printf("lzo1x round trip ok: %lu -> %lu bytes\n", (unsigned long)sizeof(in), (unsigned long)out_len);
    return 0;
}
C
}

# Sourced (by the tests, for lib_check_program) it only defines; run, it builds.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	library::main "$@"
fi
