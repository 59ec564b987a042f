#!/usr/bin/env bats
# Checks the native library archives of the local mirror (built by `make mirror`, i.e.
# builds/mirror.sh with builds/libraries/NAME/build.sh): checksum, layout, that a C program compiles,
# links and runs against the unpacked archive wherever it is, that the shared objects need nothing
# but the C/C++ runtime, and that pkg-config gives paths inside the unpacked directory.
# MIRROR_DIR defaults to the checkout's .mirror directory.

LIBMEMCACHED_VERSION=1.1.4
LZO2_VERSION=2.10

setup() {
	load ../helpers/test_helper
	TEST_TMP=""
}

teardown() {
	if [[ -n "${TEST_TMP:-}" ]]; then
		rm -rf "$TEST_TMP"
	fi
}

# use_library NAME VERSION: sets ARCHIVE, ARCHIVE_NAME and ROOT (an empty directory whose path
# has a space in it); fails when the archive is not in the mirror.
use_library() {
	LIB="$1"
	LIB_VERSION="$2"
	mirror_archive "$LIB" "$LIB_VERSION"
	TEST_TMP="$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/library archive.XXXXXX")"
	ROOT="$TEST_TMP/vendor dir/$LIB"
	mkdir -p "$ROOT"
}

unpack() {
	tar --zstd -xf "$ARCHIVE" -C "$ROOT"
}

# check_program NAME: the C source of the recipe's own check program (it prints the version first).
check_program() {
	(
		# shellcheck disable=SC1090
		source "${BUILDPACK_DIR}/builds/libraries/$1/build.sh" && lib_check_program
	)
}

# link_flag NAME: the recipe's link flag for its library, such as -lmemcached.
link_flag() {
	(
		# shellcheck disable=SC1090
		source "${BUILDPACK_DIR}/builds/libraries/$1/build.sh" && echo "${LIB_CHECK_LIBS[0]}"
	)
}

# pkg_config ARGS...: pkg-config that sees only the unpacked archive's .pc files.
pkg_config() {
	PKG_CONFIG_PATH="$ROOT/lib/pkgconfig" PKG_CONFIG_LIBDIR="$ROOT/lib/pkgconfig" pkg-config "$@"
}

# pkg_config_words ARGS...: pkg-config's output, one word a line (its quoting of spaces undone).
pkg_config_words() {
	local out
	out="$(pkg_config "$@")" || return 1
	printf '%s' "$out" | xargs printf '%s\n'
}

check_checksum() {
	run bash -c 'cd "$1" && sha256sum -c "$2.sha256"' _ "$MIRROR_DIR" "$ARCHIVE_NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "$ARCHIVE_NAME: OK" ]]
}

check_layout() {
	tar --zstd -tf "$ARCHIVE" >"$TEST_TMP/members"
	# Only include/ and lib/ at the root, no absolute or ./ members.
	run grep -Ev '^(include|lib)(/|$)' "$TEST_TMP/members"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -qx "lib/pkgconfig/$LIB.pc" "$TEST_TMP/members"
	# No static or libtool libraries, tools, docs or man pages.
	run grep -E '\.(a|la)$|^(bin|share|man|doc)/|/cmake/' "$TEST_TMP/members"
	echo "$output"
	[ "$status" -eq 1 ]
	unpack
	# The unversioned .so is a symlink to the versioned file, and nothing dangles.
	local so
	so="$ROOT/lib/lib${1}.so"
	[ -L "$so" ]
	[ -f "$(readlink -f "$so")" ]
	run find "$ROOT" -xtype l
	[ -z "$output" ]
	# Nothing points at the install prefix: the archive works wherever it is unpacked.
	run grep -rl '/app/.heroku' "$ROOT/include" "$ROOT/lib/pkgconfig"
	echo "$output"
	[ "$status" -eq 1 ]
}

check_compile_and_run() {
	unpack
	check_program "$LIB" >"$TEST_TMP/check.c"
	run cc -Wall -o "$TEST_TMP/check" "$TEST_TMP/check.c" -I"$ROOT/include" -L"$ROOT/lib" "$(link_flag "$LIB")"
	echo "$output"
	[ "$status" -eq 0 ]
	run env LD_LIBRARY_PATH="$ROOT/lib" "$TEST_TMP/check"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$LIB_VERSION" ]
	# The library came from the archive.
	run env LD_LIBRARY_PATH="$ROOT/lib" ldd "$TEST_TMP/check"
	echo "$output"
	[[ "$output" == *"=> $ROOT/lib/lib$(link_flag "$LIB" | cut -c3-).so"* ]]
	[[ "$output" != *"not found"* ]]
}

check_needed() {
	unpack
	local so needed lib own=" " bad=0
	# Libraries of the archive may need each other (libmemcached needs libhashkit).
	for so in "$ROOT"/lib/*.so.*; do
		[[ -L "$so" ]] || own+="$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p') "
	done
	for so in "$ROOT"/lib/*.so.*; do
		[[ -L "$so" ]] && continue
		needed="$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')"
		echo "$(basename "$so") NEEDED: $(echo "$needed" | tr '\n' ' ')"
		[ -n "$needed" ]
		for lib in $needed; do
			if [[ "$lib" =~ ^(libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libpthread\.so\.0|ld-linux[-a-z0-9_.]*\.so\.[0-9]+)$ ]]; then
				continue
			fi
			if [[ "$own" == *" $lib "* ]]; then
				continue
			fi
			echo "  unexpected: $lib"
			bad=1
		done
	done
	[ "$bad" -eq 0 ]
}

check_pkg_config() {
	unpack
	local real_root word path real saw_i=0 saw_l=0 saw_lib=0 flags=()
	real_root="$(realpath "$ROOT")"
	run pkg_config --modversion "$LIB"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$LIB_VERSION" ]
	run pkg_config --cflags --libs "$LIB"
	echo "$output"
	[ "$status" -eq 0 ]
	while IFS= read -r word; do
		flags+=("$word")
		case "$word" in
		-I* | -L*)
			path="${word:2}"
			real="$(realpath -m "$path")"
			echo "$word -> $real"
			[[ "$real" == "$real_root"/* ]]
			[ -d "$real" ]
			if [[ "$word" == -I* ]]; then saw_i=1; else saw_l=1; fi
			;;
		"$(link_flag "$LIB")") saw_lib=1 ;;
		esac
	done < <(pkg_config_words --cflags --libs "$LIB")
	[ "$saw_i" -eq 1 ]
	[ "$saw_l" -eq 1 ]
	[ "$saw_lib" -eq 1 ]
	# The flags alone are enough to build the program.
	check_program "$LIB" >"$TEST_TMP/check.c"
	run cc -Wall -o "$TEST_TMP/check" "$TEST_TMP/check.c" "${flags[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	run env LD_LIBRARY_PATH="$ROOT/lib" "$TEST_TMP/check"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$LIB_VERSION" ]
}

@test "libmemcached: archive checksum verifies with sha256sum -c" {
	use_library libmemcached "$LIBMEMCACHED_VERSION"
	check_checksum
}

@test "libmemcached: archive has include/ and lib/ at its root, shared libraries only" {
	use_library libmemcached "$LIBMEMCACHED_VERSION"
	check_layout memcached
	[ -f "$ROOT/include/libmemcached/memcached.h" ]
	[ -L "$ROOT/lib/libmemcached.so.11" ]
	[ -L "$ROOT/lib/libmemcachedutil.so" ]
}

@test "libmemcached: a C program compiles, links and runs against the unpacked archive" {
	use_library libmemcached "$LIBMEMCACHED_VERSION"
	check_compile_and_run
}

@test "libmemcached: shared objects need only libc, libm, libstdc++, libgcc_s, libpthread, ld-linux" {
	use_library libmemcached "$LIBMEMCACHED_VERSION"
	check_needed
	# No SASL, TLS or libevent.
	run bash -c 'readelf -d "$1"/lib/*.so.* | grep NEEDED' _ "$ROOT"
	[[ "$output" != *sasl* && "$output" != *ssl* && "$output" != *crypto* && "$output" != *event* ]]
}

@test "libmemcached: pkg-config gives -I/-L paths inside the unpacked directory" {
	use_library libmemcached "$LIBMEMCACHED_VERSION"
	check_pkg_config
}

@test "lzo2: archive checksum verifies with sha256sum -c" {
	use_library lzo2 "$LZO2_VERSION"
	check_checksum
}

@test "lzo2: archive has include/ and lib/ at its root, shared libraries only" {
	use_library lzo2 "$LZO2_VERSION"
	check_layout lzo2
	[ -f "$ROOT/include/lzo/lzo1x.h" ]
	[ -L "$ROOT/lib/liblzo2.so.2" ]
}

@test "lzo2: a C program compiles, links and runs against the unpacked archive" {
	use_library lzo2 "$LZO2_VERSION"
	check_compile_and_run
}

@test "lzo2: shared objects need only libc, libm, libstdc++, libgcc_s, libpthread, ld-linux" {
	use_library lzo2 "$LZO2_VERSION"
	check_needed
}

@test "lzo2: pkg-config gives -I/-L paths inside the unpacked directory" {
	use_library lzo2 "$LZO2_VERSION"
	check_pkg_config
}
