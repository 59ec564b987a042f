#!/usr/bin/env bats
# Reproducible builds (make reproducible, test/reproducible/run.sh): a wheels-only app built twice
# from a cold cache gives CNB layers of the same digests, and classic slugs of the same files (in
# two build directories; and a warm rebuild in a third), none of which names the build directory
# (README, "Reproducible builds").

load ../helpers/suite

setup() {
	suite_setup
}

teardown() {
	suite_teardown
}

@test "reproducible: two cold CNB builds of flask-app, seconds apart, export layers of the same digests" {
	[[ -x "${BUILDPACK_DIR}/bin/build" ]] || skip "needs bin/build"
	run env FIXTURES=flask-app REPRODUCIBLE_MODES=cnb REPRODUCIBLE_GAP=2 MIRROR_DIR="$MIRROR_DIR" \
		bash "${BUILDPACK_DIR}/test/reproducible/run.sh"
	assert_success
	assert_output_contains "-----> flask-app (cnb): two cold builds 2s apart" "       the same: 3 entries"
}

@test "reproducible: two cold classic builds of flask-app in two directories, seconds apart, and a warm rebuild give the same slug" {
	# (with the run's engine: TEST_INSTALLER=pip checks pip's slugs)
	run env FIXTURES=flask-app REPRODUCIBLE_MODES=classic REPRODUCIBLE_GAP=2 MIRROR_DIR="$MIRROR_DIR" \
		BUILDPACK_INSTALLER="$(engine)" bash "${BUILDPACK_DIR}/test/reproducible/run.sh"
	assert_success
	assert_output_contains "-----> flask-app (classic): two cold builds 2s apart" "       the same: " \
		"-----> flask-app (classic): a warm rebuild in a third directory" "       the same as the first cold build: "
	refute_output_contains "DIFFERENT" "naming the build directory"
}
