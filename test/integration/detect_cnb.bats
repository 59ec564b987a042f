#!/usr/bin/env bats
# bin/detect under the Cloud Native Buildpack contract (Buildpack API 0.10): chosen by the CNB_*
# variables, the app is the working directory, pass is 0 and fail is 100; any other status would
# abort a whole multi-buildpack build, so nothing a non-Python app holds may produce one.

bats_require_minimum_version 1.5.0

setup() {
	load ../helpers/test_helper
	APP="${BATS_TEST_TMPDIR}/app"
	PLATFORM="${BATS_TEST_TMPDIR}/platform"
	PLAN="${BATS_TEST_TMPDIR}/plan.toml"
	mkdir -p "$APP" "${PLATFORM}/env"
	: >"$PLAN"
}

teardown() {
	chmod -R u+rwX -- "${BATS_TEST_TMPDIR:?}" 2>/dev/null || true
	if [[ -n "${NONROOT:-}" ]]; then
		rm -rf -- "$NONROOT"
	fi
}

# cnb_detect [ARG...]: bin/detect run as the lifecycle runs it: in the app's directory, with only
# the lifecycle's variables (clear-env), and ARGs as its positional arguments.
cnb_detect() {
	cd "$APP" && env -i PATH="$PATH" HOME="$BATS_TEST_TMPDIR" CNB_BUILD_PLAN_PATH="$PLAN" \
		CNB_PLATFORM_DIR="$PLATFORM" CNB_BUILDPACK_DIR="$BUILDPACK_DIR" CNB_TARGET_OS=linux \
		CNB_TARGET_ARCH=amd64 "${BUILDPACK_DIR}/bin/detect" "$@"
}

# refute_plan_written: detect wrote nothing into the build plan.
refute_plan_written() {
	if [[ -s "$PLAN" ]]; then
		fail "expected an empty build plan; it holds:" "$(cat "$PLAN")"
	fi
}

@test "CNB: every Python marker file passes (0), with and without the positional arguments, and says what it found" {
	local marker
	for marker in requirements.txt setup.py setup.cfg pyproject.toml Pipfile Pipfile.lock poetry.lock \
		uv.lock runtime.txt .python-version manage.py; do
		rm -rf "$APP" && mkdir -p "$APP" && touch "${APP}/${marker}"
		run --separate-stderr cnb_detect
		assert_success
		assert_equal "$output" "Python: found ${marker}"
		assert_equal "$stderr" ""
		run --separate-stderr cnb_detect "$PLATFORM" "$PLAN"
		assert_success
		assert_equal "$output" "Python: found ${marker}"
	done
	refute_plan_written
}

@test "CNB: a misspelt requirements file passes, so that the build can name it" {
	touch "${APP}/Requirments.txt"
	run --separate-stderr cnb_detect "$PLATFORM" "$PLAN"
	assert_success
	assert_equal "$output" "Python: found Requirments.txt"
}

@test "CNB: an app in a subdirectory passes, with the hint to set BUILDPACK_APP_SUBDIR" {
	cp -R "${FIXTURES}/monorepo/." "$APP"
	run --separate-stderr cnb_detect
	assert_success
	assert_equal "$output" "Python: found services/api/requirements.txt"
	assert_equal "$stderr" "Python app in services/api/requirements.txt (set BUILDPACK_APP_SUBDIR to its directory)"
	# A marker only in a hidden directory (.git, a virtualenv) is none.
	rm -rf "${APP:?}"/* && mkdir -p "${APP}/.venv/lib" && touch "${APP}/.venv/lib/setup.py"
	run cnb_detect
	assert_failure 100
}

@test "CNB: an app without Python files fails (100), not 1, with and without the positional arguments, and says what it looked for" {
	touch "${APP}/package.json" "${APP}/index.js"
	run --separate-stderr cnb_detect
	assert_failure 100
	assert_output_contains "No Python app found" "requirements.txt" "pyproject.toml" ".python-version" "manage.py"
	refute_output_contains "Python:"
	run cnb_detect "$PLATFORM" "$PLAN"
	assert_failure 100
	# An empty app, too.
	rm -rf "${APP:?}"/*
	run cnb_detect
	assert_failure 100
	refute_plan_written
}

@test "CNB: the positional arguments are not the app: the working directory is" {
	# The platform directory holds a marker, the app none: not Python.
	touch "${PLATFORM}/requirements.txt" "${PLATFORM}/env/requirements.txt"
	run cnb_detect "$PLATFORM" "$PLAN"
	assert_failure 100
	run cnb_detect "$PLATFORM"
	assert_failure 100
	# The app holds one and the arguments name nothing that exists (or more than two things).
	touch "${APP}/requirements.txt"
	run cnb_detect "${BATS_TEST_TMPDIR}/nope" "${BATS_TEST_TMPDIR}/nope.toml"
	assert_success
	run cnb_detect a b c
	assert_success
}

@test "CNB mode is chosen by any one of the lifecycle's variables, classic mode when none is set" {
	local variable
	touch "${APP}/index.js"
	for variable in CNB_BUILD_PLAN_PATH CNB_PLATFORM_DIR CNB_BUILDPACK_DIR; do
		run bash -c 'cd "$1" && env -i PATH="$PATH" "$2=$3" "$4/bin/detect" "$1"' _ "$APP" "$variable" "$PLAN" "$BUILDPACK_DIR"
		assert_failure 100
	done
	# Empty, they are not set: classic, where the first argument is the app.
	run bash -c 'cd "$1" && env -i PATH="$PATH" CNB_PLATFORM_DIR= "$2/bin/detect" "$1"' _ "$APP" "$BUILDPACK_DIR"
	assert_failure 1
	assert_output_contains "No Python app found"
}

@test "CNB: markers that are not readable files (a dangling link, a directory, a FIFO) are none: 100; classic says 1" {
	ln -s "${BATS_TEST_TMPDIR}/nowhere" "${APP}/requirements.txt"
	mkdir "${APP}/setup.py"
	mkfifo "${APP}/pyproject.toml"
	ln -s "${APP}" "${APP}/loop" && ln -s loop2 "${APP}/loop1" && ln -s loop1 "${APP}/loop2"
	run cnb_detect "$PLATFORM" "$PLAN"
	assert_failure 100
	run "${BUILDPACK_DIR}/bin/detect" "$APP"
	assert_failure 1
	# A link to a real file is a marker in both.
	touch "${BATS_TEST_TMPDIR}/reqs" && ln -s "${BATS_TEST_TMPDIR}/reqs" "${APP}/runtime.txt"
	run cnb_detect
	assert_success
	assert_equal "$output" "Python: found runtime.txt"
}

@test "CNB: an app directory that is gone or can't be read fails (100), never 1; an unreadable subdirectory hides no other" {
	# The working directory removed under the process.
	mkdir "${BATS_TEST_TMPDIR}/gone"
	run bash -c 'cd "$1" && rmdir "$1" && env -i PATH="$PATH" CNB_PLATFORM_DIR="$2" "$3/bin/detect"' _ \
		"${BATS_TEST_TMPDIR}/gone" "$PLATFORM" "$BUILDPACK_DIR"
	assert_failure 100
	# As an unprivileged user (root reads everything): an app it may not enter, with a marker
	# inside; then an app it may enter but not list, whose subdirectories can't be searched.
	NONROOT="$(mktemp -d "${TMPDIR:-/tmp}/pybuildpack-detect.XXXXXX")"
	chmod 755 "$NONROOT"
	mkdir -p "${NONROOT}/buildpack/bin" "${NONROOT}/buildpack/data" "${NONROOT}/app/sub"
	cp "${BUILDPACK_DIR}/bin/detect" "${NONROOT}/buildpack/bin/"
	cp "${BUILDPACK_DIR}/data/app-markers.txt" "${NONROOT}/buildpack/data/"
	touch "${NONROOT}/app/requirements.txt" "${NONROOT}/app/sub/index.js"
	as_nobody_in() {
		(cd "$1" && setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH="$PATH" \
			CNB_PLATFORM_DIR="$PLATFORM" "${NONROOT}/buildpack/bin/detect")
	}
	chmod 000 "${NONROOT}/app"
	run as_nobody_in "${NONROOT}/app"
	assert_failure 100
	chmod 711 "${NONROOT}/app"
	rm "${NONROOT}/app/requirements.txt"
	chmod 000 "${NONROOT}/app/sub"
	run as_nobody_in "${NONROOT}/app"
	assert_failure 100
	assert_output_contains "No Python app found"
	# An unreadable subdirectory beside a readable one that holds the app: found.
	chmod 755 "${NONROOT}/app"
	mkdir -p "${NONROOT}/app/web" && touch "${NONROOT}/app/web/pyproject.toml"
	run as_nobody_in "${NONROOT}/app"
	assert_success
	assert_output_contains "Python: found web/pyproject.toml"
	# Classic mode finds it too (find's error on the other directory is no verdict).
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "${NONROOT}/buildpack/bin/detect" "${NONROOT}/app"
	assert_success
	assert_output_contains "Python app in web/pyproject.toml"
}

@test "CNB: a failure inside detect (its marker list missing) is 100, not an error status; classic says 1" {
	local bp="${BATS_TEST_TMPDIR}/broken-buildpack"
	mkdir -p "${bp}/bin" && cp "${BUILDPACK_DIR}/bin/detect" "${bp}/bin/"
	touch "${APP}/requirements.txt"
	run --separate-stderr bash -c 'cd "$1" && env -i PATH="$PATH" CNB_BUILDPACK_DIR="$2" "$2/bin/detect"' _ "$APP" "$bp"
	assert_failure 100
	[[ "$stderr" == *"bin/detect failed (exit status 1) while looking for a Python app: not detected"* ]] ||
		fail "expected the failure on stderr; it was:" "$stderr"
	run "${bp}/bin/detect" "$APP"
	assert_failure 1
}
