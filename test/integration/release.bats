#!/usr/bin/env bats

setup() {
	load ../helpers/test_helper
	APP="${BATS_TEST_TMPDIR}/app"
	mkdir -p "$APP"
}

yaml() {
	"${BUILDPACK_DIR}/.tools/bin/python" -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))'
}

@test "release prints valid YAML with addons and default_process_types" {
	touch "${APP}/requirements.txt"
	run bash -c "$(declare -f yaml); BUILDPACK_DIR='${BUILDPACK_DIR}'; '${BUILDPACK_DIR}/bin/release' '${APP}' | yaml"
	assert_success
	assert_equal "$output" '{"addons": [], "default_process_types": {}}'
}

@test "a Django project without a Procfile gets a gunicorn web process" {
	cp -a "${FIXTURES}/django-release/." "$APP/"
	run bash -c "$(declare -f yaml); BUILDPACK_DIR='${BUILDPACK_DIR}'; '${BUILDPACK_DIR}/bin/release' '${APP}' | yaml"
	assert_success
	assert_equal "$output" '{"addons": [], "default_process_types": {"web": "gunicorn mysite.wsgi"}}'
}

@test "with a Procfile, the Procfile decides" {
	cp -a "${FIXTURES}/django-release/." "$APP/"
	echo "web: gunicorn other.wsgi" >"${APP}/Procfile"
	run bash -c "$(declare -f yaml); BUILDPACK_DIR='${BUILDPACK_DIR}'; '${BUILDPACK_DIR}/bin/release' '${APP}' | yaml"
	assert_equal "$output" '{"addons": [], "default_process_types": {}}'
}

@test "a Django project in a subdirectory: gunicorn --chdir; the settings module picks the project" {
	mkdir -p "${APP}/src"
	cp -a "${FIXTURES}/django-release/." "${APP}/src/"
	# a second package with a wsgi.py: the settings module manage.py names decides
	mkdir -p "${APP}/src/legacy" && touch "${APP}/src/legacy/wsgi.py"
	printf 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n' >"${APP}/src/manage.py"
	run bash -c "$(declare -f yaml); BUILDPACK_DIR='${BUILDPACK_DIR}'; '${BUILDPACK_DIR}/bin/release' '${APP}' | yaml"
	assert_success
	assert_equal "$output" '{"addons": [], "default_process_types": {"web": "gunicorn --chdir src mysite.wsgi"}}'
	# no settings module named, two candidates: nothing is guessed
	sed -i '/DJANGO_SETTINGS_MODULE/d' "${APP}/src/manage.py"
	run bash -c "$(declare -f yaml); BUILDPACK_DIR='${BUILDPACK_DIR}'; '${BUILDPACK_DIR}/bin/release' '${APP}' | yaml"
	assert_equal "$output" '{"addons": [], "default_process_types": {}}'
}

@test "release without BUILD_DIR prints its usage and fails, as with a missing directory" {
	cd "$APP" && touch requirements.txt
	run "${BUILDPACK_DIR}/bin/release"
	assert_failure 1
	assert_output_contains "Usage: bin/release BUILD_DIR"
	run "${BUILDPACK_DIR}/bin/release" "${BATS_TEST_TMPDIR}/nowhere"
	assert_failure 1
	assert_output_contains "Usage: bin/release BUILD_DIR" "is not a directory"
}
