#!/usr/bin/env bats
# A slug built here runs on a bare run stack: a chroot with Debian's minimal base system and only
# the shared libraries the runtime links against, without the compiler, headers, Python or
# libmemcached of the machine that built it.

bats_require_minimum_version 1.5.0

load ../helpers/suite
load ../helpers/run_stack

setup() {
	suite_setup
	run_stack || skip "$RUN_STACK_UNAVAILABLE"
}

@test "the run stack has none of the build machine's tools (so the next test proves something)" {
	for program in gcc cc python3 python make; do
		run -127 chroot "$RUN_STACK" sh -c "command -v ${program}"
	done
	run find "$RUN_STACK/usr" -name 'libmemcached*'
	assert_equal "$output" ""
}

@test "a web app with a compiled extension: built here, its slug serves from a bare run stack" {
	new_app stack-app
	compile_app
	assert_success
	assert_output_contains "libmemcached 1.1.4: pylibmc (requirements.txt:4) needs it"
	slug_to_app

	# The runtime's standard library modules that need a shared library of the stack all import.
	run in_run_stack 'python -c "
import bz2, ctypes, dbm.gnu, decimal, hashlib, lzma, readline, sqlite3, ssl, uuid, zlib
ctypes.CDLL(None)
print(\"stdlib ok\", ssl.OPENSSL_VERSION)
"'
	assert_success
	assert_output_contains "stdlib ok OpenSSL 3."

	run in_run_stack 'ldd "$(python -c "import _pylibmc; print(_pylibmc.__file__)")"'
	assert_success
	assert_output_contains "libmemcached.so.11 => /app/.heroku/vendor/libmemcached/lib/libmemcached.so.11"
	refute_output_contains "not found"

	start_memcached
	WEB_PORT="$(free_port)"
	start_in_run_stack "${BATS_TEST_TMPDIR}/web.log" "exec $(sed -n 's/^web:[[:space:]]*//p' /app/Procfile)" \
		PORT="$WEB_PORT" DYNO=web.1 MEMCACHE_SERVERS="127.0.0.1:${MEMCACHED_PORT}" \
		GUNICORN_CMD_ARGS="--bind 127.0.0.1:${WEB_PORT}"
	wait_for_url "http://127.0.0.1:${WEB_PORT}/" 100 ||
		fail "the web process did not answer" "$(cat "${BATS_TEST_TMPDIR}/web.log")"
	run curl -sS -w ' %{http_code}' "http://127.0.0.1:${WEB_PORT}/"
	assert_output_contains "hello from the run stack (OpenSSL, sqlite 3."
	[[ "$output" == *") 200" ]] || fail "expected HTTP 200" "$output"
	# WEB_PID is the web process itself (each step execs the next): the master gunicorn.
	run cat "/proc/${WEB_PID}/cmdline"
	assert_output_contains "gunicorn"
}
