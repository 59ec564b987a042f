#!/usr/bin/env bats
# Hardening: paths and symlinks.

# setup and teardown come from the helper, shared by every hardening suite.
load ../helpers/hardening

@test "paths: a .heroku or .profile.d symlink out of the app is refused, and nothing outside is touched" {
	local victim="${BATS_TEST_TMPDIR}/victim" entry
	for entry in .heroku .profile.d; do
		rm -rf "$victim" && mkdir -p "${victim}/python" && echo keep >"${victim}/python/precious.txt"
		ln -sfn "$victim" "${BUILD_DIR}/${entry}"
		compile_app
		assert_failure 1
		assert_output_contains "The app has a ${entry} that is not a directory" "git rm ${entry}"
		assert_equal "$(cat "${victim}/python/precious.txt")" "keep"
		run "${BUILDPACK_DIR}/bin/report" "$BUILD_DIR" "$CACHE_DIR"
		assert_output_contains '"failure_reason": "app::reserved-path"' '"status": "failed"'
		assert_equal "$(ls "$victim")" "python"
		rm "${BUILD_DIR}/${entry}"
	done
}

@test "paths: an empty CACHE_DIR, or one inside BUILD_DIR, is refused before anything is written" {
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "CACHE_DIR, is empty"
	[[ ! -e "${BUILD_DIR}/.heroku" ]]
	run env -u STACK BUILDPACK_MIRROR_URL="file://${MIRROR_DIR}" "${BUILDPACK_DIR}/bin/compile" "$BUILD_DIR" "${BUILD_DIR}/cache" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "CACHE_DIR is inside the build directory"
	[[ ! -e "${BUILD_DIR}/.heroku" ]]
}
