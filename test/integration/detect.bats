#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	APP="${BATS_TEST_TMPDIR}/app"
	mkdir -p "$APP"
}

@test "every Python marker file is detected" {
	local marker
	for marker in requirements.txt setup.py setup.cfg pyproject.toml Pipfile Pipfile.lock poetry.lock \
		uv.lock runtime.txt .python-version manage.py; do
		rm -rf "$APP" && mkdir -p "$APP" && touch "${APP}/${marker}"
		run "${BUILDPACK_DIR}/bin/detect" "$APP"
		assert_success
		assert_equal "$output" "Python"
	done
}

@test "a misspelt requirements file is detected, so that compile can name it" {
	touch "${APP}/requirments.txt"
	run "${BUILDPACK_DIR}/bin/detect" "$APP"
	assert_success
	assert_equal "$output" "Python"
}

@test "an app without Python files is not detected, and the message lists what was looked for" {
	touch "${APP}/package.json" "${APP}/index.js"
	run "${BUILDPACK_DIR}/bin/detect" "$APP"
	assert_failure 1
	assert_output_contains "No Python app found" "requirements.txt" "pyproject.toml" ".python-version" "manage.py"
	refute_output_contains "Python
"
}

@test "a missing directory is an error" {
	run "${BUILDPACK_DIR}/bin/detect" "${BATS_TEST_TMPDIR}/nope"
	assert_failure 1
	assert_output_contains "is not a directory"
}
