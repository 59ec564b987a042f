#!/usr/bin/env bats
# Checks the CPython 3.13.15 runtime archive of the local mirror (built by `make mirror`, i.e.
# builds/mirror.sh): checksum, layout, the modules it must have, relocation and venv creation.
# MIRROR_DIR defaults to the checkout's .mirror directory.

PY_VERSION=3.13.15
PY_MM=3.13

setup() {
	load ../helpers/test_helper
	mirror_archive python "$PY_VERSION"
	# A path with a space in it: the runtime must not depend on where it is unpacked.
	TEST_TMP="$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/runtime archive.XXXXXX")"
	PY_HOME="$TEST_TMP/python home"
	mkdir -p "$PY_HOME"
	VENV_TMP=""
}

teardown() {
	if [[ -n "${TEST_TMP:-}" ]]; then
		rm -rf "$TEST_TMP"
	fi
	if [[ -n "${VENV_TMP:-}" ]]; then
		rm -rf "$VENV_TMP"
	fi
}

unpack() {
	tar --zstd -xf "$ARCHIVE" -C "$PY_HOME"
}

@test "archive checksum verifies with sha256sum -c" {
	run bash -c 'cd "$1" && sha256sum -c "$2.sha256"' _ "$MIRROR_DIR" "$ARCHIVE_NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "$ARCHIVE_NAME: OK" ]]
}

@test "archive has the prefix contents at its root and no test package" {
	tar --zstd -tf "$ARCHIVE" >"$TEST_TMP/members"
	grep -qx 'bin/python3' "$TEST_TMP/members"
	grep -qx "lib/python$PY_MM/os.py" "$TEST_TMP/members"
	grep -q '^include/' "$TEST_TMP/members"
	run grep -E '^(\./|/)' "$TEST_TMP/members"
	[ "$status" -eq 1 ]
	unpack
	[ -d "$PY_HOME/lib/python$PY_MM" ]
	[ ! -e "$PY_HOME/lib/python$PY_MM/test" ]
	[ ! -e "$PY_HOME/lib/python$PY_MM/idlelib/idle_test" ]
	[ -L "$PY_HOME/bin/python" ] || [ -x "$PY_HOME/bin/python" ]
}

@test "trimmed as Heroku's runtimes: the standard library compiled once, unchecked-hash; one libpython; no prefix-bound scripts; stripped" {
	unpack
	# one level of bytecode, every file hash-based and unchecked (PEP 552 flags 0b01)
	run find "$PY_HOME" -name '*.opt-*.pyc'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$PY_HOME/bin/python3" -I -c '
import pathlib, sys
flags = {p.read_bytes()[4:8] for p in pathlib.Path(sys.argv[1]).rglob("*.pyc")}
print(sorted(flags), len(list(pathlib.Path(sys.argv[1]).rglob("*.py"))) > 500)' "$PY_HOME/lib/python$PY_MM"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "[b'\x01\x00\x00\x00'] True" ]
	[ -f "$PY_HOME/lib/python$PY_MM/os.py" ]
	[ -f "$PY_HOME/lib/python$PY_MM/__pycache__/os.cpython-${PY_MM/./}.pyc" ]
	# the static libpython once; LIBPL's is a link to it
	[ -f "$PY_HOME/lib/libpython$PY_MM.a" ] && [ ! -L "$PY_HOME/lib/libpython$PY_MM.a" ]
	[ -L "$PY_HOME/lib/python$PY_MM/config-$PY_MM-x86_64-linux-gnu/libpython$PY_MM.a" ] ||
		[ -L "$PY_HOME/lib/python$PY_MM/config-$PY_MM-aarch64-linux-gnu/libpython$PY_MM.a" ]
	[ "$(find "$PY_HOME" -name "libpython*.a" -type f | wc -l)" -eq 1 ]
	run bash -c 'ls "$1/bin" | grep -E "^(idle|pydoc|2to3)"' _ "$PY_HOME"
	[ "$status" -eq 1 ]
	# stripped: no symbol table or debug info in the interpreter and the extension modules
	run bash -c 'for f in "$1/bin/python$2" "$1"/lib/python$2/lib-dynload/*.so; do readelf -S "$f" | grep -E "\.(symtab|debug_)" && echo "$f"; done; true' _ "$PY_HOME" "$PY_MM"
	echo "$output"
	[ -z "$output" ]
}

@test "sysconfig's build-time paths and pkg-config's name the unpack directory, not the prefix it was built for" {
	unpack
	run env -u PYTHONHOME -u PYTHONPATH "$PY_HOME/bin/python3" -c '
import sysconfig
for var in ("INCLUDEPY", "CONFINCLUDEPY", "LIBPL", "LIBDIR", "prefix"):
    print(sysconfig.get_config_var(var))'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$PY_HOME/include/python$PY_MM" ]
	[ "${lines[1]}" = "$PY_HOME/include/python$PY_MM" ]
	[[ "${lines[2]}" == "$PY_HOME/lib/python$PY_MM/config-$PY_MM-"* ]]
	[ "${lines[3]}" = "$PY_HOME/lib" ]
	[ "${lines[4]}" = "$PY_HOME" ]
	# (pkg-config's quoting of the space undone by xargs)
	run bash -c 'PKG_CONFIG_LIBDIR="$1/lib/pkgconfig" pkg-config --cflags-only-I python3 | xargs printf "%s\n"' _ "$PY_HOME"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(realpath -m "${output#-I}")" = "$PY_HOME/include/python$PY_MM" ]
}

@test "python3 imports ssl, sqlite3, ctypes, lzma, bz2, zlib, decimal, readline" {
	unpack
	run "$PY_HOME/bin/python3" -c 'import ssl, sqlite3, ctypes, lzma, bz2, zlib, decimal, readline; print(ssl.OPENSSL_VERSION)'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == OpenSSL* ]]
	run "$PY_HOME/bin/python3" -c 'import sys, hashlib, _uuid; print(sys.version.split()[0], hashlib.sha256(b"").hexdigest()[:8])'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$PY_VERSION e3b0c442" ]
}

@test "sys.prefix is the unpack directory (relocatable)" {
	unpack
	run env -u PYTHONHOME -u PYTHONPATH "$PY_HOME/bin/python3" -c 'import sys; print(sys.prefix); print(sys.exec_prefix)'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$PY_HOME" ]
	[ "${lines[1]}" = "$PY_HOME" ]
	# Also through the bin/python symlink and from another working directory.
	run bash -c 'cd / && "$1/bin/python" -c "import sys, os; print(sys.prefix); print(os.__file__)"' _ "$PY_HOME"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$PY_HOME" ]
	[ "${lines[1]}" = "$PY_HOME/lib/python$PY_MM/os.py" ]
}

@test "python3 -m venv --without-pip creates a working environment" {
	unpack
	VENV_TMP="$(mktemp -d "${TMPDIR:-/tmp}/runtime venv.XXXXXX")"
	venv="$VENV_TMP/env"
	run "$PY_HOME/bin/python3" -m venv --without-pip "$venv"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$venv/bin/python" -c 'import sys, ssl; print(sys.prefix); print(sys.base_prefix)'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$venv" ]
	[ "${lines[1]}" = "$PY_HOME" ]
}
