#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	load_lib profile
	BUILD_DIR="${BATS_TEST_TMPDIR}/build dir"
	mkdir -p "$BUILD_DIR"
}

@test ".profile.d/python.sh puts the app's environment on PATH and keeps user settings" {
	profile::write_profile_d "$BUILD_DIR"
	run env -i PATH=/usr/bin:/bin LANG=fr_FR.UTF-8 bash -c ". '${BUILD_DIR}/.profile.d/python.sh'; echo \"\$PATH|\$LANG|\$PYTHONUNBUFFERED|\${PYTHONHOME:-none}\""
	assert_success
	assert_equal "$output" "${BUILD_DIR}/.heroku/venv/bin:${BUILD_DIR}/.heroku/python/bin:/usr/bin:/bin|fr_FR.UTF-8|true|none"
}

@test "PYTHONHOME is set only when the slug runs from neither /app nor the build directory" {
	profile::write_profile_d "$BUILD_DIR"
	moved="${BATS_TEST_TMPDIR}/elsewhere"
	cp -a "$BUILD_DIR" "$moved"
	run env -i PATH=/usr/bin:/bin bash -c ". '${moved}/.profile.d/python.sh'; echo \"\$PYTHONHOME|\$LANG\""
	assert_equal "$output" "${moved}/.heroku/python|C.UTF-8"
}

@test "export gives later buildpacks the build directory's Python" {
	profile::write_profile_d "$BUILD_DIR"
	profile::write_export "$BUILD_DIR" "${BATS_TEST_TMPDIR}/export"
	run env -i PATH=/usr/bin:/bin bash -c ". '${BATS_TEST_TMPDIR}/export'; echo \"\$PATH|\$VIRTUAL_ENV\""
	assert_equal "$output" "${BUILD_DIR}/.heroku/venv/bin:${BUILD_DIR}/.heroku/python/bin:/usr/bin:/bin|${BUILD_DIR}/.heroku/venv"
}
