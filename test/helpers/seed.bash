#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2153,SC2154 # variables shared with the bats files that load this
# The run's bytecode seed: the bytecode store (CACHE_DIR/python/bytecode) of a build of an app with
# no dependencies on each Python the suites build with, made once per run by setup_suite, and linked
# into the cache of each test's new app. A cold build compiles about 230 modules of the
# environment's seed packages (setuptools), 0.8 s of CPU each time, and the packaging tools' (pip,
# wheel: about 460 more, 1 s) when it runs pip (the pip engine, uv's fallback, a post_compile hook);
# with the seed, a test's first build copies them from the store, as a build on a platform whose
# cache held another app's does. (The seed's app has an empty bin/post_compile, so that its
# builds compile pip and wheel too.) The compiling itself is still done, and checked, by every
# build with a CACHE_DIR of its own (the engines' tests, the cache's own tests of a cold or
# unusable CACHE_DIR), by the seed's builds, and by test_environment_bytecode.py.
#
# The seed also holds the buildpack's core as the 3.13 build left it in its cache (CACHE_DIR/
# python/core/KEY: the core's package and vendored wheels unpacked, checksummed, and sealed with
# the bytecode its runs wrote), linked into each test's new cache beside the store, as a cache that
# a build with this buildpack used holds it. Unpacking and compiling it cost each test's first
# build about 0.5 s of CPU. Its unpacking, sealing and checks are done by every build with a
# CACHE_DIR of its own, by the seed's builds, and by test/unit/core.bats.
#
# And it holds the 3.13 build's runtime (CACHE_DIR/python/runtimes: the archive and its record;
# runtime-tree: the unpacked tree and its manifest) and uv (package-managers: the pinned wheel
# unpacked), linked into each test's new cache too, as a cache that a build on the default Python
# with the default engine left holds them. Copying the archive from the mirror, checking it,
# unpacking it, hashing the tree for its manifest, and unpacking uv cost each test's first build
# about 0.5 s of CPU; restoring them from a cache costs about 0.1 s, and the links nothing. A test on
# another Python finds a cache that held 3.13's runtime, as after a version change. A test that
# checks a first build's own download and unpacking of them starts with cold_runtime
# (test_helper.bash), and so do the builds with a CACHE_DIR of their own.

# The entries of a cache that the seed's runtime part fills (cold_runtime empties them).
SEED_RUNTIME_ENTRIES=(runtimes runtime-tree package-managers)

# seed_dir: where the run's seed is (it exists once seed_build has made it).
seed_dir() {
	echo "${BATS_SUITE_TMPDIR:-/nonexistent}/bytecode-seed"
}

# seed_build: the seed, from a build per Python of an app with no dependencies, the builds at once.
# Without a mirror nothing is made (each test then says what is missing).
seed_build() {
	local seed version pids=() status=0 work entry
	seed="$(seed_dir)"
	[[ -f "${MIRROR_DIR}/index.txt" ]] || return 0
	work="${BATS_SUITE_TMPDIR}/seed-builds"
	for version in 3.13 3.11; do
		mkdir -p "${work}/${version}/build" "${work}/${version}/cache" "${work}/${version}/env"
		printf '%s\n' "$version" >"${work}/${version}/build/.python-version"
		: >"${work}/${version}/build/requirements.txt"
		mkdir -p "${work}/${version}/build/bin"
		printf '#!/usr/bin/env bash\n' >"${work}/${version}/build/bin/post_compile"
		env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" \
			"${work}/${version}/build" "${work}/${version}/cache" "${work}/${version}/env" >"${work}/${version}.log" 2>&1 &
		pids+=("$!")
	done
	for version in "${!pids[@]}"; do
		wait "${pids[$version]}" || status=1
	done
	if ((status)); then
		cat "${work}"/*.log >&2
		fail "the run's bytecode seed: a build of an app with no dependencies failed"
	fi
	mkdir -p "${seed}.partial"
	for version in 3.13 3.11; do
		cp -a "${work}/${version}/cache/python/bytecode/." "${seed}.partial/"
	done
	cp -a "${work}/3.13/cache/python/core" "${seed}-core"
	mkdir -p "${seed}-runtime"
	for entry in "${SEED_RUNTIME_ENTRIES[@]}"; do
		cp -a "${work}/3.13/cache/python/${entry}" "${seed}-runtime/"
	done
	mv "${seed}.partial" "$seed"
	rm -rf -- "$work"
	_seed_sums >"${seed}.sums"
}

# seed_cache DIR [copy]: the run's seed put into the cache DIR, as hard links (on the tests' tmpfs, a
# copy of its 130 MB cost each test about 0.1 s of CPU), or a copy with "copy" or where the seed and
# DIR share no filesystem. The builds never write into a cache's files in place (they write new
# files and rename them), so the links are safe for every test that does not either; a test that
# does (damage in place: truncate, dd, a hook writing into a slug's file that the cache shares)
# calls own_cache first, for a copy of its own. seed_check, at the end of the run, fails if anything
# changed a file of the seed.
seed_cache() {
	local seed entry
	seed="$(seed_dir)"
	[[ -d "$seed" ]] || return 0
	mkdir -p -- "${1}/python"
	if [[ "${2:-}" != copy ]] && _seed_into "$seed" "$1" -al 2>/dev/null; then
		return 0
	fi
	for entry in bytecode core "${SEED_RUNTIME_ENTRIES[@]}"; do
		rm -rf -- "${1:?}/python/${entry}"
	done
	_seed_into "$seed" "$1" -a
}

# own_cache: the test's new cache (new_app's, before its first build) holds a copy of the run's seed
# instead of links to it: for a test that writes into its cache's files, or into a slug's files that
# the cache shares, in place.
own_cache() {
	seed_cache "$CACHE_DIR" copy
}

# _seed_into SEED DIR CP_OPTION: cp CP_OPTION of the seed's parts into the cache DIR.
_seed_into() {
	cp "$3" -- "$1" "${2}/python/bytecode" &&
		cp "$3" -- "${1}-core" "${2}/python/core" &&
		cp "$3" -- "${1}-runtime/." "${2}/python/"
}

# _seed_sums: every file of the seed with its size, mode, time and sha256, one per line, sorted.
_seed_sums() {
	local seed
	seed="$(seed_dir)"
	(
		cd -- "$(dirname "$seed")" &&
			find "${seed##*/}" "${seed##*/}-core" "${seed##*/}-runtime" -type f -printf '%p %s %m %T@\n' | sort &&
			find "${seed##*/}" "${seed##*/}-core" "${seed##*/}-runtime" -type f -print0 | sort -z | xargs -0 sha256sum
	)
}

# seed_check: fails, naming them, if files of the seed changed since seed_build made it (a test
# wrote into a cache's or a slug's file in place without own_cache: every later test's cache
# would have held the change).
seed_check() {
	local seed
	seed="$(seed_dir)"
	[[ -f "${seed}.sums" ]] || return 0
	if ! _seed_sums | diff -- "${seed}.sums" - >"${seed}.diff"; then
		fail "a test changed files of the run's seed in place (it must call own_cache first):" "$(head -n 40 "${seed}.diff")"
	fi
}
