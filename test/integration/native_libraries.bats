#!/usr/bin/env bats
# Native libraries: libmemcached for pylibmc (and lzo2 for python-lzo) are bootstrapped when the
# package is anywhere in the app's requirements, built against, and found at run time in the slug.
# What triggers the bootstrap (any -r depth, a setup.py's dependencies, an extra read through the
# index; constraints alone do not) is test_natives_registry.py's; an app with no trigger downloads
# nothing (compile.bats' first test).

load ../helpers/suite

setup() {
	suite_setup
	if dpkg -s libmemcached-dev >/dev/null 2>&1 || [[ -e /usr/include/libmemcached/memcached.h ]]; then
		fail "libmemcached is installed on this machine: these tests prove the slug needs none"
	fi
}

@test "pylibmc three -r levels deep, in a build directory with a space: libmemcached is bootstrapped, pylibmc talks to memcached from /app, and the next build reuses the cached archive" {
	new_app pylibmc-nested "build dir with space"
	compile_app
	assert_success
	assert_output_contains \
		"-----> Native libraries" \
		"libmemcached 1.1.4: pylibmc (requirements/base.txt:2) needs it" \
		"libmemcached 1.1.4: downloading libmemcached-1.1.4-"
	assert_installed pylibmc==1.6.3
	[[ -f "${BUILD_DIR}/.heroku/vendor/libmemcached/lib/libmemcached.so" ]]
	# The bill of materials names the library, its archive's checksum and what needs it.
	mirror_archive libmemcached 1.1.4
	run sbom_check show "${BUILD_DIR}/.heroku/python-sbom.cdx.json"
	# (and the Debian source it was built from, which make mirror writes beside it)
	assert_output_contains "native:libmemcached@1.1.4 sha256=$(cut -d' ' -f1 "${ARCHIVE}.sha256") archive=${ARCHIVE_NAME} debian-source=$(cat "${ARCHIVE}.source") needed-by=pylibmc at requirements/base.txt:2"

	slug_to_app
	start_memcached
	in_slug /app "python -c \"$(memcached_py 'hello from the slug')\""
	assert_success
	assert_output_contains "got: hello from the slug"

	in_slug /app 'ldd "$(python -c "import _pylibmc; print(_pylibmc.__file__)")"'
	assert_success
	assert_output_contains "libmemcached.so.11 => /app/.heroku/vendor/libmemcached/lib/libmemcached.so.11"
	refute_output_contains "not found"

	new_app pylibmc-nested
	compile_app
	assert_success
	assert_output_contains "libmemcached 1.1.4: cached archive, no download"
}

@test "without the bootstrap the same app fails with the compiler error" {
	new_app pylibmc-nested
	printf '0' >"${ENV_DIR}/BUILDPACK_BOOTSTRAP_LIBRARIES"
	compile_app
	assert_failure 1
	assert_output_contains "libmemcached 1.1.4: NOT bootstrapped (BUILDPACK_BOOTSTRAP_LIBRARIES=0)" \
		"libmemcached/memcached.h: No such file or directory"
	[[ ! -e "${BUILD_DIR}/.heroku/vendor/libmemcached" ]]
}

@test "a second library, lzo2 for python-lzo (named with an underscore), works the same way" {
	new_app python-lzo-app
	compile_app
	assert_success
	assert_output_contains "lzo2 2.10: python-lzo (requirements.txt:1) needs it"
	slug_to_app
	in_slug /app 'python -c "
import lzo
data = b\"slug \" * 1000
packed = lzo.compress(data)
assert lzo.decompress(packed) == data
print(\"lzo ok\", len(packed) < len(data))
"; ldd "$(python -c "import lzo; print(lzo.__file__)")"'
	assert_success
	assert_output_contains "lzo ok True" "liblzo2.so.2 => /app/.heroku/vendor/lzo2/lib/liblzo2.so.2"
}

@test "the library archive missing from the mirror, or a checksum mismatch: clear error, nothing left behind" {
	local name
	name="$(grep -m1 '^libmemcached-' "${MIRROR_DIR}/index.txt")"
	bad="${BATS_TEST_TMPDIR}/bad-mirror"
	mkdir -p "$bad"
	for file in "${MIRROR_DIR}"/python-3.13.15-* "${MIRROR_DIR}/index.txt"; do
		cp "$file" "$bad/"
	done

	new_app pylibmc-nested
	compile_app BUILDPACK_MIRROR_URL="file://${bad}"
	assert_failure 1
	assert_output_contains "The mirror has no libmemcached 1.1.4 (needed by pylibmc at requirements/base.txt:2) archive"
	[[ ! -e "${BUILD_DIR}/.heroku/vendor/libmemcached" ]]
	run find "$CACHE_DIR" -name 'libmemcached*'
	assert_equal "$output" ""

	cp "${MIRROR_DIR}/${name}" "${MIRROR_DIR}/${name}.sha256" "$bad/"
	printf 'x' >>"${bad}/${name}"
	new_app pylibmc-nested
	compile_app BUILDPACK_MIRROR_URL="file://${bad}"
	assert_failure 1
	assert_output_contains "Checksum mismatch for libmemcached 1.1.4 (needed by pylibmc at requirements/base.txt:2)"
	run find "$CACHE_DIR" "${BUILD_DIR}/.heroku" -name 'libmemcached*' -o -name '.libmemcached-unpacking'
	assert_equal "$output" ""

	new_app pylibmc-nested
	compile_app
	assert_success
}

@test "a system library the buildpack does not provide (GDAL's sdist without gdal-config): the error names it, its line and how to get it" {
	if command -v gdal-config >/dev/null; then
		skip "this machine has gdal-config, so GDAL's sdist builds"
	fi
	plain_app
	printf 'six==1.17.0\nGDAL==3.10.3\n' >"${BUILD_DIR}/requirements.txt"
	compile_app
	assert_failure 1
	assert_output_contains \
		" !     Error: GDAL could not be built from source: it needs GDAL, which the build image lacks" \
		" !     Where: requirements.txt:2" \
		" !     The build's output says: Could not find gdal-config." \
		" !     Or get GDAL from:" " !       Heroku's Geo buildpack (heroku/heroku-geo-buildpack)"
	refute_output_contains "Internal error"
	run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
	assert_output_contains '"failure_reason": "install::system-library-missing"'
}
