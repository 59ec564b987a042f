#!/usr/bin/env bats
# shellcheck disable=SC2016 # the hooks' own variables, expanded when the hooks run

setup() {
	load ../helpers/test_helper
	load_lib slug env signals core hooks
	output::use_redactor python3 "${BUILDPACK_DIR}/lib"
	# As in bin/compile, which runs with set -euo pipefail.
	set -o pipefail
	BUILD_DIR="${BATS_TEST_TMPDIR}/build"
	ENV_DIR="${BATS_TEST_TMPDIR}/env"
	OUTPUT_FAILURE_FILE="${BATS_TEST_TMPDIR}/failure"
	mkdir -p "${BUILD_DIR}/bin" "$ENV_DIR"
	REAL_PYTHON="$(python3 -c 'import sys; print(sys.executable)')"
	START_DIR="$PWD"
}

# hook NAME BODY: the app's bin/NAME (not executable: hooks are run with bash).
hook() {
	printf '%s\n' "$2" >"${BUILD_DIR}/bin/$1"
}

# python_with_django [DJANGO]: BATS_TEST_TMPDIR/python, a real interpreter that logs its arguments
# to BATS_TEST_TMPDIR/python.log; with DJANGO=yes a (stub) django package is importable.
python_with_django() {
	local site="${BATS_TEST_TMPDIR}/site"
	mkdir -p "${site}/django"
	printf 'VERSION = (5, 0)\n' >"${site}/django/__init__.py"
	if [[ "${1:-yes}" == yes ]]; then
		printf '#!/bin/sh\necho "$*" >>"%s"\nPYTHONPATH="%s" exec "%s" -S "$@"\n' \
			"${BATS_TEST_TMPDIR}/python.log" "$site" "$REAL_PYTHON" >"${BATS_TEST_TMPDIR}/python"
	else
		printf '#!/bin/sh\necho "$*" >>"%s"\nexec "%s" -S "$@"\n' \
			"${BATS_TEST_TMPDIR}/python.log" "$REAL_PYTHON" >"${BATS_TEST_TMPDIR}/python"
	fi
	chmod +x "${BATS_TEST_TMPDIR}/python"
	PYTHON="${BATS_TEST_TMPDIR}/python"
}

# manage_py DIR: a manage.py in BUILD_DIR/DIR whose collectstatic says where it ran and with what.
manage_py() {
	mkdir -p "${BUILD_DIR}/$1"
	cat >"${BUILD_DIR}/$1/manage.py" <<'EOF'
import os, sys
import django
print("collectstatic", sys.argv[1:], "in", os.getcwd())
print("SECRET_KEY", os.environ.get("SECRET_KEY"))
print("DATABASE_URL", os.environ.get("DATABASE_URL"))
print("PATH", os.environ["PATH"].split(":")[0])
sys.stdout.flush()
sys.exit(int(os.environ.get("MANAGE_EXIT", "0")))
EOF
}

# --- hooks::run -------------------------------------------------------------------------------

@test "hooks::run runs bin/NAME in the app's directory with every config var, indented" {
	printf 'hello world' >"${ENV_DIR}/GREETING"
	printf 'on' >"${ENV_DIR}/BUILDPACK_APP_SUBDIR"
	hook pre_compile 'echo "greeting: $GREETING"; echo "subdir: $BUILDPACK_APP_SUBDIR"; echo "cwd: $PWD"; echo "to stderr" >&2'
	unset GREETING
	run hooks::run pre_compile "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_equal "$output" "-----> Running bin/pre_compile
       greeting: hello world
       subdir: on
       cwd: ${BUILD_DIR}
       to stderr"
	[[ ! -e "$OUTPUT_FAILURE_FILE" ]]
	# The config vars were given to the hook only.
	hooks::run pre_compile "$BUILD_DIR" "$ENV_DIR" >/dev/null 2>&1
	assert_equal "${GREETING:-unset}" "unset"
	assert_equal "$PWD" "$START_DIR"
}

@test "a hook gets BUILD_DIR, CACHE_DIR and ENV_DIR, as on Heroku; a config var of that name wins" {
	# BUILD_DIR is the slug's root, also for an app in a subdirectory (BUILDPACK_APP_SUBDIR).
	CACHE_DIR="${BATS_TEST_TMPDIR}/cache"
	mkdir -p "${BUILD_DIR}/api/bin"
	printf '%s\n' 'printf "%s\n" "BUILD_DIR=$BUILD_DIR" "CACHE_DIR=$CACHE_DIR" "ENV_DIR=$ENV_DIR" "cwd=$PWD"' \
		>"${BUILD_DIR}/api/bin/pre_compile"
	run hooks::run pre_compile "${BUILD_DIR}/api" "$ENV_DIR"
	assert_success
	assert_equal "$output" "-----> Running bin/pre_compile
       BUILD_DIR=${BUILD_DIR}
       CACHE_DIR=${CACHE_DIR}
       ENV_DIR=${ENV_DIR}
       cwd=${BUILD_DIR}/api"
	printf 'dist' >"${ENV_DIR}/BUILD_DIR"
	run hooks::run pre_compile "${BUILD_DIR}/api" "$ENV_DIR"
	assert_output_contains "       BUILD_DIR=dist
       CACHE_DIR=${CACHE_DIR}"
}

@test "a hook runs python, whatever PYTHONHOME, PYTHONPLATLIBDIR and PATH the config vars say" {
	printf '/nowhere' >"${ENV_DIR}/PYTHONHOME"
	printf 'nowhere' >"${ENV_DIR}/PYTHONPLATLIBDIR"
	printf '/nowhere' >"${ENV_DIR}/PATH"
	printf 'src' >"${ENV_DIR}/PYTHONPATH"
	hook post_compile "\"${REAL_PYTHON}\" -c 'import os; print(\"python runs, PYTHONPATH=\" + os.environ[\"PYTHONPATH\"])'"
	run hooks::run post_compile "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "       python runs, PYTHONPATH=src"
}

@test "a failing hook: exit 1, an error block naming bin/NAME, and the reason recorded" {
	hook pre_compile 'echo "compiling assets"; exit 3'
	run hooks::run pre_compile "$BUILD_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "-----> Running bin/pre_compile" "       compiling assets" \
		" !     Error: The app's bin/pre_compile hook failed (exit status 3)" \
		" !     Fix bin/pre_compile, or remove it if the build no longer needs it."
	assert_equal "$(cat "$OUTPUT_FAILURE_FILE")" "hooks::pre-compile
The app's bin/pre_compile hook failed (exit status 3)"

	rm -f -- "$OUTPUT_FAILURE_FILE"
	hook post_compile 'false'
	run hooks::run post_compile "$BUILD_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains " !     Error: The app's bin/post_compile hook failed (exit status 1)"
	assert_equal "$(head -n 1 "$OUTPUT_FAILURE_FILE")" "hooks::post-compile"
}

@test "a hook that fails on its own (set -e) is caught too; one that recovers is not" {
	hook pre_compile 'set -e; echo start; ls /nonexistent/path; echo "not reached"'
	run hooks::run pre_compile "$BUILD_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "       start" "(exit status 2)"
	refute_output_contains "not reached"
	hook pre_compile 'ls /nonexistent/path 2>/dev/null || echo recovered'
	run hooks::run pre_compile "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "       recovered"
}

@test "hooks::run reports a failing hook even when the caller has no pipefail" {

	set +o pipefail
	hook pre_compile 'exit 3'
	run hooks::run pre_compile "$BUILD_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "(exit status 3)"
}

@test "no hook: nothing runs and nothing is printed" {
	run hooks::run pre_compile "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_equal "$output" ""
	# A directory of that name is not a hook.
	mkdir -p "${BUILD_DIR}/bin/post_compile"
	run hooks::run post_compile "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_equal "$output" ""
	[[ ! -e "$OUTPUT_FAILURE_FILE" ]]
}

@test "credentials a hook prints are hidden" {
	printf 'postgres://app:s3cret@db.internal:5432/x' >"${ENV_DIR}/DATABASE_URL"
	hook post_compile 'echo "db: $DATABASE_URL"; echo "pip https://__token__:pypi-AgEIcHlwaS5vcmc@example.test/simple" >&2; exit 4'
	run hooks::run post_compile "$BUILD_DIR" "$ENV_DIR"
	assert_failure 1
	assert_output_contains "       db: postgres://app:****@db.internal:5432/x" \
		"       pip https://__token__:****@example.test/simple" "(exit status 4)"
	refute_output_contains "s3cret" "pypi-AgEIcHlwaS5vcmc"
}

@test "credentials are hidden even when the app has a package named like the redactor's" {

	mkdir -p "${BUILD_DIR}/pybuildpack"
	printf '' >"${BUILD_DIR}/pybuildpack/__init__.py"
	printf 'import sys\nsys.stdout.write(sys.stdin.read())\n' >"${BUILD_DIR}/pybuildpack/redact.py"
	printf 'postgres://app:s3cret@db.internal:5432/x' >"${ENV_DIR}/DATABASE_URL"
	hook pre_compile 'echo "db: $DATABASE_URL"'
	run hooks::run pre_compile "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "       db: postgres://app:****@db.internal:5432/x"
	refute_output_contains "s3cret"
}

# --- hooks::collectstatic ---------------------------------------------------------------------
# (which manage.py, and whether Django is installed, is the core's answer: test_webapp.py)

@test "collectstatic without a manage.py to run: nothing runs, not even the interpreter" {
	python_with_django yes
	run hooks::collectstatic "$BUILD_DIR" "$ENV_DIR" "$PYTHON" ""
	assert_success
	assert_equal "$output" ""
	[[ ! -e "${BATS_TEST_TMPDIR}/python.log" ]] || fail "python ran: $(cat "${BATS_TEST_TMPDIR}/python.log")"
}

@test "DISABLE_COLLECTSTATIC=1 skips collectstatic, with a message" {
	python_with_django yes
	manage_py .
	printf '1' >"${ENV_DIR}/DISABLE_COLLECTSTATIC"
	run hooks::collectstatic "$BUILD_DIR" "$ENV_DIR" "$PYTHON" "${BUILD_DIR}/manage.py"
	assert_success
	assert_equal "$output" "-----> Skipping Django collectstatic (DISABLE_COLLECTSTATIC=1)"
	refute_output_contains "collectstatic ['"
	[[ ! -e "${BATS_TEST_TMPDIR}/python.log" ]] || fail "python ran: $(cat "${BATS_TEST_TMPDIR}/python.log")"
}

@test "collectstatic runs manage.py from its directory with the config vars, output indented and redacted" {
	python_with_django yes
	manage_py src/site
	printf '0' >"${ENV_DIR}/DISABLE_COLLECTSTATIC"
	printf 'not-so-secret' >"${ENV_DIR}/SECRET_KEY"
	printf 'postgres://app:s3cret@db/x' >"${ENV_DIR}/DATABASE_URL"
	run hooks::collectstatic "$BUILD_DIR" "$ENV_DIR" "$PYTHON" "${BUILD_DIR}/src/site/manage.py"
	assert_success
	assert_equal "$output" "-----> \$ python src/site/manage.py collectstatic --noinput
       collectstatic ['collectstatic', '--noinput'] in ${BUILD_DIR}/src/site
       SECRET_KEY not-so-secret
       DATABASE_URL postgres://app:****@db/x
       PATH $(dirname "$PYTHON")"
	[[ ! -e "$OUTPUT_FAILURE_FILE" ]]
}

@test "a failing collectstatic: exit 1, an error block naming manage.py, and the reason recorded" {
	python_with_django yes
	manage_py .
	printf '2' >"${ENV_DIR}/MANAGE_EXIT"
	run hooks::collectstatic "$BUILD_DIR" "$ENV_DIR" "$PYTHON" "${BUILD_DIR}/manage.py"
	assert_failure 1
	assert_output_contains "       collectstatic ['collectstatic', '--noinput']" \
		" !     Error: Django's collectstatic failed (exit status 2)" \
		" !     Where: manage.py; Django's message is shown above." \
		"heroku config:set DISABLE_COLLECTSTATIC=1"
	assert_equal "$(head -n 1 "$OUTPUT_FAILURE_FILE")" "hooks::collectstatic"
}

@test "a hook that leaves a process running does not block the build: the process is stopped" {
	mkdir -p "${BUILD_DIR}/bin"
	printf 'sleep 41 &\necho started\n' >"${BUILD_DIR}/bin/post_compile"
	local started="$SECONDS"
	run hooks::run post_compile "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "started" "the command left processes running; they were stopped"
	((SECONDS - started < 20)) || fail "the hook's leftover process blocked the build"
	! pgrep -f "sleep 41" >/dev/null || fail "the leftover process is still running"
}

@test "a hook's process that leaves the hook's session (setsid) is stopped too, and does not block the build" {
	mkdir -p "${BUILD_DIR}/bin"
	# one keeps the output open, one does not: neither may outlive the hook
	printf 'setsid sleep 43 &\nsetsid sleep 44 >/dev/null 2>&1 </dev/null &\necho started\n' >"${BUILD_DIR}/bin/post_compile"
	local started="$SECONDS"
	run hooks::run post_compile "$BUILD_DIR" "$ENV_DIR"
	assert_success
	assert_output_contains "started" "the command left processes running; they were stopped"
	((SECONDS - started < 20)) || fail "the hook's leftover process blocked the build"
	sleep 0.5
	! pgrep -f "sleep 4[34]" >/dev/null || fail "a leftover process is still running: $(pgrep -af 'sleep 4[34]')"
}

