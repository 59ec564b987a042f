#!/usr/bin/env bats
# builds/mirror.sh with recipes of its own (a copy of builds/ whose libraries are made in a second):
# the build cache and the mirror keyed by the recipe's digest, the builds side by side, a package
# named alone. The real recipes are checked by runtime_archive.bats and library_archives.bats.

setup() {
	load ../helpers/test_helper
	BP="${BATS_TEST_TMPDIR}/buildpack"
	mkdir -p "$BP/builds/libraries" "$BP/lib" "$BP/vendor"
	cp "${BUILDPACK_DIR}/builds/mirror.sh" "${BUILDPACK_DIR}/builds/common.sh" "$BP/builds/"
	cp "${BUILDPACK_DIR}/builds/libraries/lib.sh" "$BP/builds/libraries/"
	cp "${BUILDPACK_DIR}/lib/platform.sh" "${BUILDPACK_DIR}/lib/slug.sh" "$BP/lib/"
	: >"$BP/vendor/tools.toml" # no tools to fetch
	printf 'fakelib=1.0-1\nfakelib2=2.0-1\n' >"$BP/builds/mirror-versions.txt"
	export PYBUILDPACK_BUILD_CACHE="${BATS_TEST_TMPDIR}/build cache"
	MIRROR="${BATS_TEST_TMPDIR}/mirror"
	RUNS="${BATS_TEST_TMPDIR}/runs"
	mkdir -p "$PYBUILDPACK_BUILD_CACHE/src"
	recipe fakelib 1.0
	recipe fakelib2 2.0
}

# recipe NAME VERSION [EXIT]: builds/libraries/NAME/build.sh, which notes its start and end in RUNS
# (a second apart), then writes the archive, or exits with EXIT; and NAME's source in the src cache.
recipe() {
	mkdir -p "$BP/builds/libraries/$1"
	cat >"$BP/builds/libraries/$1/build.sh" <<RECIPE
#!/usr/bin/env bash
set -euo pipefail
source "\$(dirname "\$0")/../../../lib/platform.sh"
echo "start $1 \$(date +%s.%N)" >>"$RUNS"
sleep 1
echo "end $1 \$(date +%s.%N)" >>"$RUNS"
echo "building $1" >&2
${3:+exit $3}
name="\$(platform::archive_name $1 $2)"
echo "$1 $2" >"\$2/\$name"
(cd "\$2" && sha256sum "\$name" >"\$name.sha256")
echo "\$2/\$name"
RECIPE
	echo "$1 source" >"$PYBUILDPACK_BUILD_CACHE/src/$1_$2.orig.tar.gz"
}

mirror() {
	run bash "$BP/builds/mirror.sh" "$MIRROR" "$@"
}

# started NAME: how many times NAME's recipe ran.
started() {
	touch "$RUNS"
	grep -c "^start $1 " "$RUNS" || true
}

@test "what the mirror lacks is built side by side, then reused; a changed recipe is built again" {
	MIRROR_JOBS=2 mirror
	echo "$output"
	assert_success
	assert_output_contains "building 2 archive(s), 2 at a time" "the log of its build:" "    building fakelib"
	# side by side: each started before the other ended
	local s1 e1 s2 e2
	read -r _ _ s1 < <(grep '^start fakelib ' "$RUNS")
	read -r _ _ e1 < <(grep '^end fakelib ' "$RUNS")
	read -r _ _ s2 < <(grep '^start fakelib2 ' "$RUNS")
	read -r _ _ e2 < <(grep '^end fakelib2 ' "$RUNS")
	python3 -c "import sys; s1, e1, s2, e2 = map(float, sys.argv[1:]); assert s1 < e2 and s2 < e1" "$s1" "$e1" "$s2" "$e2"
	local name
	name="$(bash "$BP/lib/platform.sh" archive-name fakelib 1.0)"
	(cd "$MIRROR" && sha256sum -c "$name.sha256")
	[[ -s "$MIRROR/$name.recipe" ]]
	grep -qx "$name" "$MIRROR/index.txt"

	mirror
	assert_success
	assert_output_contains "$name already in mirror"
	assert_equal "$(started fakelib)" 1

	# the same recipe in another checkout (a clean clone, CI's) is the same digest: reused
	cp -a "$BP" "${BATS_TEST_TMPDIR}/another checkout"
	run bash "${BATS_TEST_TMPDIR}/another checkout/builds/mirror.sh" "${BATS_TEST_TMPDIR}/mirror2"
	assert_success
	assert_output_contains "copying $name from build cache"
	assert_equal "$(started fakelib)" 1

	echo "# changed" >>"$BP/builds/libraries/fakelib/build.sh"
	mirror
	assert_success
	assert_equal "$(started fakelib)" 2
	assert_equal "$(started fakelib2)" 1
	# the build cache keeps the archive of the recipe as it is now, not the old one
	assert_equal "$(find "$PYBUILDPACK_BUILD_CACHE/libraries" -name "$name" | wc -l)" 1
	[[ -f "$PYBUILDPACK_BUILD_CACHE/libraries/$(cat "$MIRROR/$name.recipe")/$name" ]]
}

@test "one at a time with MIRROR_JOBS=1, the recipe's output as it goes" {
	MIRROR_JOBS=1 mirror
	assert_success
	assert_output_contains "building 2 archive(s), 1 at a time" "building fakelib2"
	refute_output_contains "the log of its build:"
	local s2 e1
	read -r _ _ e1 < <(grep '^end fakelib ' "$RUNS")
	read -r _ _ s2 < <(grep '^start fakelib2 ' "$RUNS")
	python3 -c "import sys; assert float(sys.argv[1]) < float(sys.argv[2])" "$e1" "$s2"
}

@test "the mirror's archive is reused only when it names the same recipe" {
	mirror fakelib
	assert_success
	rm -rf "$PYBUILDPACK_BUILD_CACHE/libraries"
	mirror fakelib
	assert_success
	assert_output_contains "already in mirror (not in build cache: copying it back)"
	assert_equal "$(started fakelib)" 1

	local name
	name="$(bash "$BP/lib/platform.sh" archive-name fakelib 1.0)"
	rm -rf "$PYBUILDPACK_BUILD_CACHE/libraries"
	echo 0000000000000000 >"$MIRROR/$name.recipe"
	mirror fakelib
	assert_success
	assert_equal "$(started fakelib)" 2
	rm -rf "$PYBUILDPACK_BUILD_CACHE/libraries" "$MIRROR/$name.recipe"
	mirror fakelib
	assert_success
	assert_equal "$(started fakelib)" 3
}

@test "a package named alone is its line of mirror-versions.txt; one not there is refused" {
	mirror fakelib2
	assert_success
	assert_output_contains "[1/1] fakelib2=2.0-1: building"
	assert_equal "$(started fakelib)" 0
	mirror nosuchlib
	assert_failure
	assert_output_contains "nosuchlib is not in"
}

@test "a failed build fails the run and is named; the others are built" {
	recipe fakelib 1.0 3
	MIRROR_JOBS=2 mirror
	assert_failure
	assert_output_contains "ERROR: the build of fakelib-1.0-" "(exit status 3)" "could not build fakelib-1.0-"
	local name
	name="$(bash "$BP/lib/platform.sh" archive-name fakelib2 2.0)"
	(cd "$MIRROR" && sha256sum -c "$name.sha256")
}
