#!/usr/bin/env bats
# The cached environment: exactly the requirements, every build, and a build that always works
# after a kill, a damaged cache or an unusable cache directory.

setup() {
	load ../helpers/test_helper
	load ../helpers/servers
	require_mirror
	new_app cache-app
}

teardown() {
	stop_servers
	if mountpoint -q "${BATS_TEST_TMPDIR}/full" 2>/dev/null; then
		umount "${BATS_TEST_TMPDIR}/full"
	fi
	if [[ -n "${SHM_DIR:-}" ]]; then
		rm -rf -- "$SHM_DIR"
	fi
	cleanup_app
}

# installed: "name==version" of every distribution in the slug's environment, sorted.
installed() {
	in_slug "$BUILD_DIR" 'python -c "
import importlib.metadata as m
print(\" \".join(sorted(d.metadata[\"Name\"].lower() + \"==\" + d.version for d in m.distributions())))
"'
}

# rebuild: a fresh copy of the app's sources (the platform's checkout) over the old build dir.
rebuild() {
	local sources="${BATS_TEST_TMPDIR}/sources"
	rm -rf "$sources" && cp -a "$BUILD_DIR" "$sources" && rm -rf "${sources}/.heroku" "${sources}/.profile.d"
	rm -rf "$BUILD_DIR" && mv "$sources" "$BUILD_DIR"
	compile_app "$@"
}

EXPECTED="blinker==1.9.0 localpkg==1.0 packaging==26.3 pip==26.3 setuptools==84.2.1 six==1.17.0 wheel==0.48.0"

@test "nothing changed: the cached environment is reused as it is" {
	compile_app
	assert_success
	assert_output_contains "-----> Creating the environment (no cached environment)"
	rebuild
	assert_success
	assert_output_contains "-----> Reusing the cached environment (requirements unchanged)"
	refute_output_contains "Installing dependencies" "Collecting"
	installed
	assert_equal "$output" "$EXPECTED"
}

@test "a removed requirement is gone from the slug; a change in a nested -r file is picked up" {
	compile_app
	assert_success
	printf 'six==1.17.0\nitsdangerous==2.2.0\n' >"${BUILD_DIR}/requirements/base.txt"
	rebuild
	assert_success
	assert_output_contains "-----> Updating the cached environment: requirements/base.txt changed" \
		"-----> Removing packages no longer required" "blinker 1.9.0"
	installed
	assert_equal "$output" "itsdangerous==2.2.0 localpkg==1.0 packaging==26.3 pip==26.3 setuptools==84.2.1 six==1.17.0 wheel==0.48.0"
	in_slug "$BUILD_DIR" 'python -c "import blinker"'
	assert_failure
}

@test "a change in a local path package is picked up" {
	compile_app
	assert_success
	printf 'VALUE = "changed"\n' >"${BUILD_DIR}/libs/localpkg/localpkg.py"
	rebuild
	assert_success
	assert_output_contains "-----> Updating the cached environment: local package libs/localpkg changed"
	in_slug "$BUILD_DIR" 'python -c "import localpkg; print(localpkg.VALUE)"'
	assert_output_contains "changed"
}

@test "a Python version change rebuilds the environment" {
	compile_app
	assert_success
	printf '3.11\n' >"${BUILD_DIR}/.python-version"
	rebuild
	assert_success
	assert_output_contains "-----> Rebuilding the environment: python version 3.13.15 -> 3.11.2"
	in_slug "$BUILD_DIR" 'python -c "import sys, six, blinker; print(sys.version_info[:2])"'
	assert_output_contains "(3, 11)"
}

@test "a stack change rebuilds the environment" {
	# A mirror that serves this machine's runtime under another stack's name too.
	mirror="${BATS_TEST_TMPDIR}/two-stacks"
	mkdir -p "$mirror"
	cp "${MIRROR_DIR}"/python-3.13.15-* "$mirror/"
	for file in "${MIRROR_DIR}"/python-3.13.15-*; do
		base="${file##*/}"
		other="${base/-debian-12-/-debian-99-}"
		cp "$file" "${mirror}/${other}"
	done
	(cd "$mirror" && for f in *-debian-99-*.tar.zst; do sha256sum "$f" >"${f}.sha256"; done && ls -1 *.tar.zst >index.txt)
	printf 'ID=debian\nVERSION_ID="99"\n' >"${BATS_TEST_TMPDIR}/os-release"

	compile_app BUILDPACK_MIRROR_URL="file://${mirror}"
	assert_success
	rebuild BUILDPACK_MIRROR_URL="file://${mirror}" PLATFORM_OS_RELEASE="${BATS_TEST_TMPDIR}/os-release"
	assert_success
	assert_output_contains "-----> Rebuilding the environment: stack debian-12 -> debian-99"
}

@test "killed (SIGKILL) at every phase, also while saving the cache: the next build works and is right" {
	compile_app
	assert_success
	local point
	for point in runtime install libraries dependencies save save-swap; do
		printf 'six==1.17.0\nitsdangerous==2.2.0\n' >"${BUILD_DIR}/requirements/base.txt"
		# A killed build can't remove its work directory: keep it in this test's own TMPDIR.
		mkdir -p "${BATS_TEST_TMPDIR}/tmp"
		rebuild BUILDPACK_TEST_KILL_AT="$point" TMPDIR="${BATS_TEST_TMPDIR}/tmp"
		[[ "$status" -eq 137 ]] || fail "kill at ${point}: expected exit status 137, got ${status}" "$output"
		rebuild
		assert_success
		installed
		assert_equal "$output" "itsdangerous==2.2.0 localpkg==1.0 packaging==26.3 pip==26.3 setuptools==84.2.1 six==1.17.0 wheel==0.48.0"
		# And back, so that the next kill interrupts a build that changes the cache.
		printf 'six==1.17.0\nblinker==1.9.0\n' >"${BUILD_DIR}/requirements/base.txt"
		rebuild
		assert_success
		installed
		assert_equal "$output" "$EXPECTED"
	done
	run find "${CACHE_DIR}/python" -maxdepth 1 -name 'env-*'
	[[ "$(wc -l <<<"$output")" -eq 1 ]] || fail "stray cache entries left: ${output}"
}

@test "a damaged cache is detected, discarded with a message, and the build succeeds" {
	compile_app
	assert_success
	local entry
	entry="${CACHE_DIR}/python/$(readlink "${CACHE_DIR}/python/env")"

	# A truncated file.
	local victim
	victim="$(find "${entry}/venv" -path '*site-packages/six.py')"
	truncate -s 10 "$victim"
	rebuild
	assert_success
	assert_output_contains "Creating the environment (the cached environment is damaged (" "six.py is truncated or changed"
	installed
	assert_equal "$output" "$EXPECTED"

	# A missing metadata file.
	entry="${CACHE_DIR}/python/$(readlink "${CACHE_DIR}/python/env")"
	rm "${entry}/meta.json"
	rebuild
	assert_success
	assert_output_contains "the cached environment is damaged (its metadata file is missing)"

	# Truncated bytecode of the buildpack's own core (written by a build, after the tools were
	# unpacked and checksummed; Python would fail on it).
	local pyc
	pyc="$(find "${CACHE_DIR}/python/core" -path '*/pybuildpack/commands/__pycache__/decide.*.pyc' | head -n 1)"
	[[ -n "$pyc" ]] || fail "no bytecode of the core in the cache"
	truncate -s 100 "$pyc"
	rebuild
	assert_success
	assert_output_contains "Reusing the cached environment"

	# Garbage in the metadata, the runtime tree and the core.
	entry="${CACHE_DIR}/python/$(readlink "${CACHE_DIR}/python/env")"
	head -c 300 /dev/urandom >"${entry}/meta.json"
	find "${CACHE_DIR}/python/runtime-tree" -name 'os.py' -exec sh -c 'echo garbage >"$1"' _ {} \;
	find "${CACHE_DIR}/python/core" -name '__init__.py' -path '*packaging*' -exec sh -c 'echo garbage >>"$1"' _ {} \;
	rebuild
	assert_success
	assert_output_contains "the cached environment is damaged (its metadata file is unreadable)"
	installed
	assert_equal "$output" "$EXPECTED"
	rebuild
	assert_success
	assert_output_contains "Reusing the cached environment"
}

@test "an unwritable CACHE_DIR: the build succeeds without caching and warns" {
	: >"${BATS_TEST_TMPDIR}/a-file"
	CACHE_DIR="${BATS_TEST_TMPDIR}/a-file/cache"
	compile_app
	assert_success
	assert_output_contains "Warning: The build cache is not writable; building without it"
	installed
	assert_equal "$output" "$EXPECTED"
	load_lib report
	rm -f -- "$(report::fallback_path "$CACHE_DIR")"
}

@test "CACHE_DIR on another filesystem (a container's cache volume): the cache is copied, the next build is warm" {
	local volume="${BATS_TEST_TMPDIR}/full"
	mkdir -p "$volume"
	if ! mount -t tmpfs -o size=1g tmpfs "$volume" 2>/dev/null; then
		# No mount here (not root): /dev/shm is a tmpfs of its own on most machines.
		[[ -d /dev/shm && -w /dev/shm && "$(stat -c %d /dev/shm)" != "$(stat -c %d "$BATS_TEST_TMPDIR")" ]] ||
			skip "no filesystem apart from the build's for CACHE_DIR: can't mount a tmpfs, no /dev/shm"
		SHM_DIR="$(mktemp -d /dev/shm/pybuildpack-test.XXXXXX)"
		volume="$SHM_DIR"
	fi
	CACHE_DIR="${volume}/cache"
	[[ "$(stat -c %d "$volume")" != "$(stat -c %d "$BUILD_DIR")" ]] || fail "CACHE_DIR is on the build's filesystem"
	compile_app
	assert_success
	refute_output_contains "Could not save" "cross-device"
	local said
	said="$(grep -c "CACHE_DIR is on another filesystem than the build directory" <<<"$output")"
	assert_equal "$said" 1
	rebuild
	assert_success
	assert_output_contains "(cached runtime, no download)" "-----> Reusing the cached environment (requirements unchanged)"
	installed
	assert_equal "$output" "$EXPECTED"
}

@test "a full CACHE_DIR: the build succeeds and warns that the cache was not saved" {
	mkdir -p "${BATS_TEST_TMPDIR}/full"
	mount -t tmpfs -o size=3m tmpfs "${BATS_TEST_TMPDIR}/full" || fail "can't mount a small tmpfs (needs root)"
	CACHE_DIR="${BATS_TEST_TMPDIR}/full"
	compile_app
	assert_success
	assert_output_contains "Warning: Could not save"
	installed
	assert_equal "$output" "$EXPECTED"
}

@test "a CACHE_DIR with no free space at all: builds succeed, say why nothing was kept, and stay clean" {
	mkdir -p "${BATS_TEST_TMPDIR}/full"
	mount -t tmpfs -o size=40m tmpfs "${BATS_TEST_TMPDIR}/full" || fail "can't mount a small tmpfs (needs root)"
	CACHE_DIR="${BATS_TEST_TMPDIR}/full"
	compile_app
	assert_success
	dd if=/dev/zero of="${CACHE_DIR}/filler" bs=1M count=100 2>/dev/null || true # fills it
	local i
	for i in 1 2; do
		rm -rf "${BUILD_DIR}/.heroku" "${BUILD_DIR}/.profile.d"
		compile_app
		assert_success
		refute_output_contains "Internal error" "Error:"
		installed
		assert_equal "$output" "$EXPECTED"
	done
}

@test "the cache stays bounded: after 20 builds with changing requirements, nothing no recent build used" {
	local i index="${BATS_TEST_TMPDIR}/index"
	for i in $(seq 1 20); do
		build_sdist boundpkg "1.${i}" "${index}/simple/boundpkg"
	done
	# A local index only (fast builds): the sdists, and the packaging tools (the pins, and setuptools
	# to build the sdists with).
	local wheel name
	pip download --quiet --only-binary=:all: --dest "${BATS_TEST_TMPDIR}/tools" -r "${BUILDPACK_DIR}/vendor/pins.txt" ||
		fail "could not download the packaging tools for the local index"
	for wheel in "${BATS_TEST_TMPDIR}"/tools/*.whl; do
		name="${wheel##*/}"
		name="${name%%-*}"
		mkdir -p "${index}/simple/${name}" && cp "$wheel" "${index}/simple/${name}/"
	done
	start_index
	printf '%s' "$INDEX_URL" >"${ENV_DIR}/PIP_INDEX_URL"
	# What an older version of the buildpack left (its tools directory, a stray file) goes too.
	mkdir -p "${CACHE_DIR}/python/tools/0123456789abcdef" && : >"${CACHE_DIR}/python/stray.tmp"
	for i in $(seq 1 20); do
		# Each build needs another version, built from its sdist (and so put in pip's wheel cache).
		printf 'boundpkg==1.%s\n' "$i" >"${BUILD_DIR}/requirements/base.txt"
		rebuild
		assert_success
	done
	assert_installed boundpkg==1.20
	# The wheels the installer built from the sdists (pip's wheel cache, or uv's).
	if [[ "$(engine)" == pip ]]; then
		run find "${CACHE_DIR}/python/pip/wheels" -name 'boundpkg-*.whl'
	else
		run find "${CACHE_DIR}/python/uv" -path '*/sdists-v*' -name 'boundpkg-*.whl'
	fi
	local count
	count="$(grep -c 'boundpkg-' <<<"$output" || true)"
	[[ "$count" -ge 1 ]] || fail "$(engine) cached no built wheel at all: the test proves nothing" "$output"
	[[ "$count" -le 3 ]] || fail "the wheel cache holds ${count} boundpkg wheels after 20 builds" "$output"
	# The sdists the buildpack itself downloads to plan the install are pruned the same way.
	run find "${CACHE_DIR}/python/pip/sdists" -name 'boundpkg-*.tar.gz'
	count="$(grep -c 'boundpkg-' <<<"$output" || true)"
	[[ "$count" -ge 1 ]] || fail "the buildpack downloaded no sdist at all: the test proves nothing" "$output"
	[[ "$count" -le 3 ]] || fail "the buildpack's sdists: ${count} after 20 builds" "$output"
	run find "${CACHE_DIR}/python" -maxdepth 1 -name 'env-*'
	[[ "$(wc -l <<<"$output")" -eq 1 ]]
	# Everything left is an entry of the cache table.
	run env PYTHONPATH="${BUILDPACK_DIR}/lib" python3 -c \
		'import sys; from pathlib import Path; from pybuildpack.cache import entries; print(entries.unknown(Path(sys.argv[1])))' \
		"${CACHE_DIR}/python"
	assert_success
	assert_equal "$output" "[]"
	[[ ! -e "${CACHE_DIR}/python/tools" && ! -e "${CACHE_DIR}/python/stray.tmp" ]] || fail "old entries were kept"
}
