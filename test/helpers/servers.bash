#!/usr/bin/env bash
# Real servers on 127.0.0.1 for the tests: a simple package index over HTTP, made of sdists the
# tests build from test/fixtures/sdists.

# free_port: a TCP port nobody listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# build_sdist NAME VERSION DEST_DIR: tar the fixture test/fixtures/sdists/NAME as NAME-VERSION.tar.gz
build_sdist() {
	local name="$1" version="$2" dest="$3" stage
	stage="$(mktemp -d)"
	cp -a "${FIXTURES}/sdists/${name}" "${stage}/${name}-${version}"
	printf 'Metadata-Version: 1.0\nName: %s\nVersion: %s\n' "$name" "$version" >"${stage}/${name}-${version}/PKG-INFO"
	mkdir -p "$dest"
	tar -C "$stage" -czf "${dest}/${name}-${version}.tar.gz" "${name}-${version}"
	rm -rf -- "$stage"
}

# start_index NAME...: serve a simple index of the named fixture sdists (version 1.0) on
# 127.0.0.1; sets INDEX_URL (…/simple) and INDEX_PID.
start_index() {
	local root="${BATS_TEST_TMPDIR}/index" name port
	for name in "$@"; do
		build_sdist "$name" 1.0 "${root}/simple/${name}"
	done
	port="$(free_port)"
	python3 -m http.server --bind 127.0.0.1 --directory "$root" "$port" >"${BATS_TEST_TMPDIR}/index.log" 2>&1 &
	INDEX_PID=$!
	INDEX_URL="http://127.0.0.1:${port}/simple"
	local _
	for _ in $(seq 1 50); do
		curl -fsS "${INDEX_URL}/" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "the fixture index did not start"
}

stop_servers() {
	if [[ -n "${INDEX_PID:-}" ]]; then
		kill "$INDEX_PID" 2>/dev/null || true
		wait "$INDEX_PID" 2>/dev/null || true
		INDEX_PID=""
	fi
}
