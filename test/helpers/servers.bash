#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2153,SC2154 # variables shared with the bats files that load this
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
	if [[ ! -f "${stage}/${name}-${version}/PKG-INFO" ]]; then
		printf 'Metadata-Version: 1.0\nName: %s\nVersion: %s\n' "$name" "$version" >"${stage}/${name}-${version}/PKG-INFO"
	fi
	mkdir -p "$dest"
	# (the same bytes at every run: a lock made of it, and a tool's cache of its hash, stay right)
	tar -C "$stage" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - "${name}-${version}" |
		gzip -n >"${dest}/${name}-${version}.tar.gz"
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
	wait_for_url "${INDEX_URL}/" || fail "the fixture index did not start"
}

# wait_for_url URL [TRIES]: 0 once URL answers (a try every 0.1 s, 50 tries by default), else 1.
wait_for_url() {
	local url="$1" tries="${2:-50}" _
	for _ in $(seq 1 "$tries"); do
		curl -fsS "$url" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# stop_pid PID: end a process the test started, and reap it (nothing when PID is empty).
stop_pid() {
	if [[ -n "${1:-}" ]]; then
		kill "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
}

stop_servers() {
	stop_pid "${INDEX_PID:-}"
	INDEX_PID=""
}

# make_pkg DIR NAME VALUE [flit]: a minimal pyproject package NAME whose module NAME says VALUE,
# built by setuptools, or with "flit" by flit_core: a real backend too, whose isolated build costs
# pip about half the CPU (no setuptools to install and import), for a test whose subject is not the
# backend. (An editable install of a setuptools package puts an import finder in site-packages,
# which the relocation rewrites; flit_core's is a .pth file.)
make_pkg() {
	local dir="$1" name="$2" value="$3" backend="${4:-setuptools}"
	mkdir -p "$dir"
	local requires='"setuptools>=64"' build_backend=setuptools.build_meta
	if [[ "$backend" == flit ]]; then
		requires='"flit_core>=3.4,<4"' build_backend=flit_core.buildapi
	fi
	cat >"${dir}/pyproject.toml" <<TOML
[build-system]
requires = [${requires}]
build-backend = "${build_backend}"

[project]
name = "${name}"
version = "1.0"
description = "a test's package"
TOML
	if [[ "$backend" != flit ]]; then
		printf '\n[tool.setuptools]\npy-modules = ["%s"]\n' "$name" >>"${dir}/pyproject.toml"
	fi
	printf 'VALUE = "%s"\n' "$value" >"${dir}/${name}.py"
}

# git_in DIR ARGS...: git with a fixed identity.
git_in() {
	local dir="$1"
	shift
	git -C "$dir" -c user.name=tests -c user.email=tests@localhost -c init.defaultBranch=main "$@" >/dev/null 2>&1
}

# make_repo NAME [flit]: a git repository served over dumb HTTP at ${FIXTURE_URL}/git/NAME.git, of
# make_pkg's package (flit: built by flit_core). Its history: "v1" (tagged v1.0, and its sha in
# FIRST_COMMIT), then "main"; branch "stable" says "stable".
make_repo() {
	local name="$1" work="${BATS_TEST_TMPDIR}/work-${1}" bare="${FIXTURE_ROOT}/git/${1}.git"
	make_pkg "$work" "$name" "v1" "${2:-}"
	git_in "$work" init
	git_in "$work" add -A
	git_in "$work" commit -m v1
	git_in "$work" tag v1.0
	FIRST_COMMIT="$(git -C "$work" rev-parse HEAD)"
	git_in "$work" checkout -b stable
	printf 'VALUE = "stable"\n' >"${work}/${name}.py"
	git_in "$work" commit -am stable
	git_in "$work" checkout main
	printf 'VALUE = "main"\n' >"${work}/${name}.py"
	git_in "$work" commit -am main
	mkdir -p "${FIXTURE_ROOT}/git"
	git clone --quiet --bare "$work" "$bare"
	git -C "$bare" update-server-info
}

# start_fixture_server: serve FIXTURE_ROOT (files/, git/, private/simple/) on 127.0.0.1; the
# private index needs basic auth as ${PRIVATE_USER}:${PRIVATE_PASSWORD}. Sets FIXTURE_URL.
start_fixture_server() {
	local port
	port="$(free_port)"
	python3 "${BUILDPACK_DIR}/test/helpers/fixture_server.py" "$FIXTURE_ROOT" "$port" \
		--auth-prefix /private/ --credentials "${PRIVATE_USER}:${PRIVATE_PASSWORD}" \
		>"${BATS_TEST_TMPDIR}/fixture-server.log" 2>&1 &
	INDEX_PID=$!
	FIXTURE_PORT="$port"
	FIXTURE_URL="http://127.0.0.1:${port}"
	wait_for_url "${FIXTURE_URL}/files/" || fail "the fixture server did not start"
}

# sdist_of DIR DEST: an sdist of the package in DIR (tar of NAME-1.0/), into DEST.
sdist_of() {
	local dir="$1" dest="$2" name
	name="$(sed -n 's/^name = "\(.*\)"/\1/p' "${dir}/pyproject.toml")"
	mkdir -p "$dest" "${BATS_TEST_TMPDIR}/sdist-stage"
	cp -a "$dir" "${BATS_TEST_TMPDIR}/sdist-stage/${name}-1.0"
	printf 'Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n' "$name" >"${BATS_TEST_TMPDIR}/sdist-stage/${name}-1.0/PKG-INFO"
	tar -C "${BATS_TEST_TMPDIR}/sdist-stage" -czf "${dest}/${name}-1.0.tar.gz" "${name}-1.0"
	rm -rf "${BATS_TEST_TMPDIR}/sdist-stage"
}

# start_memcached: a real memcached on 127.0.0.1; sets MEMCACHED_PORT and MEMCACHED_PID.
start_memcached() {
	command -v memcached >/dev/null || fail "memcached is not installed (apt-get install memcached)"
	MEMCACHED_PORT="$(free_port)"
	memcached -u nobody -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 >"${BATS_TEST_TMPDIR}/memcached.log" 2>&1 &
	MEMCACHED_PID=$!
	local _
	for _ in $(seq 1 50); do
		if (exec 3<>"/dev/tcp/127.0.0.1/${MEMCACHED_PORT}") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	fail "memcached did not start"
}

stop_memcached() {
	stop_pid "${MEMCACHED_PID:-}"
	MEMCACHED_PID=""
}

# memcached_py VALUE [EXPRESSION]: Python that stores VALUE in the memcached start_memcached started,
# through pylibmc, and prints what it reads back ("got: VALUE"), then EXPRESSION's value on that line.
memcached_py() {
	printf "import pylibmc\nclient = pylibmc.Client(['127.0.0.1:%s'])\nclient.set('key', '%s')\nprint('got:', client.get('key')%s)\n" \
		"$MEMCACHED_PORT" "$1" "${2:+, $2}"
}

# boot DIR COMMAND [CGROUP]: start a web process as a dyno would (clean environment, DYNO=web.1,
# .profile.d sourced, PORT set; inside the memory cgroup CGROUP when given) and wait for it to
# answer; sets WEB_PORT and WEB_PID.
boot() {
	local dir="$1" command="$2" cgroup="${3:-}"
	WEB_PORT="$(free_port)"
	# shellcheck disable=SC2016 # expanded by the dyno's shell
	env -i HOME="$dir" PORT="$WEB_PORT" PATH=/usr/local/bin:/usr/bin:/bin DYNO=web.1 \
		GUNICORN_CMD_ARGS="--bind 127.0.0.1:${WEB_PORT}" bash -c \
		'if [ -n "$1" ]; then echo "$$" >"$1/cgroup.procs"; fi &&
		cd "$HOME" && for f in .profile.d/*.sh; do . "$f"; done && exec '"$command" _ "$cgroup" \
		>"${BATS_TEST_TMPDIR}/web.log" 2>&1 &
	WEB_PID=$!
	wait_for_url "http://127.0.0.1:${WEB_PORT}/" 100 ||
		fail "the web process did not answer" "$(cat "${BATS_TEST_TMPDIR}/web.log")"
}
