#!/usr/bin/env bats
# Reproducible builds (make reproducible, test/reproducible/run.sh): a wheels-only app built twice
# from a cold cache gives CNB layers of the same digests. (Classic slugs still differ in their
# timestamp-checked .pyc files, pyvenv.cfg and .profile.d: README, "Reproducible builds".)

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
