#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2153,SC2154 # variables shared with the bats files that load this
# The run's bytecode seed: the bytecode store (CACHE_DIR/python/bytecode) of a build of an app with
# no dependencies on each Python the suites build with, made once per run by setup_suite, and copied
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
# the bytecode its runs wrote), copied into each test's new cache beside the store, as a cache that
# a build with this buildpack used holds it. Unpacking and compiling it cost each test's first
# build about 0.5 s of CPU. Its unpacking, sealing and checks are done by every build with a
# CACHE_DIR of its own, by the seed's builds, and by test/unit/core.bats.
#
# And it holds the 3.13 build's runtime (CACHE_DIR/python/runtimes: the archive and its record;
# runtime-tree: the unpacked tree and its manifest) and uv (package-managers: the pinned wheel
# unpacked), copied into each test's new cache too, as a cache that a build on the default Python
# with the default engine left holds them. Copying the archive from the mirror, checking it,
# unpacking it, hashing the tree for its manifest, and unpacking uv cost each test's first build
# about 0.5 s of CPU; restoring them from a cache costs about 0.1 s, and the copy less. A test on
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
}

# seed_cache DIR: the run's seed copied into the cache DIR (a copy: a test may damage its store).
seed_cache() {
	local seed
	seed="$(seed_dir)"
	[[ -d "$seed" ]] || return 0
	mkdir -p -- "${1}/python"
	cp -a -- "$seed" "${1}/python/bytecode"
	cp -a -- "${seed}-core" "${1}/python/core"
	cp -a -- "${seed}-runtime/." "${1}/python/"
}
