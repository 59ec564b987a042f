#!/usr/bin/env bats
# The cached environment: exactly the requirements, every build, and a build that always works
# after a kill, a damaged cache or an unusable cache directory; never poisoned by a slug or a hook;
# hash-checked as a cold build is; shared by builds at once, one at a time.

load ../helpers/suite

# setup_file: cache-app built once from a cold cache (its output in warm.log; the runtime and uv
# downloaded and unpacked, not the run's seed's: cold_runtime), for the tests that start from that
# build (warm_app).
setup_file() {
	local BATS_TEST_TMPDIR="${BATS_FILE_TMPDIR}/warm"
	mkdir -p "$BATS_TEST_TMPDIR"
	new_app cache-app
	cold_runtime
	compile_app
	printf '%s\n' "$output" >"${BATS_FILE_TMPDIR}/warm.log"
	assert_success
}

setup() {
	suite_setup
	new_app cache-app
}

# warm_app: this test's app, cache and config are a copy of setup_file's (one copy, so that what
# the slug and the cache share stays shared), as when a platform builds an app again in another
# directory; the first build's output in $output.
warm_app() {
	rm -rf -- "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
	cp -a -- "${BATS_FILE_TMPDIR}/warm/." "$BATS_TEST_TMPDIR/"
	output="$(cat "${BATS_FILE_TMPDIR}/warm.log")"
}

teardown() {
	if mountpoint -q "${BATS_TEST_TMPDIR}/full" 2>/dev/null; then
		umount "${BATS_TEST_TMPDIR}/full"
	fi
	if [[ -n "${SHM_DIR:-}" ]]; then
		rm -rf -- "$SHM_DIR"
	fi
	suite_teardown
}

EXPECTED="blinker==1.9.0 localpkg==1.0 packaging==26.3 pip==26.3 setuptools==84.2.1 six==1.17.0 wheel==0.48.0"
# six_app: an app that needs six alone (a build of cache-app builds localpkg too): for the tests of a
# cache that can't be used as a cache usually is, whose builds are cold.
SIX="packaging==26.3 pip==26.3 setuptools==84.2.1 six==1.17.0 wheel==0.48.0"
six_app() {
	plain_app
	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
}

@test "nothing changed: the cached environment is reused as it is, and the runtime without a download" {
	warm_app
	assert_output_contains "-----> Creating the environment (no cached environment)" "Downloading python-3.13.15-"
	# A mirror that holds only the index: any download would fail.
	local mirror="${BATS_TEST_TMPDIR}/index-only"
	mkdir -p "$mirror" && cp "${MIRROR_DIR}/index.txt" "$mirror/"
	rebuild BUILDPACK_MIRROR_URL="file://${mirror}"
	assert_success
	assert_output_contains "-----> Installing Python 3.13.15 (cached runtime, no download)" \
		"-----> Reusing the cached environment (requirements unchanged)"
	refute_output_contains "Installing dependencies" "Collecting" "Downloading python-"
	assert_equal "$(installed_set)" "$EXPECTED"
}

@test "a removed requirement is gone from the slug; a change in a nested -r file is picked up" {
	warm_app
	printf 'six==1.17.0\nitsdangerous==2.2.0\n' >"${BUILD_DIR}/requirements/base.txt"
	rebuild
	assert_success
	assert_output_contains "-----> Updating the cached environment: requirements/base.txt changed" \
		"-----> Removing packages no longer required" "blinker 1.9.0"
	assert_equal "$(installed_set)" "itsdangerous==2.2.0 localpkg==1.0 packaging==26.3 pip==26.3 setuptools==84.2.1 six==1.17.0 wheel==0.48.0"
	in_slug "$BUILD_DIR" 'python -c "import blinker"'
	assert_failure
}

@test "a change in a local path package is picked up" {
	warm_app
	printf 'VALUE = "changed"\n' >"${BUILD_DIR}/libs/localpkg/localpkg.py"
	rebuild
	assert_success
	assert_output_contains "-----> Updating the cached environment: local package libs/localpkg changed"
	in_slug "$BUILD_DIR" 'python -c "import localpkg; print(localpkg.VALUE)"'
	assert_output_contains "changed"
}

@test "a Python version change rebuilds the environment" {
	warm_app
	printf '3.11\n' >"${BUILD_DIR}/.python-version"
	rebuild
	assert_success
	assert_output_contains "-----> Rebuilding the environment: python version 3.13.15 -> 3.11.2"
	in_slug "$BUILD_DIR" 'python -c "import sys, six, blinker; print(sys.version_info[:2])"'
	assert_output_contains "(3, 11)"
}

@test "a stack change rebuilds the environment" {
	warm_app
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

	rebuild BUILDPACK_MIRROR_URL="file://${mirror}" PLATFORM_OS_RELEASE="${BATS_TEST_TMPDIR}/os-release"
	assert_success
	assert_output_contains "-----> Rebuilding the environment: stack debian-12 -> debian-99"
	assert_equal "$(installed_set)" "$EXPECTED"
}

# Killed where bin/compile hands over to the core and back (libraries: after decide; dependencies:
# after install and the save), each while the build changes the cache. A kill inside the save (save,
# save-swap) is test_cache_environment_killed.py's, with a real SIGKILL; one inside the install
# (uv building a package) is signals.bats' ("signals: SIGKILL to bin/compile alone ..."), whose
# next build installs what it asks for.
@test "killed (SIGKILL) between the build's steps: the next build works and is right" {
	warm_app
	local point changed="itsdangerous==2.2.0 localpkg==1.0 packaging==26.3 pip==26.3 setuptools==84.2.1 six==1.17.0 wheel==0.48.0"
	local -a want=("$changed" "$EXPECTED")
	local -a base=($'six==1.17.0\nitsdangerous==2.2.0\n' $'six==1.17.0\nblinker==1.9.0\n')
	local i=0
	# Each kill interrupts a build that changes the requirements (there and back again).
	for point in libraries dependencies; do
		printf '%s' "${base[i]}" >"${BUILD_DIR}/requirements/base.txt"
		# A killed build can't remove its work directory: keep it in this test's own TMPDIR.
		mkdir -p "${BATS_TEST_TMPDIR}/tmp"
		rebuild BUILDPACK_TEST_KILL_AT="$point" TMPDIR="${BATS_TEST_TMPDIR}/tmp"
		[[ "$status" -eq 137 ]] || fail "kill at ${point}: expected exit status 137, got ${status}" "$output"
		rebuild
		assert_success
		assert_equal "$(installed_set)" "${want[i]}"
		i=$((i + 1))
	done
	run find "${CACHE_DIR}/python" -maxdepth 1 -name 'env-*'
	[[ "$(wc -l <<<"$output")" -eq 1 ]] || fail "stray cache entries left: ${output}"
}

@test "an unwritable CACHE_DIR: the build succeeds without caching and warns" {
	six_app
	: >"${BATS_TEST_TMPDIR}/a-file"
	CACHE_DIR="${BATS_TEST_TMPDIR}/a-file/cache"
	compile_app
	assert_success
	assert_output_contains "Warning: The build cache is not writable; building without it"
	assert_equal "$(installed_set)" "$SIX"
	load_lib report
	rm -f -- "$(report::fallback_path "$CACHE_DIR")"
}

@test "CACHE_DIR on another filesystem (a container's cache volume): the cache is copied, the next build is warm" {
	six_app
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
	assert_equal "$(installed_set)" "$SIX"
}

# A cache too small for the runtime's archive: test_archives_install.py's, on a real full tmpfs.
@test "a full CACHE_DIR, then one with no free space at all: builds succeed, say why nothing was kept, and stay clean" {
	six_app
	mkdir -p "${BATS_TEST_TMPDIR}/full"
	mount -t tmpfs -o size=40m tmpfs "${BATS_TEST_TMPDIR}/full" || fail "can't mount a small tmpfs (needs root)"
	CACHE_DIR="${BATS_TEST_TMPDIR}/full"
	compile_app
	assert_success
	assert_output_contains "Warning: Could not save the environment to the build cache: No space left on device"
	assert_equal "$(installed_set)" "$SIX"
	dd if=/dev/zero of="${CACHE_DIR}/filler" bs=1M count=100 2>/dev/null || true # fills it
	rm -rf "${BUILD_DIR}/.heroku" "${BUILD_DIR}/.profile.d"
	compile_app
	assert_success
	refute_output_contains "Internal error" "Error:"
	assert_equal "$(installed_set)" "$SIX"
}

# The policy (what the last KEEP=3 builds used stays, the rest goes, over 20 builds) is
# test_cache_pip.py's; here, four builds that each need another version (one more than it keeps)
# show it is applied to the wheels pip or uv built, to the buildpack's own sdists and to what an
# older buildpack left. (keptpkg's build backend is in its tree: the installer builds its wheel with
# nothing to install first.)
@test "the cache stays bounded: after 4 builds with changing requirements, nothing no recent build used" {
	plain_app
	local i index="${BATS_TEST_TMPDIR}/index"
	for i in $(seq 1 4); do
		build_sdist keptpkg "1.${i}" "${index}/simple/keptpkg"
	done
	start_index
	printf '%s' "$INDEX_URL" >"${ENV_DIR}/PIP_INDEX_URL"
	# What an older version of the buildpack left (its tools directory, a stray file) goes too.
	mkdir -p "${CACHE_DIR}/python/tools/0123456789abcdef" && : >"${CACHE_DIR}/python/stray.tmp"
	for i in $(seq 1 4); do
		# Each build needs another version, built from its sdist (and so put in pip's wheel cache).
		printf 'keptpkg==1.%s\n' "$i" >"${BUILD_DIR}/requirements.txt"
		rebuild
		assert_success
	done
	assert_installed keptpkg==1.4
	# The wheels the installer built from the sdists (pip's wheel cache, or uv's).
	if [[ "$(engine)" == pip ]]; then
		run find "${CACHE_DIR}/python/pip/wheels" -name 'keptpkg-*.whl'
	else
		run find "${CACHE_DIR}/python/uv" -path '*/sdists-v*' -name 'keptpkg-*.whl'
	fi
	local count
	count="$(grep -c 'keptpkg-' <<<"$output" || true)"
	[[ "$count" -ge 1 ]] || fail "$(engine) cached no built wheel at all: the test proves nothing" "$output"
	[[ "$count" -le 3 ]] || fail "the wheel cache holds ${count} keptpkg wheels after 4 builds" "$output"
	# The sdists the buildpack itself downloads to plan the install are pruned the same way.
	run find "${CACHE_DIR}/python/pip/sdists" -name 'keptpkg-*.tar.gz'
	count="$(grep -c 'keptpkg-' <<<"$output" || true)"
	[[ "$count" -ge 1 ]] || fail "the buildpack downloaded no sdist at all: the test proves nothing" "$output"
	[[ "$count" -le 3 ]] || fail "the buildpack's sdists: ${count} after 4 builds" "$output"
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

@test "cache sharing: a slug edited in place never poisons the cache, and hooks' changes are not replayed" {
	plain_app
	printf 'six==1.17.0\n' >"${BUILD_DIR}/requirements.txt"
	mkdir -p "${BUILD_DIR}/bin"
	printf 'echo "HOOK = 1" >"$(python -c "import six, os; print(os.path.dirname(six.__file__))")/hook_added.py"\n' \
		>"${BUILD_DIR}/bin/post_compile"
	compile_app
	assert_success
	in_slug "$BUILD_DIR" 'python -c "import hook_added"'
	assert_success
	# An in-place edit of the finished slug, same size (a later buildpack, a local run).
	local six
	six="$(find "${BUILD_DIR}/.heroku/venv" -name six.py)"
	printf 'X' | dd of="$six" bs=1 seek=0 conv=notrunc status=none
	rm "${BUILD_DIR}/bin/post_compile"
	rebuild
	assert_success
	assert_output_contains "was changed in place" "-----> Creating the environment"
	in_slug "$BUILD_DIR" 'python -c "import six; print(six.__version__)"'
	assert_output_contains "1.17.0"
	run head -c 1 "$(find "${BUILD_DIR}/.heroku/venv" -name six.py)"
	[[ "$output" != X ]] || fail "the edited six.py came back from the cache"
	in_slug "$BUILD_DIR" 'python -c "import hook_added"'
	assert_failure
}

# Each damage of an entry the cache detects (truncated, missing or garbled files, metadata) is
# test_cache_environment.py's (test_damage_is_detected_and_the_entry_discarded), and a damaged file
# of the core test/unit/core.bats'; here, a whole build after each of four: a file of the entry's,
# the core's bytecode, every file truncated, every small file garbled. With the run's engine (uv;
# pip with TEST_INSTALLER=pip): pip's own retry after a damaged wheel in its cache (emptied once,
# said once) is test_commands_install.py's, with the real pip. keptpkg, an sdist from a local index
# (its build backend in its tree), puts a wheel the installer built in the cache.
@test "cache damage: a file of the cached environment, the core's bytecode, then every file of the cache truncated, the installer's built wheels too, then bytes that are not text in every small file: each is detected or survived, and the next builds work" {
	plain_app
	own_cache # (it truncates the files in place: the run's seed is linked into a new cache)
	build_sdist keptpkg 1.0 "${BATS_TEST_TMPDIR}/index/simple/keptpkg"
	start_index
	printf '%s' "$INDEX_URL" >"${ENV_DIR}/PIP_INDEX_URL"
	printf 'keptpkg==1.0\n' >"${BUILD_DIR}/requirements.txt"
	local installed="keptpkg==1.0 packaging==26.3 pip==26.3 setuptools==84.2.1 wheel==0.48.0"
	compile_app
	assert_success

	# A truncated file of the cached environment: discarded, said so, built afresh.
	local entry victim
	entry="${CACHE_DIR}/python/$(readlink "${CACHE_DIR}/python/env")"
	victim="$(find "${entry}/venv" -path '*site-packages/keptpkg.py')"
	[[ -n "$victim" ]] || fail "no keptpkg.py in the cached environment"
	truncate -s 5 "$victim"
	rebuild
	assert_success
	assert_output_contains "Creating the environment (the cached environment is damaged (" "keptpkg.py is truncated or changed"
	assert_equal "$(installed_set)" "$installed"

	# Truncated bytecode of the buildpack's own core (written by a build, after the tools were
	# unpacked and checksummed; Python would fail on it).
	local pyc
	pyc="$(find "${CACHE_DIR}/python/core" -path '*/pybuildpack/commands/__pycache__/decide.*.pyc' | head -n 1)"
	[[ -n "$pyc" ]] || fail "no bytecode of the core in the cache"
	truncate -s 100 "$pyc"
	rebuild
	assert_success
	assert_output_contains "Reusing the cached environment"
	assert_equal "$(installed_set)" "$installed"

	# Every file truncated, the wheel the installer built too.
	if [[ "$(engine)" == pip ]]; then
		run find "${CACHE_DIR}/python/pip/wheels" -name 'keptpkg-*.whl'
	else
		run find "${CACHE_DIR}/python/uv" -path '*/sdists-v*' -name 'keptpkg-*.whl'
	fi
	[[ -n "$output" ]] || fail "$(engine) cached no wheel of keptpkg: the test proves nothing"
	find "${CACHE_DIR}/python" -type f -exec truncate -s 0 {} +
	rebuild
	assert_success
	if [[ "$(engine)" == pip ]]; then
		assert_output_contains "pip's cache held a damaged file: it was emptied. Retrying"
	fi
	assert_equal "$(installed_set)" "$installed"
	in_slug "$BUILD_DIR" 'python -c "import keptpkg; print(keptpkg.VALUE)"'
	assert_equal "$output" "kept"
	rebuild
	assert_success
	assert_output_contains "Reusing the cached environment"

	# python-version, the .sha256 files, the manifests, meta.json, pip's history, the runtime tree's
	# and the core's modules: all unreadable as text. (One python writes them all: a shell a file
	# cost 4 s of CPU.)
	find "${CACHE_DIR}/python" -type f -size -64k -exec python3 -c '
import sys
for path in sys.argv[1:]:
    with open(path, "wb") as file:
        file.write(b"\227\230\377 garbage")' {} +
	rebuild
	assert_success
	refute_output_contains "Internal error"
	assert_output_contains "the cached environment is damaged (its metadata file is unreadable)"
	assert_equal "$(installed_set)" "$installed"
	in_slug "$BUILD_DIR" 'python -c "import keptpkg; print(keptpkg.VALUE)"'
	assert_equal "$output" "kept"
	rebuild
	assert_success
	assert_output_contains "Reusing the cached environment"
}

@test "cache persistence: what a hook or a build script writes into a slug's .pyc, the store or the cached uv reaches no later build" {
	plain_app
	own_cache # (it writes over the cached uv in place: the run's seed is linked into a new cache)
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	mkdir -p "${BUILD_DIR}/bin"
	# plant.py PYC: other code written over a .pyc in place (the same inode; its header, size and
	# modification time kept), as a malicious dependency's hook could.
	cat >"${BUILD_DIR}/bin/plant.py" <<-'PY'
		import marshal, os, sys
		path = sys.argv[1]
		info, data = os.stat(path), open(path, "rb").read()
		code = marshal.dumps(compile("print('PLANTED')\n__version__ = 'planted'\n", "six.py", "exec"))
		with open(path, "r+b") as handle:
		    handle.write((data[:16] + code).ljust(len(data), b"\0"))
		os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
	PY
	# shellcheck disable=SC2016 # expanded by the hook
	printf '%s\n' 'python bin/plant.py "$(python -c "import importlib.util as u, six; print(u.cache_from_source(six.__file__))")"' \
		>"${BUILD_DIR}/bin/post_compile"
	compile_app
	assert_success
	assert_output_contains "-----> Discarding the cached environment: lib/python3.13/site-packages/__pycache__/six.cpython-313.pyc was rewritten in place"
	in_slug "$BUILD_DIR" 'python -c "import six"'
	assert_output_contains "PLANTED" # the hook's own slug: it did what it meant to
	local planted store uv size mtime
	planted="$(find "${BUILD_DIR}/.heroku/venv" -name 'six.cpython-*.pyc')"
	# The store's six .pyc replaced by the planted one (the same size; its time put back).
	store="$(find "${CACHE_DIR}/python/bytecode" -name "$(sha256sum "${planted%/__pycache__/*}/six.py" | cut -c1-64).*")"
	[[ -f "$store" ]] || fail "the store holds no six .pyc: the test proves nothing"
	cmp -s "$store" "$planted" && fail "the hook wrote the store's .pyc through the slug"
	mtime="$(stat -c %Y "$store")"
	cp "$planted" "$store" && touch -d "@${mtime}" "$store"
	if [[ "$(engine)" == uv ]]; then
		# The cached uv replaced by a script of the same size, with its modification time.
		uv="$(find "${CACHE_DIR}/python/package-managers" -type f -name uv)"
		size="$(stat -c %s "$uv")" mtime="$(stat -c %y "$uv")"
		printf '#!/bin/sh\ntouch "%s"\nexit 1\n' "${BATS_TEST_TMPDIR}/uv-ran" >"$uv"
		truncate -s "$size" "$uv" && touch -d "$mtime" "$uv"
	fi
	rm "${BUILD_DIR}/bin/post_compile"
	rebuild
	assert_success
	assert_output_contains "-----> Creating the environment (no cached environment)"
	[[ ! -e "${BATS_TEST_TMPDIR}/uv-ran" ]] || fail "the planted uv ran"
	in_slug "$BUILD_DIR" 'python -c "import six; print(six.__version__)"'
	assert_success
	assert_equal "$output" "1.16.0"
	rebuild
	assert_success
	assert_output_contains "Reusing the cached environment"
	in_slug "$BUILD_DIR" 'python -c "import six; print(six.__version__)"'
	assert_equal "$output" "1.16.0"
}

@test "hashes: a wrong --hash fails a warm build as it fails a cold one, and the cache stays usable" {
	plain_app
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
	printf 'six==1.16.0 --hash=sha256:%064d\n' 0 >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	assert_output_contains "new hashes for six: installed afresh" "DO NOT MATCH THE HASHES"
	printf 'six==1.16.0\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_success
}

@test "concurrency: four builds at once on one CACHE_DIR all succeed, one at a time" {
	plain_app
	local n=4 i pids=() status log
	for i in $(seq 1 "$n"); do
		rm -rf "${BATS_TEST_TMPDIR}/app${i}" && cp -a "${FIXTURES}/no-deps" "${BATS_TEST_TMPDIR}/app${i}"
		printf 'six==1.1%s.0\n' "$((i + 3))" >"${BATS_TEST_TMPDIR}/app${i}/requirements.txt"
		if ((i % 2)); then printf '3.13\n'; else printf '3.11\n'; fi >"${BATS_TEST_TMPDIR}/app${i}/.python-version"
		env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" \
			"${BATS_TEST_TMPDIR}/app${i}" "$CACHE_DIR" "$ENV_DIR" >"${BATS_TEST_TMPDIR}/build${i}.log" 2>&1 &
		pids+=("$!")
	done
	for i in $(seq 1 "$n"); do
		status=0
		wait "${pids[$((i - 1))]}" || status=$?
		log="$(cat "${BATS_TEST_TMPDIR}/build${i}.log")"
		[[ "$status" -eq 0 ]] || fail "build ${i} of ${n} failed (exit ${status})" "$log"
		in_slug "${BATS_TEST_TMPDIR}/app${i}" 'python -c "import six; print(six.__version__)"'
		assert_output_contains "1.1$((i + 3)).0"
	done
	cat "${BATS_TEST_TMPDIR}"/build*.log | grep -q "Waiting for another build that uses the same cache" ||
		fail "no build waited for another: the builds did not overlap"
}
